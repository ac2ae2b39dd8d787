"""Properties of the reconciliation's checks, on unsaved cases (no database): each fires
exactly when the figures say it should."""

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from grants.models import (
    CostLine,
    GrantCase,
)
from grants.money import financial_year_label
from grants.reconciliation import ZERO, Severity, reconcile, reconcile_case
from grants.sections import PART_1_SECTIONS
from grants.seed import UNITS as SEED_UNITS
from grants.seed import create_seed_case
from tests.grants.reconciliation_cases import (
    COSTED_YEAR,
    PENNY,
    RECOMMENDATIONS,
    TODAY,
    case_inputs,
    codes,
    complete_case,
    copy_post,
    figures,
    found,
    inputs_for,
    offer,
    post,
    run,
    unit,
)

# d. The checks fire exactly when the figures say -------------------------------------


@given(case_inputs())
def test_allocations_and_offers_are_flagged_exactly_when_they_differ(inputs):
    result = run(inputs)
    flagged = found(result, "allocations-offers")

    labels = [re.search(r"for (\d{4}/\d{2}) ", f.message)[1] for f in flagged]

    # Year by year: the costed year's allocations against its offers, and each other
    # year's offers against no allocations.
    offered: dict[int, Decimal] = {}
    for each in inputs["offers"]:
        offered[each.financial_year] = offered.get(each.financial_year, ZERO) + each.amount
    allocated = {COSTED_YEAR: sum((u.grant_allocation for u in result.units), ZERO)}
    assert labels == [
        financial_year_label(year)
        for year in sorted(offered.keys() | allocated.keys())
        if offered.get(year, ZERO) != allocated.get(year, ZERO)
    ]
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


READER_WORDS = re.compile(r"\b(Add|Update|Check|Say)\b")


@pytest.mark.django_db
def test_every_finding_has_wording_for_someone_who_cannot_edit_the_case(people):
    """The DMPC reads the checks but cannot change the case: they are told what is wrong,
    never what to change."""
    case = create_seed_case(people.manager)
    case.legal_comments = ""
    case.needed_by = datetime.date(2020, 1, 1)
    case.part2_content = "Exempt."
    case.part2_exemption_reason = ""
    case.save()
    case.budget_years.all().delete()
    case.offers.first().delete()
    case = GrantCase.objects.with_contents().get(pk=case.pk)
    findings = reconcile_case(case, today=datetime.date(2026, 1, 1)).findings
    codes = {finding.code for finding in findings}
    assert {
        "missing-section",
        "needed-by-passed",
        "part2-reason",
        "allocations-offers",
        "match-fte",
        "grade-price",
        "budget-year-missing",
    } <= codes
    for finding in findings:
        assert not READER_WORDS.search(finding.reader_message), finding
    assert any(READER_WORDS.search(finding.message) for finding in findings)
