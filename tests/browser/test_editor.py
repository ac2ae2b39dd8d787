import re

import pytest
from playwright.sync_api import expect

from grants.models import GrantCase
from grants.money import MONEY_HELP
from grants.seed import create_seed_case
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seed_case(manager):
    return create_seed_case(manager)


def test_the_task_list_of_the_seed_case_is_accessible(page, seed_case):
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{seed_case.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_case.title)
    offers = page.get_by_role("link", name="Grant offers")
    # The status is read out with the task's name.
    expect(offers).to_have_accessible_description("Completed")
    expect(
        page.get_by_role("link", name="Background and supporting papers")
    ).to_have_accessible_description("Optional Completed")
    checks = page.get_by_role("complementary", name="Checks")
    expect(checks).to_contain_text("0 errors to fix")
    expect(checks.get_by_role("link", name=re.compile("^Band D costs £57,000.00"))).to_be_visible()
    assert_accessible(page)


def test_bad_money_gets_an_accessible_error_summary_linked_to_the_field(page, seed_case):
    rocu = seed_case.units.get(name="ROCU")
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{seed_case.pk}/edit/units/{rocu.pk}/")
    page.get_by_label("Annual cost, post 3", exact=True).fill("sixty-six thousand")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_title(re.compile("^Error: Posts and costs: ROCU"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    # GOV.UK Frontend moves focus to the summary, so a screen reader announces it.
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    summary.get_by_role("link", name=f"Post 3: {MONEY_HELP}").click()
    field = page.get_by_label("Annual cost, post 3", exact=True)
    expect(field).to_be_focused()
    expect(field).to_have_value("sixty-six thousand")
    expect(field).to_have_accessible_description(f"Error: {MONEY_HELP}")
    assert_accessible(page)
    assert rocu.posts.get(position=3).annual_cost == 66230


def test_the_keyboard_alone_can_reach_fill_and_submit_a_form(page, seed_case):
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{seed_case.pk}/edit/details/")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.id, document.activeElement.textContent.trim()]"
        )
        reached.append(focused)
        if focused[0] == "id_report_by":
            page.keyboard.press("ControlOrMeta+a")
            page.keyboard.type("Detective Superintendent A Smith")
        if focused[1] == "Save":
            break
    assert ["id_title", ""] in reached and reached[-1][1] == "Save", reached
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/staff/cases/{seed_case.pk}/edit/")
    expect(page.get_by_text("Case details saved")).to_be_visible()
    assert GrantCase.objects.get(pk=seed_case.pk).report_by == "Detective Superintendent A Smith"
