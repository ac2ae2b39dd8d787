"""Reconciliation: every figure of a grant case, computed from its inputs, and the checks
that find what is wrong with them.

Inputs are the posts, cost lines and grant allocations of each funded unit, the grant
offers and the budget years. Nothing here rounds: products of pounds and FTE are exact
Decimals, and only the display rounds (to £m, 3 dp, as the report does).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone

from grants.formatting import long_date
from grants.money import financial_year_label, format_millions, format_pounds
from grants.sections import PART_1_SECTIONS

ZERO = Decimal("0")


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    unit: str = ""
    post: str = ""
    section: str = ""
    unit_id: int | None = None
    post_id: int | None = None
    # The finding told to someone who reads the case but cannot edit it (the DMPC, an
    # adviser): what is wrong, without telling them to fix it. Empty when `message`
    # already reads that way.
    reader: str = ""

    @property
    def reader_message(self) -> str:
        return self.reader or self.message

    @property
    def where(self) -> str:
        return " – ".join(part for part in (self.unit, self.post) if part) or self.section

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


@dataclass(frozen=True)
class PostFigures:
    post: object
    grant_cost: Decimal
    match_cost: Decimal

    @property
    def total_cost(self) -> Decimal:
        return self.grant_cost + self.match_cost


@dataclass
class GroupFigures:
    name: str
    posts: list[PostFigures] = field(default_factory=list)

    @property
    def grant_fte(self) -> Decimal:
        return sum((p.post.grant_fte for p in self.posts), ZERO)

    @property
    def match_fte(self) -> Decimal:
        return sum((p.post.match_fte for p in self.posts), ZERO)

    @property
    def grant_cost(self) -> Decimal:
        return sum((p.grant_cost for p in self.posts), ZERO)

    @property
    def match_cost(self) -> Decimal:
        return sum((p.match_cost for p in self.posts), ZERO)

    @property
    def total_cost(self) -> Decimal:
        return self.grant_cost + self.match_cost


@dataclass
class UnitFigures:
    unit: object
    groups: list[GroupFigures]
    cost_lines: list

    @property
    def posts(self) -> list[PostFigures]:
        return [p for group in self.groups for p in group.posts]

    @property
    def has_match_funding(self) -> bool:
        return any(p.post.match_fte for p in self.posts)

    @property
    def has_groups(self) -> bool:
        return any(group.name for group in self.groups)

    @property
    def grant_fte(self) -> Decimal:
        return sum((g.grant_fte for g in self.groups), ZERO)

    @property
    def match_fte(self) -> Decimal:
        return sum((g.match_fte for g in self.groups), ZERO)

    @property
    def staff_grant_cost(self) -> Decimal:
        return sum((g.grant_cost for g in self.groups), ZERO)

    @property
    def staff_match_cost(self) -> Decimal:
        return sum((g.match_cost for g in self.groups), ZERO)

    @property
    def staff_cost(self) -> Decimal:
        return self.staff_grant_cost + self.staff_match_cost

    @property
    def non_staff_cost(self) -> Decimal:
        return sum((line.amount for line in self.cost_lines), ZERO)

    @property
    def planned_spend(self) -> Decimal:
        return self.staff_cost + self.non_staff_cost

    @property
    def grant_allocation(self) -> Decimal:
        return self.unit.grant_allocation

    @property
    def match_funding(self) -> Decimal:
        """What the MPS pays on top of the grant."""
        return self.planned_spend - self.grant_allocation


@dataclass
class YearFigures:
    financial_year: int
    grant_funding: Decimal
    mps_funding: Decimal
    planned_spend_by_unit: list[tuple[object, Decimal]]

    @property
    def label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def total_budget(self) -> Decimal:
        return self.grant_funding + self.mps_funding

    @property
    def planned_spend(self) -> Decimal:
        return sum((amount for _, amount in self.planned_spend_by_unit), ZERO)

    @property
    def variance(self) -> Decimal:
        return self.total_budget - self.planned_spend


@dataclass
class Reconciliation:
    units: list[UnitFigures]
    years: list[YearFigures]
    offers_total: Decimal
    findings: list[Finding]

    @property
    def allocations_total(self) -> Decimal:
        return sum((u.grant_allocation for u in self.units), ZERO)

    @property
    def planned_spend(self) -> Decimal:
        return sum((u.planned_spend for u in self.units), ZERO)

    @property
    def mps_funding(self) -> Decimal:
        return sum((u.match_funding for u in self.units), ZERO)

    @property
    def total_budget(self) -> Decimal:
        return self.offers_total + self.mps_funding

    @property
    def variance(self) -> Decimal:
        return self.total_budget - self.planned_spend

    @property
    def grant_fte(self) -> Decimal:
        return sum((u.grant_fte for u in self.units), ZERO)

    @property
    def match_fte(self) -> Decimal:
        return sum((u.match_fte for u in self.units), ZERO)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def totals(self) -> dict:
        return {
            "offers": self.offers_total,
            "allocations": self.allocations_total,
            "planned_spend": self.planned_spend,
            "mps_funding": self.mps_funding,
            "total_budget": self.total_budget,
            "variance": self.variance,
            "grant_fte": self.grant_fte,
        }


def post_figures(post) -> PostFigures:
    return PostFigures(
        post=post,
        grant_cost=post.annual_cost * post.grant_fte,
        match_cost=post.annual_cost * post.match_fte,
    )


def unit_figures(unit, posts: Iterable, cost_lines: Iterable) -> UnitFigures:
    groups: dict[str, GroupFigures] = {}
    for post in posts:
        groups.setdefault(post.group, GroupFigures(post.group)).posts.append(post_figures(post))
    return UnitFigures(unit=unit, groups=list(groups.values()), cost_lines=list(cost_lines))


def reconcile(
    case,
    *,
    units: Sequence[tuple[object, Sequence, Sequence]],
    offers: Sequence,
    recommendations: Sequence,
    budget_years: Sequence[int],
    today: datetime.date | None = None,
    rate_card: Mapping[str, Decimal] | None = None,
) -> Reconciliation:
    """Compute every figure of a case and check it.

    `units` holds (unit, posts, cost_lines) for each funded unit in report order.
    `rate_card` holds each grade's annual cost on the rate card for the case's costed
    year (grants.rate_card.services.card_for_year); without it posts are checked only
    against each other.
    """
    figures = [unit_figures(unit, posts, lines) for unit, posts, lines in units]
    offers_total = sum((offer.amount for offer in offers), ZERO)

    grant_by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for offer in offers:
        grant_by_year[offer.financial_year] += offer.amount
    years = []
    for year in sorted(set(budget_years)):
        costed = year == case.financial_year
        years.append(
            YearFigures(
                financial_year=year,
                grant_funding=grant_by_year[year],
                mps_funding=sum((u.match_funding for u in figures), ZERO) if costed else ZERO,
                planned_spend_by_unit=[
                    (u.unit, u.planned_spend if costed else ZERO) for u in figures
                ],
            )
        )

    result = Reconciliation(units=figures, years=years, offers_total=offers_total, findings=[])
    result.findings = check(
        case,
        result,
        offers=offers,
        recommendations=recommendations,
        budget_years=set(budget_years),
        today=today or timezone.localdate(),
        rate_card=rate_card or {},
    )
    return result


def check(case, result: Reconciliation, *, offers, recommendations, budget_years, today, rate_card):
    findings: list[Finding] = []
    error = Severity.ERROR
    warning = Severity.WARNING

    for section in PART_1_SECTIONS:
        if section.required and not getattr(case, section.field, "").strip():
            findings.append(
                Finding(
                    error,
                    "missing-section",
                    f"Add the {section.title.lower()}.",
                    section=section.title,
                    reader=f"The report’s {section.title.lower()} section is empty.",
                )
            )
    if not recommendations:
        findings.append(
            Finding(
                error,
                "missing-section",
                "Add at least one recommendation.",
                section="Recommendations",
                reader="The report has no recommendations.",
            )
        )
    if not case.needed_by or not case.time_sensitivity.strip():
        findings.append(
            Finding(
                error,
                "missing-section",
                "Say when the decision is needed by, and why.",
                section="Time sensitivity",
                reader="The report does not say when the decision is needed by, or why.",
            )
        )
    elif case.needed_by < today:
        findings.append(
            Finding(
                warning,
                "needed-by-passed",
                f"The decision was needed by {long_date(case.needed_by)}, which has passed. "
                "Update the time sensitivity section.",
                section="Time sensitivity",
                reader=f"The report’s time sensitivity section says the decision was needed "
                f"by {long_date(case.needed_by)}, which has passed.",
            )
        )
    if case.part2_content.strip() and not case.part2_exemption_reason.strip():
        findings.append(
            Finding(
                error,
                "part2-reason",
                "Say why the Part 2 content is exempt from publication.",
                section="Part 2",
                reader="The report does not say why the Part 2 content is exempt from publication.",
            )
        )
    if not offers:
        findings.append(
            Finding(
                error,
                "no-offers",
                "Add the grant offers.",
                section="Grant offers",
                reader="The report has no grant offers.",
            )
        )
    for offer in offers:
        if offer.amount_to_be_confirmed:
            year = financial_year_label(offer.financial_year)
            findings.append(
                Finding(
                    error,
                    "amount-to-be-confirmed",
                    f"Confirm the {offer.funder.name} offer for {year}: its amount, "
                    f"{format_pounds(offer.amount)}, is the earlier decision’s figure, carried "
                    "forward.",
                    section="Grant offers",
                    reader=f"The {offer.funder.name} offer for {year} is the earlier "
                    f"decision’s figure, {format_pounds(offer.amount)}, not yet confirmed.",
                )
            )
    if not result.units:
        findings.append(
            Finding(
                error,
                "no-units",
                "Add the funded units.",
                section="Funded units",
                reader="The report has no funded units.",
            )
        )

    if result.allocations_total != result.offers_total:
        findings.append(
            Finding(
                error,
                "allocations-offers",
                f"The units’ grant allocations total {format_pounds(result.allocations_total)} "
                f"but the offers total {format_pounds(result.offers_total)}. They must be equal.",
                section="Funded units",
                reader=f"The figures do not add up: the units’ grant allocations total "
                f"{format_pounds(result.allocations_total)} but the offers total "
                f"{format_pounds(result.offers_total)}.",
            )
        )

    for unit in result.units:
        if unit.grant_allocation > unit.planned_spend:
            findings.append(
                Finding(
                    error,
                    "grant-above-spend",
                    f"The grant allocation (£{format_millions(unit.grant_allocation)}m) is more "
                    f"than the planned spend (£{format_millions(unit.planned_spend)}m).",
                    unit=unit.unit.name,
                    unit_id=unit.unit.pk,
                )
            )
        if not unit.posts and not unit.cost_lines:
            findings.append(
                Finding(
                    warning,
                    "empty-unit",
                    "This unit has no posts or cost lines.",
                    unit=unit.unit.name,
                    unit_id=unit.unit.pk,
                )
            )
        for figures in unit.posts:
            post = figures.post
            if post.match_fte > post.grant_fte:
                findings.append(
                    Finding(
                        warning,
                        "match-fte",
                        f"{post.match_fte.normalize():f} match-funded FTE against "
                        f"{post.grant_fte.normalize():f} grant-funded FTE. Check that the "
                        "match-funded column holds FTE, not money.",
                        reader=f"{post.match_fte.normalize():f} match-funded FTE against "
                        f"{post.grant_fte.normalize():f} grant-funded FTE: the match-funded "
                        "column may hold money rather than FTE.",
                        unit=unit.unit.name,
                        post=post.grade,
                        unit_id=unit.unit.pk,
                        post_id=post.pk,
                    )
                )

    card = {_grade_key(grade): (grade, cost) for grade, cost in rate_card.items()}
    findings.extend(_rate_card_findings(result.units, card, case.financial_year))
    findings.extend(_grade_price_findings(result.units, on_the_card=card.keys()))

    for year in result.years:
        if year.variance:
            findings.append(
                Finding(
                    error,
                    "variance",
                    f"The revenue impact summary for {year.label} does not balance: funding "
                    f"and planned spend differ by {format_pounds(year.variance)}.",
                    section="Revenue impact summary",
                )
            )
    offer_years = {offer.financial_year for offer in offers}
    for year in sorted((offer_years | {case.financial_year}) - budget_years):
        findings.append(
            Finding(
                error,
                "budget-year-missing",
                f"Add {financial_year_label(year)} to the budget years: the case has costs or "
                "offers in it.",
                section="Budget years",
                reader=f"The report’s budget years leave out {financial_year_label(year)}, "
                "though the case has costs or offers in it.",
            )
        )
    return findings


def _grade_key(grade: str) -> str:
    return grade.strip().lower()


def _rate_card_findings(units: list[UnitFigures], card: Mapping, year: int) -> list[Finding]:
    """Posts whose grade is on the rate card but whose annual cost is not the card's: one
    warning for each unit and grade, however many of its posts depart from the card."""
    findings = []
    for unit in units:
        departing: dict[str, list] = {}
        for figures in unit.posts:
            key = _grade_key(figures.post.grade)
            if key in card and figures.post.annual_cost != card[key][1]:
                departing.setdefault(key, []).append(figures.post)
        for key, posts in departing.items():
            grade, expected = card[key]
            costs = sorted({post.annual_cost for post in posts})
            listed = " and ".join(format_pounds(cost) for cost in costs)
            count = len(posts)
            subject = f"{count} {grade} post{'s' if count > 1 else ''} in this unit"
            verb = "cost" if count > 1 else "costs"
            reader = (
                f"{subject} {verb} {listed} a year; the {financial_year_label(year)} rate card "
                f"says {format_pounds(expected)}."
            )
            findings.append(
                Finding(
                    Severity.WARNING,
                    "rate-card",
                    f"{reader} Check the annual cost{'s' if count > 1 else ''}.",
                    reader=reader,
                    unit=unit.unit.name,
                    post=posts[0].grade,
                    unit_id=unit.unit.pk,
                    post_id=posts[0].pk,
                )
            )
    return findings


def _grade_price_findings(units: list[UnitFigures], *, on_the_card=()) -> list[Finding]:
    """The same grade priced differently inside one case, for grades not on the rate card
    (those are checked against it). Posts off the grade's usual price are flagged; where
    no price is the most common, every post of the grade is. A unit says the same thing
    about a grade once, however many of its posts it is true of."""
    prices: dict[str, Counter] = defaultdict(Counter)
    for unit in units:
        for figures in unit.posts:
            key = _grade_key(figures.post.grade)
            if key not in on_the_card:
                prices[key][figures.post.annual_cost] += 1
    usual: dict[str, Decimal | None] = {}
    for grade, counts in prices.items():
        if len(counts) > 1:
            (first, first_count), (_, second_count) = counts.most_common(2)
            usual[grade] = first if first_count > second_count else None
    findings = []
    said = set()
    for unit in units:
        for figures in unit.posts:
            post = figures.post
            grade = _grade_key(post.grade)
            if grade not in usual:
                continue
            expected = usual[grade]
            if expected is None:
                listed = " and ".join(format_pounds(price) for price in sorted(prices[grade]))
                reader = f"{post.grade} is priced at {listed} in this case."
                message = f"{reader} Check the annual costs."
            elif post.annual_cost != expected:
                reader = (
                    f"{post.grade} costs {format_pounds(post.annual_cost)} a year here but "
                    f"{format_pounds(expected)} elsewhere in this case."
                )
                message = f"{reader} Check the annual cost."
            else:
                continue
            if (unit.unit.pk, grade, message) in said:
                continue
            said.add((unit.unit.pk, grade, message))
            findings.append(
                Finding(
                    Severity.WARNING,
                    "grade-price",
                    message,
                    reader=reader,
                    unit=unit.unit.name,
                    post=post.grade,
                    unit_id=unit.unit.pk,
                    post_id=post.pk,
                )
            )
    return findings


def reconcile_case(
    case, today: datetime.date | None = None, rate_card: Mapping[str, Decimal] | None = None
) -> Reconciliation:
    """Reconcile a case loaded with GrantCase.objects.with_contents() (no further queries);
    `rate_card` as reconcile takes it."""
    return reconcile(
        case,
        units=[(u, list(u.posts.all()), list(u.cost_lines.all())) for u in case.units.all()],
        offers=list(case.offers.all()),
        recommendations=list(case.recommendations.all()),
        budget_years=[year.financial_year for year in case.budget_years.all()],
        today=today,
        rate_card=rate_card,
    )
