"""The documents people handle: the decision form and the IAM meeting pack, as pages and
as PDFs drawn from the same templates."""
