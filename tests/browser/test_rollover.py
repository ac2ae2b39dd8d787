"""Starting the next year's case from the seed's decision in the browser, confirming its
offers, and the comparison with the earlier decision, each page checked by the
accessibility engines."""

import re

import pytest
from playwright.sync_api import expect

from grants import rollover
from grants.models import CaseState, GrantCase
from grants.seed import create_seed_case
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seed_decision(people):
    seed = create_seed_case(people.manager)
    to_ready(seed, people)
    return approve(seed, people)


def test_a_grants_manager_starts_next_years_case_from_the_seeds_decision(page, seed_decision):
    sign_in(page, "manager", PASSWORD)
    page.goto("/staff/cases/")
    page.get_by_role("button", name="Start from an earlier case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start from an earlier case")
    page.get_by_label("Search by decision reference or title").fill(seed_decision.reference)
    page.get_by_role("button", name="Search").click()
    table = page.get_by_role("table", name=re.compile("^Approved decisions matching"))
    expect(table.get_by_role("row")).to_have_count(2)
    assert_accessible(page)

    table.get_by_role(
        "button", name=f"Start the 2024/25 case from {seed_decision.reference}"
    ).click()
    expect(page.get_by_text("A new draft for 2024/25 has been started")).to_be_visible()
    new = GrantCase.objects.get(state=CaseState.DRAFT)
    assert page.url.endswith(f"/staff/cases/{new.pk}/edit/")
    expect(page.get_by_role("link", name="Grant offers")).to_have_accessible_description(
        "Has problems"
    )
    checks = page.get_by_role("complementary", name="Checks")
    expect(checks).to_contain_text("2 errors to fix")
    expect(
        checks.get_by_role("link", name=re.compile("^Confirm the Home Office offer"))
    ).to_be_visible()

    checks.get_by_role("link", name=re.compile("^Confirm the Home Office offer")).click()
    page.get_by_label("Amount offered", exact=True).first.fill("1250000")
    page.get_by_label("The funder has confirmed the amount of offer 2").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Grant offers saved")).to_be_visible()
    assert not new.offers.filter(amount_to_be_confirmed=True).exists()


def test_the_comparison_with_the_earlier_decision_is_accessible(page, seed_decision, people):
    case = rollover.start_from_earlier(seed_decision.case, by=people.manager)
    rocu = case.units.get(name="ROCU")
    rocu.grant_allocation += 50000
    rocu.save()
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_role("navigation", name="Case pages").get_by_role(
        "link", name=f"Compared with {seed_decision.reference}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Compared with {seed_decision.reference}"
    )
    rocu_table = page.get_by_role("table", name="ROCU")
    row = rocu_table.get_by_role("row", name=re.compile("^Grant allocation"))
    # The sign is not read out; the change is.
    expect(row.get_by_role("cell").last).to_have_text("+£0.050mup by £0.050m")
    expect(row.locator(".govuk-visually-hidden")).to_have_text("up by £0.050m")
    assert_accessible(page)
