"""Properties of the reconciliation, checked on unsaved cases (no database).

Every figure of a case is computed from its posts, cost lines, unit allocations and
offers, exactly, in Decimal pounds. These tests show that the figures do not depend on the
order things were entered in, that they add up, and that the checks fire exactly when
the figures say they should.
"""

from hypothesis import assume, example, given
from hypothesis import strategies as st

from grants.reconciliation import ZERO
from tests.grants.reconciliation_cases import (
    COSTED_YEAR,
    case_inputs,
    copy_post,
    figures,
    findings,
    inputs_for,
    planned,
    post,
    reorderings,
    run,
    unit,
)

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

    for figures_, (the_unit, unit_posts, unit_lines) in zip(
        result.units, inputs["units"], strict=True
    ):
        assert figures_.unit is the_unit
        assert figures_.planned_spend == planned(unit_posts, unit_lines)
        assert figures_.non_staff_cost == sum((line.amount for line in unit_lines), ZERO)
        assert figures_.match_funding == figures_.planned_spend - the_unit.grant_allocation
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
