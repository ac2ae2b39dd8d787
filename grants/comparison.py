"""A case's figures beside the earlier decision's it extends, unit by unit and in total.

Both sides are read from case documents: the earlier side from the version the DMPC
decided, this side from the case as it stands. Units are matched by name; a unit on one
side only counts as nothing on the other.
"""

from dataclasses import dataclass
from decimal import Decimal

from approvals.models import RelatedDecision, RelatedDecisionKind

ZERO = Decimal("0")


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: str  # "money", "fte" or "count"


MEASURES = (
    Measure("allocation", "Grant allocation", "money"),
    Measure("posts", "Posts", "count"),
    Measure("grant_fte", "Grant-funded FTE", "fte"),
    Measure("match_fte", "Match-funded FTE", "fte"),
    Measure("planned_spend", "Planned cost", "money"),
)


@dataclass(frozen=True)
class Line:
    measure: Measure
    earlier: Decimal
    this: Decimal

    @property
    def difference(self) -> Decimal:
        return self.this - self.earlier


@dataclass(frozen=True)
class UnitComparison:
    name: str
    lines: list[Line]
    in_earlier: bool = True
    in_this: bool = True

    def line(self, key: str) -> Line:
        return next(line for line in self.lines if line.measure.key == key)


@dataclass(frozen=True)
class Comparison:
    link: RelatedDecision
    units: list[UnitComparison]
    total: UnitComparison


def unit_measures(unit: dict) -> dict[str, Decimal]:
    """The compared figures of one unit of a case document."""
    groups = unit["groups"]
    return {
        "allocation": Decimal(unit["grant_allocation"]),
        "posts": Decimal(sum(len(group["posts"]) for group in groups)),
        "grant_fte": Decimal(unit["totals"]["grant_fte"]),
        "match_fte": sum((Decimal(g["totals"]["match_fte"]) for g in groups), ZERO),
        "planned_spend": Decimal(unit["totals"]["planned_spend"]),
    }


def _lines(earlier: dict[str, Decimal], this: dict[str, Decimal]) -> list[Line]:
    return [
        Line(measure, earlier.get(measure.key, ZERO), this.get(measure.key, ZERO))
        for measure in MEASURES
    ]


def compare_documents(earlier: dict, this: dict, link: RelatedDecision) -> Comparison:
    before = {unit["name"]: unit_measures(unit) for unit in earlier["units"]}
    after = {unit["name"]: unit_measures(unit) for unit in this["units"]}
    names = [*after, *(name for name in before if name not in after)]
    units = [
        UnitComparison(
            name,
            _lines(before.get(name, {}), after.get(name, {})),
            in_earlier=name in before,
            in_this=name in after,
        )
        for name in names
    ]

    def summed(side: dict[str, dict[str, Decimal]]) -> dict[str, Decimal]:
        return {m.key: sum((unit[m.key] for unit in side.values()), ZERO) for m in MEASURES}

    return Comparison(
        link, units, UnitComparison("Total of all units", _lines(summed(before), summed(after)))
    )


def extended_decision(case) -> RelatedDecision | None:
    """The case's link to the earlier decision it extends, if it has one (the first)."""
    return (
        RelatedDecision.objects.filter(case=case, kind=RelatedDecisionKind.EXTENDS)
        .select_related("decision__version", "decision__case")
        .order_by("pk")
        .first()
    )
