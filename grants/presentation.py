"""Display data for a case report, built from a case document.

The live case, every frozen version and the published decision all render Part 1 from
a document, so what a reviewer or the public reads is exactly what the document holds.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from grants.document import DATE_KEYS, FIGURE_KEYS
from grants.sections import PART_1_SECTIONS

ZERO = Decimal("0")


def _typed(value, key=None):
    """The document with figures as Decimals and dates as dates, for templates."""
    # Strings first: most of a document's values are.
    if isinstance(value, str):
        if key in FIGURE_KEYS:
            return Decimal(value)
        if key in DATE_KEYS:
            return datetime.date.fromisoformat(value)
        return value
    if isinstance(value, dict):
        return {k: _typed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(item, key) for item in value]
    return value


@dataclass(frozen=True)
class SummaryRow:
    label: str
    values: list[Decimal]
    kind: str = "figure"  # "figure", "total" or "heading"

    @property
    def total(self) -> Decimal:
        return sum(self.values, ZERO)


def revenue_impact_rows(years: list[dict]) -> list[SummaryRow]:
    """The revenue impact summary as the report lays it out: one column per budget year."""
    units = [entry["unit"] for entry in years[0]["planned_spend"]] if years else []
    rows = [
        SummaryRow("Grant funding", [y["grant_funding"] for y in years]),
        SummaryRow("MPS funding", [y["mps_funding"] for y in years]),
        SummaryRow("Total budget", [y["total_budget"] for y in years], "total"),
        SummaryRow("Planned spend", [], "heading"),
    ]
    for index, name in enumerate(units):
        rows.append(SummaryRow(name, [y["planned_spend"][index]["amount"] for y in years]))
    rows += [
        SummaryRow("Planned spend total", [y["planned_spend_total"] for y in years], "total"),
        SummaryRow("Variance to budget (-ve saving)", [y["variance"] for y in years], "total"),
    ]
    return rows


@dataclass(frozen=True)
class SummaryGroup:
    """Rows of the summary that belong together, drawn as one <tbody>; a group with a
    heading is a row group that screen readers announce with each of its cells."""

    heading: str
    rows: list[SummaryRow]


def summary_groups(rows: list[SummaryRow]) -> list[SummaryGroup]:
    """The summary's rows in groups: a heading starts one, which ends with the first total
    after it (Planned spend: the units and their total)."""
    groups = [SummaryGroup("", [])]
    for row in rows:
        if row.kind == "heading":
            groups.append(SummaryGroup(row.label, []))
            continue
        groups[-1].rows.append(row)
        if groups[-1].heading and row.kind == "total":
            groups.append(SummaryGroup("", []))
    return [group for group in groups if group.rows]


def report_blocks(sections: dict[str, str]) -> list[tuple[str, object, str]]:
    """Part 1 in the report's order: narrative sections, with the recommendations, time
    sensitivity and grant offers after the executive summary and the funding tables after
    the revenue impact note. Empty optional sections are left out."""
    blocks = []
    for section in PART_1_SECTIONS:
        text = sections.get(section.field, "")
        if section.field == "revenue_impact_note":
            blocks.append(("revenue_impact", section, text))
            blocks.append(("breakdown", None, ""))
        elif text.strip():
            blocks.append(("section", section, text))
        if section.field == "executive_summary":
            blocks.append(("recommendations", None, ""))
            blocks.append(("time_sensitivity", None, ""))
            blocks.append(("offers", None, ""))
    return blocks


def report_context(document: dict) -> dict:
    """What the Part 1 and Part 2 templates need to show a document."""
    doc = _typed(document)
    for unit in doc["units"]:
        unit["has_match"] = any(group["totals"]["match_fte"] for group in unit["groups"])
        unit["has_groups"] = any(group["name"] for group in unit["groups"])
    years = doc["revenue_impact_summary"]
    summary_rows = revenue_impact_rows(years)
    return {
        "doc": doc,
        "years": [year["financial_year"] for year in years],
        "summary_rows": summary_rows,
        "summary_groups": summary_groups(summary_rows),
        "blocks": report_blocks(doc["sections"]),
    }
