"""The decision form in a browser: reached from the case's pages by keyboard, readable
at desktop and phone widths, and accessible as a draft and once signed."""

import re
from pathlib import Path

import pytest

from grants.seed import create_seed_case
from tests.browser.helpers import ARTIFACTS, assert_accessible, sign_in, tab_until
from tests.factories import PASSWORD
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = ARTIFACTS / "decision-form"


def shoot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_dmpc_office_reads_the_draft_form_and_the_signed_one(page, people):
    case = create_seed_case(people.manager)
    to_ready(case, people)

    sign_in(page, "dmpc-office", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    tab_until(page, lambda element: element["text"] == "Decision form")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/staff/cases/{case.pk}/versions/1/decision-form/$"))
    assert page.get_by_role("heading", level=1).inner_text() == case.title
    assert page.get_by_text("DRAFT – not yet signed").is_visible()
    parts = page.locator("article h2").all_inner_texts()
    assert parts[0] == "Executive summary" and parts[-1] == "Officer and clearance checklist"
    assert page.get_by_role("link", name=re.compile("Download the decision form")).is_visible()
    # The figures' tables scroll on their own on a phone, not the whole page.
    page.set_viewport_size({"width": 375, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= 375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)
    shoot(page, "draft")

    approve(case, people)
    page.reload()
    assert page.get_by_text("DMPC decision PCD 1").is_visible()
    assert page.get_by_text("I approve the recommendation(s) above.").is_visible()
    assert not page.get_by_text("DRAFT – not yet signed").count()
    assert_accessible(page)
    shoot(page, "signed")
