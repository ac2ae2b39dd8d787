"""Budgets across years: planned spend per unit per financial year, from posts that run
for part of a year or across several and cost lines in their own year, reconciled year by
year against each year's offers and allocations. The seed's four-year agreement (offers in
2023/24 to 2026/27, future offers up to £2.000m a year) is the case modelled."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from approvals.models import Publication
from approvals.publication import services as publishing
from grants import rollover, services
from grants.document import case_document
from grants.models import CostLine, Funder, GrantCase, GrantOffer, Post, YearAllocation
from grants.money import as_millions
from grants.reconciliation import reconcile_case
from grants.seed import create_seed_case
from grants.services import EditRefused
from grants.years import days_by_year, days_in_year, post_costs_by_year, pro_rata
from tests.factories import four_year_case
from tests.grants.editor_pages import error_summary, form_values, submit
from tests.html import table_starting
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db

M = Decimal
TODAY = datetime.date(2023, 12, 1)
# The units' staff costs in a whole year (the seed's posts), without their cost lines.
STAFF_A_YEAR = {
    "ACE": M("216660"),
    "ROCU": M("2598590"),
    "ROCTA": M("397800"),
    "Drugs Strategy": M("151000"),
    "Digital Forensics": M("101000"),
}


def reconciled(case):
    return reconcile_case(GrantCase.objects.with_contents().get(pk=case.pk), today=TODAY)


def by_year(result, attribute):
    return {year.label: as_millions(getattr(year, attribute)) for year in result.years}


def codes_by_year(result):
    return sorted((f.code, f.message) for f in result.errors)


# The seed's four-year shape ---------------------------------------------------------------


def test_a_four_year_agreement_reconciles_year_by_year(manager):
    result = reconciled(four_year_case(manager))

    assert result.errors == []
    assert by_year(result, "grant_funding") == {
        "2023/24": M("1.701"),
        "2024/25": M("2.000"),
        "2025/26": M("2.000"),
        "2026/27": M("2.000"),
        "2027/28": M("0.000"),
    }
    assert by_year(result, "planned_spend") == {
        "2023/24": M("3.748"),
        "2024/25": M("3.465"),
        "2025/26": M("3.465"),
        "2026/27": M("3.465"),
        "2027/28": M("0.000"),
    }
    assert by_year(result, "mps_funding") == {
        "2023/24": M("2.047"),
        "2024/25": M("1.465"),
        "2025/26": M("1.465"),
        "2026/27": M("1.465"),
        "2027/28": M("0.000"),
    }
    assert [year.variance for year in result.years] == [0] * 5
    later = result.years[1]
    assert [(unit.name, amount) for unit, amount in later.planned_spend_by_unit] == [
        (name, STAFF_A_YEAR[name]) for name in STAFF_A_YEAR
    ]
    # Over the whole agreement: every year's offers, allocations and spend.
    assert result.offers_total == M("7701000")
    assert result.allocations_total == M("7701000")
    assert result.planned_spend == M("3747650") + 3 * sum(STAFF_A_YEAR.values())
    assert result.variance == 0


def test_the_first_year_of_the_four_is_the_seed_exactly(manager):
    single = reconciled(create_seed_case(manager))
    GrantCase.objects.all().delete()
    four = reconciled(four_year_case(manager))

    first, seed_first = four.years[0], single.years[0]
    assert (first.grant_funding, first.mps_funding, first.planned_spend, first.variance) == (
        seed_first.grant_funding,
        seed_first.mps_funding,
        seed_first.planned_spend,
        seed_first.variance,
    )
    assert [a for _, a in first.planned_spend_by_unit] == [
        a for _, a in seed_first.planned_spend_by_unit
    ]


def test_later_offers_without_spend_planned_for_their_years_are_a_variance_there(manager):
    case = four_year_case(manager)
    Post.objects.filter(unit__case=case).update(ends_on=None)
    YearAllocation.objects.filter(unit__case=case).delete()
    result = reconciled(case)

    assert [year.variance for year in result.years] == [
        0,
        M("2000000"),
        M("2000000"),
        M("2000000"),
        0,
    ]
    assert {f.code for f in result.errors} == {"allocations-offers", "variance"}
    named = sorted(
        message.split(" for ")[1][:7]
        for code, message in codes_by_year(result)
        if code == "variance"
    )
    assert named == ["2024/25", "2025/26", "2026/27"]


def test_a_real_variance_is_flagged_in_the_year_it_occurs(manager):
    case = four_year_case(manager)
    YearAllocation.objects.filter(unit__case=case, unit__name="ROCU", financial_year=2025).update(
        amount=M("1249000")
    )
    result = reconciled(case)

    assert [year.variance for year in result.years] == [0, 0, M("1000"), 0, 0]
    assert codes_by_year(result) == [
        (
            "allocations-offers",
            "The units’ grant allocations for 2025/26 total £1,999,000.00 but the offers for "
            "2025/26 total £2,000,000.00. They must be equal.",
        ),
        (
            "variance",
            "The revenue impact summary for 2025/26 does not balance: funding and planned "
            "spend differ by £1,000.00.",
        ),
    ]


def test_a_year_whose_grant_is_more_than_its_spend_is_flagged_for_that_unit_and_year(manager):
    case = four_year_case(manager)
    Post.objects.filter(unit__case=case, unit__name="Digital Forensics").update(
        ends_on=datetime.date(2026, 3, 31)
    )
    result = reconciled(case)

    [finding] = result.errors
    assert (finding.code, finding.unit) == ("grant-above-spend", "Digital Forensics")
    assert finding.message == (
        "The grant allocation for 2026/27 (£0.100m) is more than the planned spend in 2026/27 "
        "(£0.000m)."
    )


# Part of a year, and across years ---------------------------------------------------------


def test_a_post_for_part_of_a_year_counts_pro_rata_by_days():
    post = Post(
        annual_cost=M("73200"),
        grant_fte=M("1"),
        match_fte=M("0.5"),
        starts_on=datetime.date(2023, 10, 1),
        ends_on=datetime.date(2024, 3, 31),
    )
    # 183 of the 366 days of 2023/24 (it holds 29 February 2024).
    assert days_by_year(post.starts_on, post.ends_on) == {2023: 183}
    assert post_costs_by_year(post, 2023) == {2023: (M("36600.00"), M("18300.00"))}


def test_a_part_year_cost_is_rounded_to_the_penny_and_a_whole_year_is_exact():
    assert pro_rata(M("50000"), 1, 2024) == M("136.99")  # 50,000 ÷ 365
    assert pro_rata(M("33115.005"), 365, 2024) == M("33115.005")


def test_a_post_across_several_years_counts_in_each():
    post = Post(
        annual_cost=M("73200"),
        grant_fte=M("1"),
        match_fte=M("0"),
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2025, 6, 30),
    )
    assert days_by_year(post.starts_on, post.ends_on) == {2023: 91, 2024: 365, 2025: 91}
    assert post_costs_by_year(post, 2023) == {
        2023: (M("18200.00"), M("0.00")),  # 73,200 × 91 ÷ 366
        2024: (M("73200"), M("0")),
        2025: (M("18249.86"), M("0.00")),  # 73,200 × 91 ÷ 365 = 18,249.863…
    }


days = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))


@given(start=days, end=days, annual=st.decimals(0, 500_000, places=2))
def test_a_posts_days_and_costs_are_shared_among_the_years_it_runs_in(start, end, annual):
    post = Post(
        annual_cost=annual, grant_fte=M("1"), match_fte=M("0"), starts_on=start, ends_on=end
    )
    split = days_by_year(start, end)
    costs = post_costs_by_year(post, 2023)

    assert sum(split.values()) == max((end - start).days + 1, 0)
    assert costs.keys() == split.keys()
    for year, (grant, match) in costs.items():
        assert 0 < split[year] <= days_in_year(year)
        assert match == 0 and 0 <= grant <= annual
        if split[year] == days_in_year(year):
            assert grant == annual
        else:
            assert abs(grant - annual * split[year] / days_in_year(year)) <= M("0.005")


def test_blank_dates_are_the_costed_year_and_a_blank_end_is_the_end_of_the_start_year():
    whole = Post(annual_cost=M("1000"), grant_fte=M("1"), match_fte=M("0"))
    assert post_costs_by_year(whole, 2023) == {2023: (M("1000"), M("0"))}
    later = Post(
        annual_cost=M("1000"),
        grant_fte=M("1"),
        match_fte=M("0"),
        starts_on=datetime.date(2025, 4, 1),
    )
    assert post_costs_by_year(later, 2023) == {2025: (M("1000"), M("0"))}


def test_part_year_posts_and_later_cost_lines_fall_in_their_years_of_the_summary(manager):
    case = create_seed_case(manager)
    digital = case.units.get(name="Digital Forensics")
    band_b = digital.posts.get()
    band_b.starts_on, band_b.ends_on = datetime.date(2023, 10, 1), datetime.date(2024, 9, 30)
    band_b.save()
    CostLine.objects.create(
        unit=digital, description="Licences", amount=M("5000"), financial_year=2024, position=1
    )
    result = reconciled(case)

    spend = {y.label: {u.name: a for u, a in y.planned_spend_by_unit} for y in result.years}
    # 101,000 × 183 ÷ 366, then 101,000 × 183 ÷ 365 (1 April to 30 September 2024).
    assert spend["2023/24"]["Digital Forensics"] == M("50500.00")
    assert spend["2024/25"]["Digital Forensics"] == M("50638.36") + M("5000")
    assert spend["2024/25"]["ROCU"] == 0
    figures = next(u for u in result.units if u.unit.name == "Digital Forensics")
    assert figures.planned_spend == M("50500.00") + M("50638.36") + M("5000")
    # 2024/25 has spend but no grant: the MPS funds it all, so it balances; 2023/24 now
    # plans less than its grant allocation.
    assert result.years[1].mps_funding == M("55638.36") and result.years[1].variance == 0
    assert {(f.code, f.unit) for f in result.errors} == {("grant-above-spend", "Digital Forensics")}


def test_spend_in_a_year_the_summary_leaves_out_is_flagged(manager):
    case = create_seed_case(manager)
    Post.objects.filter(unit__case=case, unit__name="ACE").update(
        ends_on=datetime.date(2028, 6, 30)
    )
    result = reconciled(case)

    missing = [f.message for f in result.errors if f.code == "budget-year-missing"]
    assert missing == [
        "Add 2028/29 to the budget years: the case has costs or offers in it.",
    ]


def test_a_post_that_ends_before_the_costed_year_starts_is_an_error(manager):
    case = create_seed_case(manager)
    Post.objects.filter(unit__case=case, unit__name="ACE", grade="Detective Sergeant").update(
        ends_on=datetime.date(2023, 1, 31)
    )
    result = reconciled(case)

    [finding] = [f for f in result.errors if f.code == "post-period"]
    assert (finding.unit, finding.post) == ("ACE", "Detective Sergeant")
    assert finding.message == (
        "The post ends on 31 January 2023, before it starts on 1 April 2023, the start of the "
        "costed year. Check its dates."
    )
    ace = next(u for u in result.units if u.unit.name == "ACE")
    assert ace.planned_spend == M("132460") + M("30600")


# A single-year case is unchanged ------------------------------------------------------------


def test_a_single_year_case_document_has_none_of_the_new_fields(manager):
    document = case_document(GrantCase.objects.with_contents().get(pk=create_seed_case(manager).pk))
    posts = [post for unit in document["units"] for g in unit["groups"] for post in g["posts"]]
    lines = [line for unit in document["units"] for line in unit["cost_lines"]]
    assert all(
        set(post)
        == {
            "grade",
            "annual_cost",
            "grant_fte",
            "match_fte",
            "grant_cost",
            "match_cost",
            "total_cost",
        }
        for post in posts
    )
    assert all(set(line) == {"description", "amount"} for line in lines)
    assert all(
        "other_allocations" not in unit and "allocations" not in unit["totals"]
        for unit in document["units"]
    )


def test_a_multi_year_document_holds_the_dates_years_and_allocations(manager):
    case = four_year_case(manager)
    CostLine.objects.filter(unit__case=case, description="Overtime").update(financial_year=2023)
    document = case_document(GrantCase.objects.with_contents().get(pk=case.pk))
    rocu = next(unit for unit in document["units"] if unit["name"] == "ROCU")
    assert rocu["groups"][0]["posts"][0]["starts_on"] is None
    assert rocu["groups"][0]["posts"][0]["ends_on"] == "2027-03-31"
    assert rocu["other_allocations"] == [
        {"financial_year": "2024/25", "amount": "1250000.00"},
        {"financial_year": "2025/26", "amount": "1250000.00"},
        {"financial_year": "2026/27", "amount": "1250000.00"},
    ]
    assert rocu["totals"]["allocations"] == "4750000.00"
    overtime = next(line for line in rocu["cost_lines"] if line["description"] == "Overtime")
    assert overtime["financial_year"] == "2023/24"


# The report and the editor ------------------------------------------------------------------


def test_the_report_shows_each_years_planned_spend_and_the_posts_periods(manager_client, manager):
    case = four_year_case(manager)
    CostLine.objects.filter(unit__case=case, description="Overtime").update(financial_year=2023)
    Post.objects.filter(unit__case=case, grade="Band B").update(
        starts_on=datetime.date(2023, 10, 1)
    )
    html = manager_client.get(reverse("grants:report", args=[case.pk])).content.decode()
    assert 'Detective Inspector <span class="app-figures__period">(to 31 March 2027)</span>' in html
    assert 'Band B <span class="app-figures__period">(1 October 2023 to 31 March 2027)' in html
    assert 'Overtime <span class="app-figures__period">(2023/24)</span>' in html
    assert (
        "ROCU (grant amount £1.000m in 2023/24, £1.250m in 2024/25, £1.250m in 2025/26, "
        "£1.250m in 2026/27)" in html
    )
    assert "Grand total expenditure against £4.750m" in html
    totals = table_starting(html, "Funded units’ totals")
    # Every year's allocation, spend and match funding: ROCU 1.000 + 3 × 1.250.
    assert ["ROCU", "4.750", "10.394", "0.252", "10.646", "5.896", "20"] in totals
    # Planned spend ROCU: 2.851 in the first year, then its staff alone in each later year.
    rows = table_starting(html, "BAU revenue by financial year")
    assert ["ROCU", "2.851", "2.599", "2.599", "2.599", "0.000", "10.646"] in rows
    assert ["Grant funding", "1.701", "2.000", "2.000", "2.000", "0.000", "7.701"] in rows
    assert ["Variance to budget (-ve saving)", *["0.000"] * 6] in rows


def test_a_manager_enters_other_years_allocations_post_dates_and_cost_line_years(
    manager_client, manager
):
    case = create_seed_case(manager)
    home_office = Funder.objects.get(name="Home Office")
    GrantOffer.objects.create(
        case=case, funder=home_office, amount=M("2000000"), financial_year=2024, position=3
    )
    units_url = reverse("grants:edit-units", args=[case.pk])
    page = manager_client.get(units_url).content.decode()
    assert "Grant allocation 2024/25" in page and "Grant allocation 2027/28" in page
    assert "units-0-allocation_2023" not in form_values(page)
    rocu_index = next(
        key.split("-")[1] for key, value in form_values(page).items() if value == "ROCU"
    )
    submit(manager_client, units_url, {f"units-{rocu_index}-allocation_2024": "£2m"})
    rocu = case.units.get(name="ROCU")
    assert list(rocu.year_allocations.values_list("financial_year", "amount")) == [
        (2024, M("2000000.00"))
    ]

    unit_url = reverse("grants:edit-unit", args=[case.pk, rocu.pk])
    values = form_values(manager_client.get(unit_url).content.decode())
    first_post = next(k for k, v in values.items() if v == "Detective Inspector").split("-")[1]
    first_line = next(k for k, v in values.items() if v == "Overtime").split("-")[1]
    response = submit(
        manager_client,
        unit_url,
        {
            f"posts-{first_post}-ends_on": "31 March 2025",
            f"costs-{first_line}-financial_year": "2024/25",
        },
    )
    assert response.status_code == 302
    inspector = rocu.posts.get(grade="Detective Inspector")
    assert (inspector.starts_on, inspector.ends_on) == (None, datetime.date(2025, 3, 31))
    assert rocu.cost_lines.get(description="Overtime").financial_year == 2024
    # The page shows the saved dates as typed back, and the year as a label.
    html = manager_client.get(unit_url).content.decode()
    values = form_values(html)
    assert values[f"posts-{first_post}-ends_on"] == "31/3/2025"
    assert table_starting(html, "ROCU by financial year") == [
        ["Financial year", "Planned spend", "Grant allocation", "Match funding from the MPS"],
        ["2023/24", "£2,842,590.00", "£1,000,000.00", "£1,842,590.00"],
        ["2024/25", "£212,800.00", "£2,000,000.00", "-£1,787,200.00"],
    ]
    assert values[f"costs-{first_line}-financial_year"] == "2024/25"

    result = reconciled(case)
    spend_2024 = {u.name: a for u, a in result.years[1].planned_spend_by_unit}
    # The inspector's 1 grant + 1 match FTE at £102,400, and the overtime.
    assert spend_2024["ROCU"] == M("204800") + M("8000")
    assert [f.code for f in result.errors] == ["grant-above-spend"]


def test_a_post_ending_before_it_starts_is_refused_and_what_was_typed_is_kept(
    manager_client, manager
):
    case = create_seed_case(manager)
    ace = case.units.get(name="ACE")
    url = reverse("grants:edit-unit", args=[case.pk, ace.pk])
    values = form_values(manager_client.get(url).content.decode())
    index = next(k for k, v in values.items() if v == "Detective Sergeant").split("-")[1]
    response = submit(
        manager_client,
        url,
        {f"posts-{index}-starts_on": "1/10/2023", f"posts-{index}-ends_on": "30 Sept 2023x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end date must be a real date, like 1/10/2023" in html
    assert 'value="30 Sept 2023x"' in html and 'value="1/10/2023"' in html
    response = submit(
        manager_client,
        url,
        {f"posts-{index}-starts_on": "1/10/2023", f"posts-{index}-ends_on": "30/9/2023"},
    )
    assert "The end date must be the same as or after the start date" in response.content.decode()
    assert ace.posts.get(grade="Detective Sergeant").ends_on is None


def test_a_case_is_not_costed_in_a_year_its_units_already_have_allocations_for(manager):
    case = four_year_case(manager)
    details = {
        "title": case.title,
        "scheme": case.scheme,
        "report_by": case.report_by,
        "report_author": case.report_author,
    }
    with pytest.raises(EditRefused, match="grant allocation for 2024/25 as another year"):
        services.save_details(
            case, by=manager, lock_version=case.lock_version, financial_year=2024, **details
        )
    case.refresh_from_db()
    assert case.financial_year == 2023
    assert YearAllocation.objects.filter(unit__case=case).count() == 15
    services.save_details(
        case, by=manager, lock_version=case.lock_version, financial_year=2022, **details
    )
    assert GrantCase.objects.get(pk=case.pk).financial_year == 2022


def test_the_dmpc_decides_on_and_the_public_reads_each_years_figures(client, people):
    case = four_year_case(people.manager)
    to_ready(case, people)
    client.force_login(people.dmpc)
    pages = {"decide": client.get(f"/staff/cases/{case.pk}/decide/").content.decode()}
    decision = approve(case, people)
    publishing.publish_now(decision.publication, by=people.publisher)
    client.logout()
    slug = Publication.objects.get(pk=decision.publication.pk).slug
    pages["public"] = client.get(f"/decisions/{slug}/").content.decode()

    for html in pages.values():
        rows = table_starting(html, "BAU revenue by financial year")
        assert ["MPS funding", "2.047", "1.465", "1.465", "1.465", "0.000", "6.442"] in rows
        assert ["Variance to budget (-ve saving)", *["0.000"] * 6] in rows


def test_the_units_page_marks_the_allocations_of_the_year_that_does_not_add_up(
    manager_client, manager
):
    case = four_year_case(manager)
    YearAllocation.objects.filter(unit__case=case, financial_year=2025).update(amount=M("1"))
    html = manager_client.get(reverse("grants:edit-units", args=[case.pk])).content.decode()

    [(anchor, message)] = error_summary(html)
    assert anchor == "id_units-0-allocation_2025"
    assert message.startswith("The units’ grant allocations for 2025/26 total £5.00")
    marked = re.findall(r'<input [^>]*aria-describedby="allocations-error"[^>]*>', html)
    assert len(marked) == 7 and all("allocation_2025" in box for box in marked)


def test_rolling_a_four_year_case_forward_moves_its_dates_years_and_allocations_on_a_year(
    people,
):
    case = four_year_case(people.manager)
    CostLine.objects.filter(unit__case=case, description="Overtime").update(financial_year=2024)
    to_ready(case, people)
    decision = approve(case, people)
    rolled = rollover.start_from_earlier(decision.case, by=people.manager)

    rocu = rolled.units.get(name="ROCU")
    assert list(rocu.year_allocations.values_list("financial_year", "amount")) == [
        (2025, M("1250000.00")),
        (2026, M("1250000.00")),
        (2027, M("1250000.00")),
    ]
    assert set(rocu.posts.values_list("ends_on", flat=True)) == {datetime.date(2028, 3, 31)}
    assert rocu.cost_lines.get(description="Overtime").financial_year == 2025
