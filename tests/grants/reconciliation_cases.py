"""Unsaved cases for the reconciliation's property tests: builders, Hypothesis strategies
of whole cases, and readers of the figures and findings."""

import datetime
from decimal import Decimal

from hypothesis import strategies as st

from grants.models import (
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    Post,
    Recommendation,
)
from grants.reconciliation import ZERO, reconcile
from grants.sections import PART_1_SECTIONS

COSTED_YEAR = 2023
TODAY = datetime.date(2024, 1, 15)
PENNY = Decimal("0.01")

GRADES = ["Band C", "Band D", "Band E", "Detective Constable", "Detective Sergeant"]
GROUPS = ["", "RART (Frontline Officers)", "Regional Prison Intelligence"]
# Usual prices, so that the same grade at the same price turns up often.
PRICES = [Decimal("52600.00"), Decimal("57000.00"), Decimal("66230.00"), Decimal("70800.00")]

money = st.decimals(min_value=0, max_value=500_000, places=2)
fte = st.decimals(min_value=0, max_value=20, places=2)
prices = st.one_of(st.sampled_from(PRICES), money)

posts = st.builds(
    Post,
    grade=st.sampled_from(GRADES),
    group=st.sampled_from(GROUPS),
    annual_cost=prices,
    grant_fte=fte,
    match_fte=st.one_of(st.just(Decimal("0.00")), fte),
)
cost_lines = st.builds(
    CostLine,
    description=st.sampled_from(["Support Costs", "Overtime", "Transport", "Supplies"]),
    amount=money,
)
offer_years = st.one_of(st.just(COSTED_YEAR), st.sampled_from([2022, 2024, 2025]))


def complete_case(**fields) -> GrantCase:
    """A case whose narrative is all there, so only the figures can be wrong."""
    narrative = {section.field: f"The {section.title.lower()}." for section in PART_1_SECTIONS}
    defaults = {
        "title": "OCS Grant",
        "financial_year": COSTED_YEAR,
        "needed_by": datetime.date(2024, 3, 31),
        "time_sensitivity": "Costs are already incurred.",
        **narrative,
    }
    return GrantCase(**{**defaults, **fields})


# Unsaved, but there, so that an offer has a readable repr when Hypothesis reports it.
FUNDER = Funder(name="Home Office")


def offer(amount, year=COSTED_YEAR) -> GrantOffer:
    return GrantOffer(funder=FUNDER, amount=Decimal(amount), financial_year=year)


def unit(name, allocation, posts_=(), lines=()):
    return (FundedUnit(name=name, grant_allocation=Decimal(allocation)), list(posts_), list(lines))


def post(grade, cost, grant_fte=1, match_fte=0, group=""):
    return Post(
        grade=grade,
        group=group,
        annual_cost=Decimal(cost),
        grant_fte=Decimal(grant_fte),
        match_fte=Decimal(match_fte),
    )


RECOMMENDATIONS = [Recommendation(position=1, text="Approve the acceptance of the grant.")]


def planned(posts_, lines) -> Decimal:
    """Planned spend worked out by hand: the oracle the unit figures must agree with."""
    staff = sum((p.annual_cost * (p.grant_fte + p.match_fte) for p in posts_), ZERO)
    return staff + sum((line.amount for line in lines), ZERO)


@st.composite
def case_inputs(draw, *, offer_years=offer_years):
    """Everything reconcile takes. Allocations and offers are drawn so that they sometimes
    match (and sometimes miss by a penny), and allocations sometimes equal planned spend."""
    units = []
    for number in range(1, draw(st.integers(1, 5)) + 1):
        unit_posts = draw(st.lists(posts, max_size=12))
        unit_lines = draw(st.lists(cost_lines, max_size=4))
        spend = planned(unit_posts, unit_lines).quantize(PENNY)
        allocation = draw(
            st.one_of(
                money,
                st.sampled_from([spend, spend + PENNY, max(spend - PENNY, ZERO)]),
            )
        )
        units.append(
            (FundedUnit(name=f"Unit {number}", grant_allocation=allocation), unit_posts, unit_lines)
        )

    allocations = sum((u.grant_allocation for u, _, _ in units), ZERO)
    how = draw(st.sampled_from(["match", "penny out", "anything"]))
    if how == "anything":
        amounts = draw(st.lists(money, max_size=3))
    else:
        total = allocations if how == "match" else allocations + PENNY
        first = draw(st.decimals(min_value=0, max_value=total, places=2))
        amounts = [first, total - first]
    offers = [offer(amount, draw(offer_years)) for amount in amounts]

    budget_years = sorted(
        {COSTED_YEAR} | draw(st.sets(st.sampled_from(range(2022, 2028)), max_size=4))
    )
    return {
        "units": units,
        "offers": offers,
        "recommendations": RECOMMENDATIONS,
        "budget_years": budget_years,
    }


def run(inputs, case=None):
    return reconcile(case or complete_case(), today=TODAY, **inputs)


def figures(result) -> dict:
    """Every computed figure of a reconciliation, as plain comparable data."""
    return {
        "totals": result.totals(),
        "units": [
            {
                "name": u.unit.name,
                "grant_allocation": u.grant_allocation,
                "planned_spend": u.planned_spend,
                "staff_cost": u.staff_cost,
                "staff_grant_cost": u.staff_grant_cost,
                "staff_match_cost": u.staff_match_cost,
                "non_staff_cost": u.non_staff_cost,
                "match_funding": u.match_funding,
                "grant_fte": u.grant_fte,
                "groups": {
                    g.name: (g.grant_fte, g.match_fte, g.grant_cost, g.match_cost) for g in u.groups
                },
            }
            for u in result.units
        ],
        "years": [
            (
                y.financial_year,
                y.grant_funding,
                y.mps_funding,
                y.total_budget,
                y.planned_spend,
                y.variance,
                [amount for _, amount in y.planned_spend_by_unit],
            )
            for y in result.years
        ],
    }


def findings(result) -> list[tuple]:
    return sorted(
        (str(f.severity), f.code, f.message, f.unit, f.post, f.section) for f in result.findings
    )


def reorder(draw, inputs, *, posts_=True, lines=True) -> dict:
    units = [
        (
            unit_,
            draw(st.permutations(unit_posts)) if posts_ else unit_posts,
            draw(st.permutations(unit_lines)) if lines else unit_lines,
        )
        for unit_, unit_posts, unit_lines in inputs["units"]
    ]
    return {**inputs, "units": units}


@st.composite
def reorderings(draw, *, posts_=True, lines=True) -> tuple[dict, dict]:
    """A case's inputs, and the same inputs with posts and/or cost lines in another order."""
    inputs = draw(case_inputs())
    return inputs, reorder(draw, inputs, posts_=posts_, lines=lines)


def inputs_for(*units, offers=None, budget_years=(COSTED_YEAR,)) -> dict:
    if offers is None:
        offers = [offer(sum((u.grant_allocation for u, _, _ in units), ZERO))]
    return {
        "units": list(units),
        "offers": offers,
        "recommendations": RECOMMENDATIONS,
        "budget_years": list(budget_years),
    }


def copy_post(post: Post, **changes) -> Post:
    fields = {
        "grade": post.grade,
        "group": post.group,
        "annual_cost": post.annual_cost,
        "grant_fte": post.grant_fte,
        "match_fte": post.match_fte,
    }
    return Post(**{**fields, **changes})


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def found(result, code: str) -> list:
    return [f for f in result.findings if f.code == code]
