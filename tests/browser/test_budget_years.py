"""Budgets across years in a browser: other years' allocations on the units page, post
dates and cost line years on a unit's page, and the year-by-year figures on the report
and the decision form, each checked by the accessibility engines at desktop and phone
widths."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ARTIFACTS, assert_accessible, sign_in
from tests.factories import PASSWORD, four_year_case
from tests.workflow import to_ready

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = ARTIFACTS / "budget-years"


def shoot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_enters_a_later_years_allocation_and_a_posts_dates(page, manager):
    case = four_year_case(manager)
    rocu = case.units.get(name="ROCU")
    sign_in(page, "manager", PASSWORD)

    page.goto(f"/staff/cases/{case.pk}/edit/units/")
    field = page.get_by_label("Grant allocation for 2027/28 (optional), unit 2", exact=True)
    field.fill("£0.5m")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Funded units saved")).to_be_visible()
    page.goto(f"/staff/cases/{case.pk}/edit/units/")
    expect(page.get_by_label("Grant allocation for 2027/28 (optional), unit 2")).to_have_value(
        "500,000.00"
    )
    years = page.get_by_role("table", name="Grant allocations and offers by financial year")
    expect(years.get_by_role("row", name=re.compile("^2027.28"))).to_contain_text("£500,000.00")
    assert_accessible(page)
    shoot(page, "units")

    page.goto(f"/staff/cases/{case.pk}/edit/units/{rocu.pk}/")
    ends = page.get_by_label("Ends (optional), post 1", exact=True)
    expect(ends).to_have_value("31/3/2027")
    # A dated post's cost is the server's to work out, so typed totals leave it out.
    page.get_by_label("Annual cost, post 1", exact=True).fill("102,400")
    expect(
        page.get_by_role("row", name=re.compile("^Total of the posts as typed"))
    ).to_contain_text("Total of the posts as typed, without the posts with dates")
    ends.fill("31 Marchh 2028")
    page.get_by_label("Financial year (optional), cost line 2", exact=True).fill("2024/25")
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role(
        "link", name="Post 1: The end date must be a real date, like 1/10/2023"
    ).click()
    field = page.get_by_label("Ends (optional), post 1", exact=True)
    expect(field).to_be_focused()
    expect(field).to_have_value("31 Marchh 2028")
    expect(page.get_by_label("Financial year (optional), cost line 2", exact=True)).to_have_value(
        "2024/25"
    )
    assert_accessible(page)
    shoot(page, "unit-error")

    field.fill("31/3/2028")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Posts and costs for ROCU saved")).to_be_visible()
    rocu.refresh_from_db()
    inspector = rocu.posts.get(position=1)
    assert inspector.ends_on.isoformat() == "2028-03-31"
    assert rocu.cost_lines.get(position=2).financial_year == 2024
    assert_accessible(page)
    shoot(page, "unit")


def test_the_report_and_the_decision_form_show_each_years_figures(page, people):
    case = four_year_case(people.manager)
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    summary = page.get_by_role("table", name="BAU revenue by financial year (£m)")
    expect(summary.get_by_role("row", name=re.compile("^Grant funding"))).to_have_text(
        re.compile(r"Grant funding\s*1\.701\s*2\.000\s*2\.000\s*2\.000\s*0\.000\s*7\.701")
    )
    rocu = page.get_by_role("table", name=re.compile(r"^ROCU \(grant amount £1\.000m in 2023.24"))
    expect(rocu).to_contain_text("Detective Inspector (to 31 March 2027)")
    assert_accessible(page)
    shoot(page, "report")

    to_ready(case, people)
    page.goto(f"/staff/cases/{case.pk}/versions/1/decision-form/")
    expect(page.get_by_role("table", name="BAU revenue by financial year (£m)")).to_contain_text(
        "2026/27"
    )
    assert_accessible(page)
    shoot(page, "decision-form")


def test_every_column_of_a_units_posts_fits_a_desktop_window(page, manager):
    case = four_year_case(manager)
    rocu = case.units.get(name="ROCU")
    sign_in(page, "manager", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/staff/cases/{case.pk}/edit/units/{rocu.pk}/")
    posts = page.get_by_role("region", name="Posts")
    widths = posts.evaluate("region => [region.scrollWidth, region.clientWidth]")
    assert widths[0] <= widths[1], "the posts table scrolls sideways at 1280px"
    remove = page.get_by_role("checkbox").first
    box, window = remove.bounding_box(), page.viewport_size
    assert box["x"] + box["width"] <= window["width"]
