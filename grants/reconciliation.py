"""Reconciliation: every figure of a grant case, computed from its inputs, and the checks
that find what is wrong with them.

Inputs are the posts, cost lines and grant allocations (for the costed year and any
other) of each funded unit, the grant offers and the budget years. Each figure is worked
out for each financial year (grants.years says which years a cost falls in), and the
checks compare funding with spend year by year. Nothing here rounds but a post's part of
a year, to the penny: products of pounds and FTE are exact Decimals, and only the display
rounds (to £m, 3 dp, as the report does).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import models
from django.utils import timezone

from grants.formatting import long_date
from grants.money import financial_year_label, format_millions, format_pounds
from grants.sections import PART_1_SECTIONS
from grants.years import cost_line_year, post_costs_by_year, post_period

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
    # The financial year a finding about one year's figures is about.
    financial_year: int | None = None
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
    """A post's costs over the whole time it runs, and (grant, match) in each year."""

    post: object
    grant_cost: Decimal
    match_cost: Decimal
    by_year: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)

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
    costed_year: int = 0
    # Grant allocations for years other than the costed year, by year.
    other_allocations: dict[int, Decimal] = field(default_factory=dict)

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
        """The allocation for the costed year."""
        return self.unit.grant_allocation

    @property
    def allocations_by_year(self) -> dict[int, Decimal]:
        return {self.costed_year: self.grant_allocation} | self.other_allocations

    @property
    def total_allocation(self) -> Decimal:
        return sum(self.allocations_by_year.values(), ZERO)

    def allocation_in(self, year: int) -> Decimal:
        return self.allocations_by_year.get(year, ZERO)

    @cached_property
    def planned_spend_by_year(self) -> dict[int, Decimal]:
        spend: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for figures in self.posts:
            for year, (grant, match) in figures.by_year.items():
                spend[year] += grant + match
        for line in self.cost_lines:
            spend[cost_line_year(line, self.costed_year)] += line.amount
        return dict(spend)

    def planned_spend_in(self, year: int) -> Decimal:
        return self.planned_spend_by_year.get(year, ZERO)

    def match_funding_in(self, year: int) -> Decimal:
        return self.planned_spend_in(year) - self.allocation_in(year)

    @property
    def match_funding(self) -> Decimal:
        """What the MPS pays on top of the grant, over every year."""
        return self.planned_spend - self.total_allocation


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
        return sum((u.total_allocation for u in self.units), ZERO)

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


def post_figures(post, costed_year: int) -> PostFigures:
    by_year = post_costs_by_year(post, costed_year)
    return PostFigures(
        post=post,
        grant_cost=sum((grant for grant, _ in by_year.values()), ZERO),
        match_cost=sum((match for _, match in by_year.values()), ZERO),
        by_year=by_year,
    )


def unit_figures(
    unit,
    posts: Iterable,
    cost_lines: Iterable,
    *,
    costed_year: int,
    other_allocations: dict[int, Decimal] | None = None,
) -> UnitFigures:
    groups: dict[str, GroupFigures] = {}
    for post in posts:
        groups.setdefault(post.group, GroupFigures(post.group)).posts.append(
            post_figures(post, costed_year)
        )
    return UnitFigures(
        unit=unit,
        groups=list(groups.values()),
        cost_lines=list(cost_lines),
        costed_year=costed_year,
        other_allocations={
            year: amount
            for year, amount in (other_allocations or {}).items()
            if year != costed_year
        },
    )


def reconcile(
    case,
    *,
    units: Sequence[tuple[object, Sequence, Sequence]],
    offers: Sequence,
    recommendations: Sequence,
    budget_years: Sequence[int],
    allocations: Sequence = (),
    today: datetime.date | None = None,
    rate_card: Mapping[str, Decimal] | None = None,
) -> Reconciliation:
    """Compute every figure of a case and check it.

    `units` holds (unit, posts, cost_lines) for each funded unit in report order, and
    `allocations` the units' YearAllocations for years other than the costed year.
    `rate_card` holds each grade's annual cost on the rate card for the case's costed
    year (grants.rate_card.services.card_for_year); without it posts are checked only
    against each other.
    """
    other_allocations: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for allocation in allocations:
        other_allocations[allocation.unit_id][allocation.financial_year] = allocation.amount
    figures = [
        unit_figures(
            unit,
            posts,
            lines,
            costed_year=case.financial_year,
            other_allocations=other_allocations.get(unit.pk) if unit.pk else None,
        )
        for unit, posts, lines in units
    ]
    offers_total = sum((offer.amount for offer in offers), ZERO)

    grant_by_year = _offers_by_year(offers)
    years = [
        YearFigures(
            financial_year=year,
            grant_funding=grant_by_year.get(year, ZERO),
            mps_funding=sum((u.match_funding_in(year) for u in figures), ZERO),
            planned_spend_by_unit=[(u.unit, u.planned_spend_in(year)) for u in figures],
        )
        for year in sorted(set(budget_years))
    ]

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


def _offers_by_year(offers) -> dict[int, Decimal]:
    grant_by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for offer in offers:
        grant_by_year[offer.financial_year] += offer.amount
    return dict(grant_by_year)


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

    offered = _offers_by_year(offers)
    allocated: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for unit in result.units:
        for year, amount in unit.allocations_by_year.items():
            allocated[year] += amount
    for year in sorted(offered.keys() | allocated.keys()):
        allocations, offers_in_year = allocated.get(year, ZERO), offered.get(year, ZERO)
        if allocations != offers_in_year:
            label = financial_year_label(year)
            findings.append(
                Finding(
                    error,
                    "allocations-offers",
                    f"The units’ grant allocations for {label} total "
                    f"{format_pounds(allocations)} but the offers for {label} total "
                    f"{format_pounds(offers_in_year)}. They must be equal.",
                    section="Funded units",
                    reader=f"The figures for {label} do not add up: the units’ grant "
                    f"allocations total {format_pounds(allocations)} but the offers total "
                    f"{format_pounds(offers_in_year)}.",
                    financial_year=year,
                )
            )

    for unit in result.units:
        for year, allocation in sorted(unit.allocations_by_year.items()):
            spend = unit.planned_spend_in(year)
            if allocation > spend:
                label = financial_year_label(year)
                findings.append(
                    Finding(
                        error,
                        "grant-above-spend",
                        f"The grant allocation for {label} (£{format_millions(allocation)}m) "
                        f"is more than the planned spend in {label} "
                        f"(£{format_millions(spend)}m).",
                        unit=unit.unit.name,
                        unit_id=unit.unit.pk,
                        financial_year=year,
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
            start, end = post_period(post, case.financial_year)
            if end < start:
                findings.append(
                    Finding(
                        error,
                        "post-period",
                        f"The post ends on {long_date(end)}, before it starts on "
                        f"{long_date(start)}"
                        + ("" if post.starts_on else ", the start of the costed year")
                        + ". Check its dates.",
                        reader=f"The post ends on {long_date(end)}, before it starts on "
                        f"{long_date(start)}, so none of its cost is counted.",
                        unit=unit.unit.name,
                        post=post.grade,
                        unit_id=unit.unit.pk,
                        post_id=post.pk,
                    )
                )
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
                    financial_year=year.financial_year,
                )
            )
    used_years = {offer.financial_year for offer in offers} | {case.financial_year}
    for unit in result.units:
        used_years |= {year for year, amount in unit.planned_spend_by_year.items() if amount}
        used_years |= {year for year, amount in unit.other_allocations.items() if amount}
    for year in sorted(used_years - budget_years):
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
        allocations=[
            allocation for unit in case.units.all() for allocation in unit.year_allocations.all()
        ],
        today=today,
        rate_card=rate_card,
    )
