"""Properties of the reconciliation, checked on unsaved cases (no database).

Every figure of a case is computed from its posts, cost lines, unit allocations and
offers, exactly, in Decimal pounds. These tests show that the figures do not depend on the
order things were entered in, that they add up, and that the checks fire exactly when
the figures say they should.
"""

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
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
from grants.money import financial_year_label
from grants.reconciliation import ZERO, Severity, reconcile
from grants.sections import PART_1_SECTIONS
from grants.seed import UNITS as SEED_UNITS

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


# a. Order does not matter -------------------------------------------------------------


@given(reorderings())
def test_figures_do_not_depend_on_the_order_of_posts_or_cost_lines(pair):
    inputs, reordered = pair

    assert figures(run(reordered)) == figures(run(inputs))


@given(reorderings(posts_=False))
def test_findings_do_not_depend_on_the_order_of_cost_lines(pair):
    inputs, reordered = pair

    assert findings(run(reordered)) == findings(run(inputs))


# Band D at two prices, once each: there is no majority price to be the reference.
TIED = inputs_for(
    unit("Drugs Strategy", "109600", [post("Band D", "52600"), post("Band D", "57000")])
)
TIED_REORDERED = {
    **TIED,
    "units": [(u, posts_[::-1], lines) for u, posts_, lines in TIED["units"]],
}


@example((TIED, TIED_REORDERED))
@given(reorderings(lines=False))
def test_findings_do_not_depend_on_the_order_of_posts(pair):
    inputs, reordered = pair

    assert findings(run(reordered)) == findings(run(inputs))


# b. Splitting a post ------------------------------------------------------------------


@given(case_inputs(), st.data())
def test_splitting_a_post_in_two_leaves_every_total_unchanged(inputs, data):
    with_posts = [i for i, (_, unit_posts, _) in enumerate(inputs["units"]) if unit_posts]
    assume(with_posts)
    index = data.draw(st.sampled_from(with_posts), label="unit")
    unit, unit_posts, unit_lines = inputs["units"][index]
    at = data.draw(st.integers(0, len(unit_posts) - 1), label="post")
    post = unit_posts[at]
    grant = data.draw(st.decimals(min_value=0, max_value=post.grant_fte, places=2))
    match = data.draw(st.decimals(min_value=0, max_value=post.match_fte, places=2))
    halves = [
        copy_post(post, grant_fte=grant, match_fte=match),
        copy_post(post, grant_fte=post.grant_fte - grant, match_fte=post.match_fte - match),
    ]
    split_posts = [*unit_posts[:at], *halves, *unit_posts[at + 1 :]]
    units = list(inputs["units"])
    units[index] = (unit, split_posts, unit_lines)

    before = figures(run(inputs))
    after = figures(run({**inputs, "units": units}))

    assert after == before


# c. The case adds up ------------------------------------------------------------------


@given(case_inputs())
def test_case_totals_are_the_sums_of_unit_totals(inputs):
    result = run(inputs)
    units = result.units

    assert result.planned_spend == sum((u.planned_spend for u in units), ZERO)
    assert result.mps_funding == sum((u.match_funding for u in units), ZERO)
    assert result.allocations_total == sum(
        (unit.grant_allocation for unit, _, _ in inputs["units"]), ZERO
    )
    assert result.offers_total == sum((offer.amount for offer in inputs["offers"]), ZERO)
    assert result.grant_fte == sum(
        (p.grant_fte for _, unit_posts, _ in inputs["units"] for p in unit_posts), ZERO
    )
    assert result.variance == result.offers_total - result.allocations_total
    assert result.total_budget == result.offers_total + result.mps_funding


@given(case_inputs())
def test_unit_figures_are_worked_out_from_posts_and_cost_lines(inputs):
    result = run(inputs)

    for figures_, (unit, unit_posts, unit_lines) in zip(result.units, inputs["units"], strict=True):
        assert figures_.unit is unit
        assert figures_.planned_spend == planned(unit_posts, unit_lines)
        assert figures_.non_staff_cost == sum((line.amount for line in unit_lines), ZERO)
        assert figures_.match_funding == figures_.planned_spend - unit.grant_allocation
        assert figures_.grant_fte == sum((p.grant_fte for p in unit_posts), ZERO)
        assert len(figures_.posts) == len(unit_posts)


@given(case_inputs())
def test_the_costed_years_summary_agrees_with_the_case_totals(inputs):
    result = run(inputs)
    by_year = {year.financial_year: year for year in result.years}
    costed = by_year[COSTED_YEAR]

    offered_in_costed_year = sum(
        (o.amount for o in inputs["offers"] if o.financial_year == COSTED_YEAR), ZERO
    )
    assert costed.grant_funding == offered_in_costed_year
    assert costed.mps_funding == result.mps_funding
    assert costed.planned_spend == result.planned_spend
    assert costed.total_budget == offered_in_costed_year + result.mps_funding
    assert costed.variance == offered_in_costed_year - result.allocations_total
    assert [amount for _, amount in costed.planned_spend_by_unit] == [
        u.planned_spend for u in result.units
    ]
    if all(o.financial_year == COSTED_YEAR for o in inputs["offers"]):
        assert costed.grant_funding == result.offers_total
        assert costed.variance == result.variance


@given(case_inputs())
def test_other_years_hold_only_the_offers_made_in_them(inputs):
    result = run(inputs)

    assert [y.financial_year for y in result.years] == inputs["budget_years"]
    for year in result.years:
        if year.financial_year == COSTED_YEAR:
            continue
        offered = sum(
            (o.amount for o in inputs["offers"] if o.financial_year == year.financial_year), ZERO
        )
        assert year.grant_funding == offered
        assert year.mps_funding == ZERO
        assert year.planned_spend == ZERO
        assert all(amount == ZERO for _, amount in year.planned_spend_by_unit)
        assert year.variance == offered
        if not offered:
            assert year.total_budget == ZERO
            assert year.variance == ZERO


@given(case_inputs(offer_years=st.just(COSTED_YEAR)))
def test_with_every_offer_in_the_costed_year_the_summary_years_add_up_to_the_case(inputs):
    result = run(inputs)

    assert sum((y.grant_funding for y in result.years), ZERO) == result.offers_total
    assert sum((y.planned_spend for y in result.years), ZERO) == result.planned_spend
    assert sum((y.variance for y in result.years), ZERO) == result.variance


# d. The checks fire exactly when the figures say -------------------------------------


@given(case_inputs())
def test_allocations_and_offers_are_flagged_exactly_when_they_differ(inputs):
    result = run(inputs)
    flagged = found(result, "allocations-offers")

    assert len(flagged) == (1 if result.allocations_total != result.offers_total else 0)
    assert all(f.severity == Severity.ERROR for f in flagged)


@given(case_inputs())
def test_a_unit_is_flagged_exactly_when_its_grant_is_more_than_its_spend(inputs):
    result = run(inputs)
    flagged = found(result, "grant-above-spend")

    assert sorted(f.unit for f in flagged) == sorted(
        u.unit.name for u in result.units if u.grant_allocation > u.planned_spend
    )
    assert all(f.severity == Severity.ERROR for f in flagged)


@given(case_inputs())
def test_a_year_is_flagged_exactly_when_it_does_not_balance(inputs):
    result = run(inputs)
    flagged = found(result, "variance")
    labels = [re.search(r"for (\d{4}/\d{2}) ", f.message)[1] for f in flagged]

    assert sorted(labels) == sorted(y.label for y in result.years if y.variance != 0)
    assert all(f.severity == Severity.ERROR for f in flagged)


@given(case_inputs())
def test_a_year_with_offers_but_no_budget_year_is_flagged(inputs):
    result = run(inputs)
    missing = {o.financial_year for o in inputs["offers"]} - set(inputs["budget_years"])
    flagged = found(result, "budget-year-missing")

    assert sorted(f.message.split()[1] for f in flagged) == [
        financial_year_label(year) for year in sorted(missing)
    ]


@given(case_inputs())
def test_a_complete_case_has_no_narrative_findings(inputs):
    result = run(inputs)

    assert not {"missing-section", "part2-reason", "needed-by-passed"} & set(codes(result))


# The properties can fail: changes that matter are seen -------------------------------


@given(case_inputs(), st.data())
def test_a_penny_on_an_annual_cost_changes_planned_spend(inputs, data):
    staffed = [
        (i, j)
        for i, (_, unit_posts, _) in enumerate(inputs["units"])
        for j, post in enumerate(unit_posts)
        if post.grant_fte + post.match_fte > 0
    ]
    assume(staffed)
    i, j = data.draw(st.sampled_from(staffed))
    unit, unit_posts, unit_lines = inputs["units"][i]
    post = unit_posts[j]
    changed = list(unit_posts)
    changed[j] = copy_post(post, annual_cost=post.annual_cost + PENNY)
    units = list(inputs["units"])
    units[i] = (unit, changed, unit_lines)

    before = run(inputs)
    after = run({**inputs, "units": units})

    assert after.planned_spend - before.planned_spend == PENNY * (post.grant_fte + post.match_fte)
    assert after.planned_spend != before.planned_spend
    assert figures(after) != figures(before)


@given(case_inputs(), st.data())
def test_a_split_that_loses_a_hundredth_of_an_fte_changes_the_totals(inputs, data):
    candidates = [
        (i, j)
        for i, (_, unit_posts, _) in enumerate(inputs["units"])
        for j, post in enumerate(unit_posts)
        if post.grant_fte > 0 and post.annual_cost > 0
    ]
    assume(candidates)
    i, j = data.draw(st.sampled_from(candidates))
    unit, unit_posts, unit_lines = inputs["units"][i]
    post = unit_posts[j]
    short = [
        copy_post(post, grant_fte=post.grant_fte - PENNY),
        copy_post(post, grant_fte=ZERO),
    ]
    units = list(inputs["units"])
    units[i] = (unit, [*unit_posts[:j], *short, *unit_posts[j + 1 :]], unit_lines)

    assert figures(run({**inputs, "units": units})) != figures(run(inputs))


def test_reordering_units_is_seen_by_the_order_checks():
    """figures() keeps report order, so a check of it notices a real change of order."""
    inputs = inputs_for(unit("A", "1"), unit("B", "2"))
    reversed_ = {**inputs, "units": inputs["units"][::-1]}

    assert figures(run(reversed_)) != figures(run(inputs))


# Examples ----------------------------------------------------------------------------


def example(units, *, offers=None, budget_years=(COSTED_YEAR,), case=None, today=TODAY):
    if offers is None:
        total = sum((u.grant_allocation for u, _, _ in units), ZERO)
        offers = [offer(total)]
    return reconcile(
        case or complete_case(),
        units=units,
        offers=offers,
        recommendations=RECOMMENDATIONS,
        budget_years=list(budget_years),
        today=today,
    )


def test_a_grade_priced_differently_is_flagged_on_the_off_price_post_only():
    result = example(
        [
            unit("ROCU", "52600", [post("Band D", "52600")]),
            unit("ROCTA", "52600", [post("Band D", "52600")]),
            unit("Drugs Strategy", "57000", [post("Band E", "47000"), post("Band D", "57000")]),
        ]
    )

    flagged = found(result, "grade-price")
    assert len(flagged) == 1
    assert flagged[0].severity == Severity.WARNING
    assert (flagged[0].unit, flagged[0].post) == ("Drugs Strategy", "Band D")
    assert flagged[0].message == (
        "Band D costs £57,000.00 a year here but £52,600.00 elsewhere in this case. "
        "Check the annual cost."
    )


def test_a_grade_is_matched_whatever_its_case_or_surrounding_spaces():
    result = example(
        [
            unit("ROCU", "0", [post("Band D", "52600"), post("band d ", "52600")]),
            unit("Drugs Strategy", "0", [post(" BAND D", "57000")]),
        ]
    )

    assert [(f.unit, f.post) for f in found(result, "grade-price")] == [
        ("Drugs Strategy", " BAND D")
    ]


def test_a_grade_at_one_price_everywhere_is_not_flagged():
    result = example(
        [
            unit("ROCU", "0", [post("Band D", "52600")]),
            unit("ROCTA", "0", [post("Band D", "52600")]),
        ]
    )

    assert found(result, "grade-price") == []


def test_more_match_funded_than_grant_funded_fte_is_flagged():
    result = example([unit("ROCU", "0", [post("Detective Constable", "66230", 3, 4)])])

    flagged = found(result, "match-fte")
    assert len(flagged) == 1
    assert flagged[0].severity == Severity.WARNING
    assert (flagged[0].unit, flagged[0].post) == ("ROCU", "Detective Constable")
    assert flagged[0].message.startswith("4 match-funded FTE against 3 grant-funded FTE.")


def test_equal_match_and_grant_fte_is_not_flagged():
    result = example([unit("ROCU", "0", [post("Detective Constable", "66230", 3, 3)])])

    assert found(result, "match-fte") == []


def test_a_needed_by_date_that_has_passed_is_flagged():
    case = complete_case(needed_by=TODAY - datetime.timedelta(days=1))

    result = example([unit("ROCU", "0")], case=case)

    flagged = found(result, "needed-by-passed")
    assert len(flagged) == 1
    assert flagged[0].severity == Severity.WARNING
    assert flagged[0].section == "Time sensitivity"
    assert "14 January 2024" in flagged[0].message


@pytest.mark.parametrize("days", [0, 1, 60])
def test_a_needed_by_date_today_or_later_is_not_flagged(days):
    case = complete_case(needed_by=TODAY + datetime.timedelta(days=days))

    assert found(example([unit("ROCU", "0")], case=case), "needed-by-passed") == []


def test_an_offer_in_a_year_missing_from_the_budget_is_flagged():
    offers = [offer("100", 2024)]

    result = example([unit("ROCU", "100")], offers=offers, budget_years=[2023])

    flagged = found(result, "budget-year-missing")
    assert len(flagged) == 1
    assert flagged[0].severity == Severity.ERROR
    assert "2024/25" in flagged[0].message


def test_a_costed_year_missing_from_the_budget_is_flagged():
    result = example([unit("ROCU", "0")], offers=[], budget_years=[2024])

    assert ["2023/24" in f.message for f in found(result, "budget-year-missing")] == [True]


def test_missing_required_sections_are_errors_naming_them():
    case = GrantCase(title="Empty", financial_year=COSTED_YEAR)

    result = reconcile(
        case, units=[], offers=[], recommendations=[], budget_years=[COSTED_YEAR], today=TODAY
    )

    missing = found(result, "missing-section")
    assert all(f.severity == Severity.ERROR for f in missing)
    required = [s.title for s in PART_1_SECTIONS if s.required]
    assert [f.section for f in missing] == [*required, "Recommendations", "Time sensitivity"]
    assert "Add the executive summary." in [f.message for f in missing]
    assert "Add the legal comments." in [f.message for f in missing]
    optional = {s.title for s in PART_1_SECTIONS if not s.required}
    assert not optional & {f.section for f in missing}


def test_a_blank_required_section_is_missing_and_an_optional_one_is_not():
    case = complete_case(legal_comments="  \n ", issues_for_consideration="")

    result = example([unit("ROCU", "0")], case=case)

    assert [f.section for f in found(result, "missing-section")] == ["Legal comments"]


def test_a_needed_by_date_without_a_reason_is_missing():
    case = complete_case(time_sensitivity=" ")

    result = example([unit("ROCU", "0")], case=case)

    assert [f.section for f in found(result, "missing-section")] == ["Time sensitivity"]


def test_part_2_content_without_an_exemption_reason_is_an_error():
    case = complete_case(part2_content="Exempt detail.")

    flagged = found(example([unit("ROCU", "0")], case=case), "part2-reason")

    assert len(flagged) == 1
    assert flagged[0].severity == Severity.ERROR
    assert flagged[0].section == "Part 2"


def test_part_2_content_with_an_exemption_reason_is_fine():
    case = complete_case(part2_content="Exempt detail.", part2_exemption_reason="Operational.")

    assert found(example([unit("ROCU", "0")], case=case), "part2-reason") == []


def test_a_case_without_offers_or_units_says_so():
    result = example([], offers=[])

    assert {"no-offers", "no-units"} <= set(codes(result))


def test_an_empty_unit_is_a_warning():
    result = example([unit("ROCU", "0")])

    assert [(f.code, f.severity, f.unit) for f in result.findings] == [
        ("empty-unit", Severity.WARNING, "ROCU")
    ]


# The seed report as an oracle ----------------------------------------------------------


def seed_units():
    return [
        unit(
            name,
            allocation,
            [post(grade, cost, grant, match, group) for group, grade, cost, grant, match in posts_],
            [CostLine(description=d, amount=Decimal(a)) for d, a in lines],
        )
        for name, allocation, posts_, lines in SEED_UNITS
    ]


def seed_result():
    offers = [offer("1201000"), offer("500000")]
    return example(seed_units(), offers=offers, budget_years=range(2023, 2028))


def test_the_seed_case_reproduces_the_reports_figures():
    from grants.money import format_millions as m

    result = seed_result()
    units = {u.unit.name: u for u in result.units}

    assert m(result.offers_total) == "1.701"
    assert m(result.allocations_total) == "1.701"
    assert {name: m(u.planned_spend) for name, u in units.items()} == {
        "ACE": "0.247",
        "ROCU": "2.851",
        "ROCTA": "0.398",
        "Drugs Strategy": "0.151",
        "Digital Forensics": "0.101",
    }
    assert m(result.planned_spend) == "3.748"
    assert m(result.mps_funding) == "2.047"
    assert result.variance == 0
    groups = {g.name: g for g in units["ROCU"].groups}
    rart = groups["RART (Frontline Officers)"]
    assert (rart.grant_fte, m(rart.grant_cost), m(rart.match_cost), m(rart.total_cost)) == (
        12,
        "0.839",
        "0.839",
        "1.678",
    )
    prison = groups["Regional Prison Intelligence (Met Ops Officers)"]
    assert (prison.grant_fte, m(prison.grant_cost), m(prison.match_cost)) == (8, "0.572", "0.349")
    assert m(prison.total_cost) == "0.921"
    assert m(units["ROCU"].staff_cost) == "2.599"
    assert [y.variance for y in result.years] == [0] * 5


def test_the_seed_case_has_only_the_reports_slips():
    result = seed_result()

    assert result.errors == []
    assert sorted((f.code, f.unit, f.post) for f in result.warnings) == [
        ("grade-price", "Drugs Strategy", "Band D"),
        ("match-fte", "ROCU", "Detective Constable"),
    ]
