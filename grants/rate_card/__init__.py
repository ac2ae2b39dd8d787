"""The rate card: the annual cost of each grade or rank per financial year, which
administrators keep and the reconciliation checks posts against."""
