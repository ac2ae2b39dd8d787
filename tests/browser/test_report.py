import pytest

from grants.seed import create_seed_case
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_report_page_is_accessible_and_shows_the_seed_totals(page, manager):
    case = create_seed_case(manager)
    case.part2_content = "Nothing sensitive in tests."
    case.part2_exemption_reason = "Operational."
    case.save()
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Home Office Grant")
    summary = page.get_by_role("table", name="BAU revenue by financial year (£m)")
    assert "3.748" in summary.get_by_role("row", name="Planned spend total").inner_text()
    assert page.get_by_text("OFFICIAL-SENSITIVE").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Show figures in exact pounds").click()
    assert (
        "£3,747,650.00"
        in page.get_by_role("table", name="BAU revenue by financial year (£)").inner_text()
    )
    assert_accessible(page)


def test_the_case_list_is_accessible(page, manager):
    create_seed_case(manager)
    sign_in(page, "manager", PASSWORD)
    page.goto("/staff/cases/")
    assert page.get_by_role("button", name="Start a new grant case").is_visible()
    assert_accessible(page)
