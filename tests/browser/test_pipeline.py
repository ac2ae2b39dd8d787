"""The DMPC office's pipeline in a real browser: reached from the staff home, sorted with
the keyboard, filtered, and checked by every engine at desktop and phone widths."""

import pytest

from approvals import services
from approvals.models import ClearanceArea
from tests.browser.helpers import ARTIFACTS, assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dmpc_office_sorts_and_filters_the_pipeline(page, people):
    first = make_case(people.manager, title="Alpha knife crime grant")
    to_iam(first, people)
    second = make_case(people.manager, title="Beta victims grant")
    to_dmpc_review(second, people)
    services.sign_off(second, by=people.finance, area=ClearanceArea.FINANCE, advice="Fine.")

    sign_in(page, "dmpc-office", PASSWORD)
    page.goto("/staff/")
    assert page.get_by_role("heading", name="Waiting for advisers’ sign-off").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        page.screenshot(path=ARTIFACTS / f"pipeline-home-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("link", name="Pipeline: every case from submission to publication").click()
    assert page.get_by_role("heading", level=1, name="Pipeline").is_visible()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        page.screenshot(path=ARTIFACTS / f"pipeline-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})

    # Sorted by title with the keyboard: focus the header's link, press Enter.
    header = page.get_by_role("link", name="Case", exact=True)
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=case**")
    titles = page.locator("tbody th").all_inner_texts()
    assert titles == ["Alpha knife crime grant", "Beta victims grant"]
    assert page.locator("th[aria-sort=ascending]").inner_text().strip() == "Case"
    page.get_by_role("link", name="Case", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**order=desc**")
    titles = page.locator("tbody th").all_inner_texts()
    assert titles == ["Beta victims grant", "Alpha knife crime grant"]
    assert_accessible(page)

    page.get_by_label("Stage").select_option("dmpc_review")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("tbody th").all_inner_texts() == ["Beta victims grant"]
    assert "Equalities" in page.locator("tbody").inner_text()
    assert_accessible(page)
