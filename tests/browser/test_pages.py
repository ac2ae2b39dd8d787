import pytest

from tests.browser.helpers import assert_accessible, axe_violations, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Decisions on grants offered to the Metropolitan Police"),
        ("/accounts/login/", "Sign in"),
        ("/accessibility/", "Accessibility statement for Grant decisions"),
        ("/privacy/", "Privacy notice"),
        ("/audit-anchors/", "Audit anchors"),
    ],
)
def test_public_pages_have_no_accessibility_violations(page, path, heading):
    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


def test_the_skip_link_is_the_first_thing_a_keyboard_reaches(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    # Following the link is navigation: wait for it, rather than read the address at once.
    page.wait_for_url("**#main-content", timeout=5000)


def test_a_failed_sign_in_shows_an_accessible_error_summary(page, manager):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter a correct username and password" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)


def test_a_manager_signs_in_and_signs_out(page, live_server, manager):
    sign_in(page, "manager", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Staff home"
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Staff sign in").is_visible()


def test_axe_reports_a_planted_violation(page):
    """The accessibility check can fail: an image with no text alternative is caught."""
    page.goto("/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')"
    )
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
