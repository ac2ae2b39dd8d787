"""The case document: one serialisation of a grant case to plain, JSON-ready data.

It holds every input and every computed total. Versions, audit diffs, publication and
open data all use it, so its shape changes only with a new SCHEMA.
"""

import hashlib
import json
from decimal import Decimal

from grants.money import financial_year_label, money_string
from grants.reconciliation import Reconciliation, reconcile_case
from grants.sections import PART_1_SECTIONS

SCHEMA = "grant-case/1"

# Which of the document's keys hold what, wherever they appear in it: figures (money, and
# FTE) as exact decimal strings, dates as ISO 8601 dates, and lists of rows. Presentation
# and history read them from here.
FTE_KEYS = frozenset({"grant_fte", "match_fte"})
MONEY_KEYS = frozenset(
    {
        "amount",
        "annual_cost",
        "annual_cap",
        "grant_cost",
        "match_cost",
        "total_cost",
        "grant_allocation",
        "staff_cost",
        "non_staff_cost",
        "planned_spend",
        "planned_spend_total",
        "match_funding",
        "grant_funding",
        "mps_funding",
        "total_budget",
        "variance",
        "offers",
        "allocations",
    }
)
FIGURE_KEYS = MONEY_KEYS | FTE_KEYS
DATE_KEYS = frozenset(
    {"needed_by", "starts_on", "ends_on", "period_start", "period_end", "offer_date"}
)
# A path part after one of these names a row (a unit's name, or a position counted from 1).
LIST_KEYS = frozenset(
    {
        "recommendations",
        "offers",
        "units",
        "groups",
        "posts",
        "cost_lines",
        "other_allocations",
        "revenue_impact_summary",
        "planned_spend",
    }
)


def _date(value):
    return value.isoformat() if value else None


def _fte(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _post(figures) -> dict:
    post = figures.post
    row = {
        "grade": post.grade,
        "annual_cost": money_string(post.annual_cost),
        "grant_fte": _fte(post.grant_fte),
        "match_fte": _fte(post.match_fte),
        "grant_cost": money_string(figures.grant_cost),
        "match_cost": money_string(figures.match_cost),
        "total_cost": money_string(figures.total_cost),
    }
    # Dates, a cost line's year and other years' allocations are in the document only
    # where a case has them, so a single-year case's document is what it always was.
    if post.starts_on or post.ends_on:
        row |= {"starts_on": _date(post.starts_on), "ends_on": _date(post.ends_on)}
    return row


def _cost_line(line) -> dict:
    row = {"description": line.description, "amount": money_string(line.amount)}
    if line.financial_year is not None:
        row["financial_year"] = financial_year_label(line.financial_year)
    return row


def _unit(unit) -> dict:
    row = {
        "name": unit.unit.name,
        "grant_allocation": money_string(unit.grant_allocation),
        "groups": [
            {
                "name": group.name,
                "posts": [_post(p) for p in group.posts],
                "totals": {
                    "grant_fte": _fte(group.grant_fte),
                    "match_fte": _fte(group.match_fte),
                    "grant_cost": money_string(group.grant_cost),
                    "match_cost": money_string(group.match_cost),
                    "total_cost": money_string(group.total_cost),
                },
            }
            for group in unit.groups
        ],
        "cost_lines": [_cost_line(line) for line in unit.cost_lines],
        "totals": {
            "grant_fte": _fte(unit.grant_fte),
            "staff_cost": money_string(unit.staff_cost),
            "non_staff_cost": money_string(unit.non_staff_cost),
            "planned_spend": money_string(unit.planned_spend),
            "match_funding": money_string(unit.match_funding),
        },
    }
    if unit.other_allocations:
        row["other_allocations"] = [
            {"financial_year": financial_year_label(year), "amount": money_string(amount)}
            for year, amount in sorted(unit.other_allocations.items())
        ]
        row["totals"]["allocations"] = money_string(unit.total_allocation)
    return row


def _part2_exemption(case) -> str:
    if not (case.part2_content or "").strip():
        return ""
    return (case.part2_exemption_reason or "").strip()


def related_decision_notes(case) -> list:
    """The case's links to decisions not yet published: staff notes, never in Part 1, the
    version's document or the decision form, until the case is submitted again once the
    decision is published."""
    return [link for link in case.related_decisions.all() if not link.cites_published_decision]


def case_document(case, reconciliation: Reconciliation | None = None) -> dict:
    """Turn a case (loaded with GrantCase.objects.with_contents()) into plain data."""
    figures = reconciliation or reconcile_case(case)
    return {
        "schema": SCHEMA,
        "case": {
            "id": case.pk,
            "title": case.title,
            "scheme": case.scheme.name if case.scheme else None,
            "financial_year": financial_year_label(case.financial_year),
            "report_by": case.report_by,
            "report_author": case.report_author,
        },
        "sections": {section.field: getattr(case, section.field) for section in PART_1_SECTIONS},
        "time_sensitivity": {
            "needed_by": _date(case.needed_by),
            "reason": case.time_sensitivity,
        },
        "recommendations": [
            {
                "position": rec.position,
                "text": rec.text,
                "standing_authority": {
                    "annual_cap": money_string(rec.annual_cap),
                    "ends_on": _date(rec.ends_on),
                }
                if rec.is_standing_authority
                else None,
            }
            for rec in case.recommendations.all()
        ],
        "offers": [
            {
                "funder": offer.funder.name,
                "scheme": offer.scheme.name if offer.scheme else None,
                "amount": money_string(offer.amount),
                "financial_year": financial_year_label(offer.financial_year),
                "period_start": _date(offer.period_start),
                "period_end": _date(offer.period_end),
                "offer_date": _date(offer.offer_date),
                "conditions": offer.conditions,
                # Only a draft holds an offer still to be confirmed (it cannot be submitted
                # with one), so the key is left out otherwise and no version's shape changes.
                **({"amount_to_be_confirmed": True} if offer.amount_to_be_confirmed else {}),
            }
            for offer in case.offers.all()
        ],
        "units": [_unit(unit) for unit in figures.units],
        "revenue_impact_summary": [
            {
                "financial_year": year.label,
                "grant_funding": money_string(year.grant_funding),
                "mps_funding": money_string(year.mps_funding),
                "total_budget": money_string(year.total_budget),
                "planned_spend": [
                    {"unit": unit.name, "amount": money_string(amount)}
                    for unit, amount in year.planned_spend_by_unit
                ],
                "planned_spend_total": money_string(year.planned_spend),
                "variance": money_string(year.variance),
            }
            for year in figures.years
        ],
        "totals": {
            "offers": money_string(figures.offers_total),
            "allocations": money_string(figures.allocations_total),
            "planned_spend": money_string(figures.planned_spend),
            "mps_funding": money_string(figures.mps_funding),
            "total_budget": money_string(figures.total_budget),
            "variance": money_string(figures.variance),
            "grant_fte": _fte(figures.grant_fte),
        },
        # Part 1 names only decisions on the public register: a link to one not yet
        # published is a staff note (related_decision_notes), outside the document.
        "related_decisions": [
            {"kind": link.kind, "reference": link.decision.reference}
            for link in case.related_decisions.all()
            if link.cites_published_decision
        ],
        # Why Part 2 is exempt, when there is one: published in Part 1. Documents made
        # before it was added have no such key, and keep their Part 1 and its SHA-256.
        "part2_exemption": _part2_exemption(case),
        "part2": {
            "content": case.part2_content,
            "exemption_reason": case.part2_exemption_reason,
        },
    }


def document_json(document: dict) -> str:
    """The canonical text of a document: sorted keys, so equal documents are equal bytes."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2)


def _flatten(value, path: tuple[str, ...], into: dict[tuple[str, ...], object]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, (*path, key), into)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            # Rows with a name (units, groups) are known by it, so inserting a unit does
            # not show every later unit as changed.
            label = item.get("name") if isinstance(item, dict) and item.get("name") else index
            _flatten(item, (*path, str(label)), into)
    else:
        into[path] = value


def document_changes(before: dict | None, after: dict) -> list[dict]:
    """Field-level differences between two documents, in the order of the later one:
    [{"field": ["units", "ROCU", "cost_lines", "2", "amount"], "before": ..., "after": ...}].
    A field that is new has before None; one that went has after None."""
    old: dict[tuple[str, ...], object] = {}
    new: dict[tuple[str, ...], object] = {}
    _flatten(before or {}, (), old)
    _flatten(after, (), new)
    changes = [
        {"field": list(path), "before": old.get(path), "after": value}
        for path, value in new.items()
        if old.get(path) != value or path not in old
    ]
    changes += [
        {"field": list(path), "before": value, "after": None}
        for path, value in old.items()
        if path not in new
    ]
    return changes


def has_part2(document: dict) -> bool:
    """Whether the document has a Part 2: some content, not only an exemption ground."""
    return bool(((document.get("part2") or {}).get("content") or "").strip())


def part2_ground(document: dict) -> str:
    """Why the document's Part 2 is exempt, if it has one: the one thing of Part 2 that
    is published, on the decision form."""
    return (document.get("part2") or {}).get("exemption_reason", "") if has_part2(document) else ""


def part1_document(document: dict) -> dict:
    """The document as it may be published: Part 2's content is removed, and only whether
    there was one is kept."""
    public = {key: value for key, value in document.items() if key != "part2"}
    public["has_part2"] = has_part2(document)
    return public


def document_sha256(document: dict) -> str:
    return hashlib.sha256(document_json(document).encode()).hexdigest()
