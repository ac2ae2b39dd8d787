"""The seed report's tables are the oracle: entered as data, the case reproduces every
figure DESIGN §3 lists, and the reconciliation finds the report's real slips."""

import datetime
from decimal import Decimal

import pytest

from grants.models import GrantCase
from grants.money import as_millions
from grants.reconciliation import Severity, reconcile_case
from grants.seed import create_seed_case

pytestmark = pytest.mark.django_db

M = Decimal

# The report's figures (£m, 3 dp, as it prints them), which every way of making the seed's
# case must reproduce: entered as data here, imported in tests/grants/test_report_import.py.
PLANNED_SPEND = {
    "ACE": M("0.247"),
    "ROCU": M("2.851"),
    "ROCTA": M("0.398"),
    "Drugs Strategy": M("0.151"),
    "Digital Forensics": M("0.101"),
}
# (grade, annual cost, grant-funded FTE, grant-funded cost, total cost) of each ROCU post.
ROCU_POSTS = [
    ("Detective Inspector", M("0.102"), 1, M("0.102"), M("0.205")),
    ("Detective Sergeant", M("0.084"), 1, M("0.084"), M("0.168")),
    ("Detective Constable", M("0.066"), 3, M("0.199"), M("0.397")),
    ("Band C", M("0.071"), 5, M("0.354"), M("0.708")),
    ("Band D", M("0.053"), 1, M("0.053"), M("0.105")),
    ("Band E", M("0.047"), 1, M("0.047"), M("0.094")),
    ("Detective Superintendent", M("0.131"), 1, M("0.131"), M("0.131")),
    ("Detective Sergeant", M("0.084"), 1, M("0.084"), M("0.168")),
    ("Detective Constable", M("0.066"), 3, M("0.199"), M("0.464")),
    ("Band D", M("0.053"), 3, M("0.158"), M("0.158")),
]
GRANT_FTE = {
    "ACE": 3,
    "ROCU": 20,
    "ROCTA": 6,
    "Drugs Strategy": 3,
    "Digital Forensics": 1,
}
ROCU_COST_LINES = {
    "Support Costs": M("0.210"),
    "Overtime": M("0.008"),
    "Transport": M("0.010"),
    "Supplies and Services": M("0.024"),
}
BUDGET_YEARS = ["2023/24", "2024/25", "2025/26", "2026/27", "2027/28"]
# The report's two slips, and the date it was needed by, long past.
WARNINGS = {
    ("grade-price", "Drugs Strategy", "Band D"),
    ("match-fte", "ROCU", "Detective Constable"),
    ("needed-by-passed", "", ""),
}


@pytest.fixture
def seed(manager):
    case = create_seed_case(manager)
    return reconcile_case(
        GrantCase.objects.with_contents().get(pk=case.pk), today=datetime.date(2026, 11, 26)
    )


def unit(figures, name):
    return next(u for u in figures.units if u.unit.name == name)


def group(figures, unit_name, group_name):
    return next(g for g in unit(figures, unit_name).groups if g.name == group_name)


def post_rows(unit_figures):
    """A unit's posts as the report's staffing table prints them (ROCU_POSTS)."""
    return [
        (
            p.post.grade,
            as_millions(p.post.annual_cost),
            p.post.grant_fte,
            as_millions(p.grant_cost),
            as_millions(p.total_cost),
        )
        for p in unit_figures.posts
    ]


def test_offers_and_allocations(seed):
    case = GrantCase.objects.get()
    offers = sorted(as_millions(o.amount) for o in case.offers.all())
    assert offers == [M("0.500"), M("1.201")]
    assert as_millions(seed.offers_total) == M("1.701")
    assert as_millions(seed.allocations_total) == M("1.701")
    assert {u.unit.name: as_millions(u.grant_allocation) for u in seed.units} == {
        "ROCU": M("1.000"),
        "ROCTA": M("0.231"),
        "ACE": M("0.220"),
        "Drugs Strategy": M("0.150"),
        "Digital Forensics": M("0.100"),
    }


def test_planned_spend_per_unit_and_in_total(seed):
    assert {u.unit.name: as_millions(u.planned_spend) for u in seed.units} == PLANNED_SPEND
    assert as_millions(seed.planned_spend) == M("3.748")


def test_match_funding_and_variance(seed):
    assert as_millions(seed.mps_funding) == M("2.047")
    assert seed.variance == 0
    assert as_millions(seed.total_budget) == M("3.748")


def test_rocu_groups(seed):
    rart = group(seed, "ROCU", "RART (Frontline Officers)")
    assert rart.grant_fte == 12
    assert [as_millions(v) for v in (rart.grant_cost, rart.match_cost, rart.total_cost)] == [
        M("0.839"),
        M("0.839"),
        M("1.678"),
    ]
    prison = group(seed, "ROCU", "Regional Prison Intelligence (Met Ops Officers)")
    assert prison.grant_fte == 8
    assert [as_millions(v) for v in (prison.grant_cost, prison.match_cost, prison.total_cost)] == [
        M("0.572"),
        M("0.349"),
        M("0.921"),
    ]
    assert as_millions(unit(seed, "ROCU").staff_cost) == M("2.599")


def test_every_post_row_of_the_rocu_table(seed):
    assert post_rows(unit(seed, "ROCU")) == ROCU_POSTS


def test_unit_fte_and_non_staff_costs(seed):
    assert {u.unit.name: u.grant_fte for u in seed.units} == GRANT_FTE
    assert as_millions(unit(seed, "ACE").non_staff_cost) == M("0.031")
    rocu_lines = {
        line.description: as_millions(line.amount) for line in unit(seed, "ROCU").cost_lines
    }
    assert rocu_lines == ROCU_COST_LINES


def test_the_revenue_impact_summary_by_year(seed):
    assert [y.label for y in seed.years] == BUDGET_YEARS
    first, *later = seed.years
    assert as_millions(first.grant_funding) == M("1.701")
    assert as_millions(first.mps_funding) == M("2.047")
    assert as_millions(first.total_budget) == M("3.748")
    assert as_millions(first.planned_spend) == M("3.748")
    assert first.variance == 0
    assert [(u.name, as_millions(v)) for u, v in first.planned_spend_by_unit] == [
        ("ACE", M("0.247")),
        ("ROCU", M("2.851")),
        ("ROCTA", M("0.398")),
        ("Drugs Strategy", M("0.151")),
        ("Digital Forensics", M("0.101")),
    ]
    for year in later:
        assert (year.grant_funding, year.mps_funding, year.planned_spend, year.variance) == (
            0,
            0,
            0,
            0,
        )


def test_the_report_slips_are_found_as_warnings_where_they_occur(seed):
    assert seed.errors == []
    found = {(f.code, f.unit, f.post) for f in seed.warnings}
    assert found == WARNINGS
    price = next(f for f in seed.warnings if f.code == "grade-price")
    assert "£57,000.00" in price.message and "£52,600.00" in price.message
    assert all(f.severity == Severity.WARNING for f in seed.findings)


def test_an_unbalanced_case_is_an_error(seed):
    case = GrantCase.objects.get()
    rocu = case.units.get(name="ROCU")
    rocu.grant_allocation = Decimal("999000")
    rocu.save()
    figures = reconcile_case(GrantCase.objects.with_contents().get(pk=case.pk))
    codes = {f.code for f in figures.errors}
    assert codes == {"allocations-offers", "variance"}
    assert figures.variance == Decimal("1000")
