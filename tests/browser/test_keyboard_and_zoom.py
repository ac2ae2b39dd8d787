"""A form completed with the keyboard alone, and the public pages at 400% zoom.

At 400% zoom a 1280px-wide screen is 320 CSS px wide (WCAG 2.2, 1.4.10 Reflow): the
public pages must then read without scrolling sideways, and a wide table may scroll
only inside its own region, which a keyboard user can focus to scroll it.
"""

import pytest
from playwright.sync_api import expect

from approvals.models import ClearanceArea, SignOff
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import publish, to_dmpc_review

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Kingfisher serious violence grant"


def focused(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, tag: document.activeElement.tagName,"
        " text: document.activeElement.textContent.trim()})"
    )


def tab_to(page, matches, *, backwards: bool = False, limit: int = 80) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches, as a keyboard user
    would; fail if it is never reached."""
    key = "Shift+Tab" if backwards else "Tab"
    element = focused(page)
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        if matches(element):
            return element
    raise AssertionError(f"{key} never reached the element; last focused: {element}")


def test_an_adviser_signs_off_with_the_keyboard_alone(page, people):
    case = make_case(people.manager, title=TITLE)
    to_dmpc_review(case, people)
    sign_in(page, "legal", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/clearance/")

    tab_to(page, lambda el: el["text"] == "Sign off legal")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/cases/{case.pk}/clearance/legal/")
    assert_accessible(page)

    # The outcome first: its advice is revealed under "Cleared with advice".
    tab_to(page, lambda el: el["id"] == "id_outcome")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Cleared with advice").is_checked()
    assert tab_to(page, lambda el: el["tag"] == "TEXTAREA")["id"] == "id_advice"
    page.keyboard.type("MOPAC may lawfully accept the grant.")
    # Past the button and back again: Shift+Tab returns to the advice, unchanged.
    tab_to(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Sign off legal")
    tab_to(page, lambda el: el["id"] == "id_advice", backwards=True)
    tab_to(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Sign off legal")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/staff/cases/{case.pk}/clearance/")
    expect(page.locator("#clearance-legal")).to_contain_text("Signed off")
    sign_off = SignOff.objects.get()
    assert (sign_off.area, sign_off.advice) == (
        ClearanceArea.LEGAL,
        "MOPAC may lawfully accept the grant.",
    )
    assert_accessible(page)


def test_the_register_is_searched_with_the_keyboard_alone(page, people):
    publish(people, title=TITLE)
    publish(people, title="Domestic abuse grant")
    page.goto("/decisions/")

    assert tab_to(page, lambda el: el["tag"] == "INPUT")["id"] == "id_q"
    page.keyboard.type("kingfisher")
    tab_to(page, lambda el: el["text"] == "Apply filters")
    page.keyboard.press("Enter")
    page.wait_for_url("**/decisions/?*q=kingfisher*")
    expect(page.get_by_role("heading", name="1 decision", exact=True)).to_be_visible()

    tab_to(page, lambda el: el["text"] == f"PCD 1: {TITLE}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/decisions/pcd-1/")
    assert_accessible(page)


@pytest.fixture
def published(people):
    return publish(
        people,
        title=TITLE,
        units=3,
        posts=6,
        part2_content="Exempt detail.",
        part2_exemption_reason="Operations.",
    )


ZOOMED_PATHS = ["/", "/decisions/", "/decisions/?q=kingfisher", "/decisions/pcd-1/"]


@pytest.mark.parametrize("path", ZOOMED_PATHS)
def test_public_pages_reflow_at_400_percent_zoom(page, published, path):
    page.set_viewport_size({"width": 320, "height": 256})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # Anything wider than the screen scrolls inside a region a keyboard can reach.
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(el => el.getBoundingClientRect().width > 320)
            .filter(el => !el.closest('[role=region][tabindex="0"]'))
            .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert too_wide == []
    assert_accessible(page)
