import pytest

from tests.browser.helpers import (
    assert_accessible,
    axe_violations,
    broken_error_summary_links,
    htmlcs_errors,
    nu_errors,
    sign_in,
)
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


def test_a_form_sent_after_its_token_changed_gets_an_accessible_page(page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    # As if the page had been left open while the token changed: the cookie is gone.
    page.context.clear_cookies()
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The form had expired"
    assert page.title().startswith("The form had expired")
    assert_accessible(page)


def test_axe_reports_a_planted_violation(page):
    """The accessibility check can fail: an image with no text alternative is caught."""
    page.goto("/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')"
    )
    assert "image-alt" in {v["id"] for v in axe_violations(page)}


def plant(page, html: str):
    page.evaluate(
        "html => document.querySelector('main').insertAdjacentHTML('beforeend', html)", html
    )


def test_html_codesniffer_reports_a_planted_violation(page):
    """HTML_CodeSniffer's check can fail: a data cell's headers are not given."""
    page.goto("/")
    assert htmlcs_errors(page) == []
    plant(
        page,
        "<table><tr><th></th><th>Spend</th></tr>"
        "<tr><th colspan=2>Group</th></tr><tr><th>Row</th><td>1</td></tr></table>",
    )
    codes = {error["code"] for error in htmlcs_errors(page)}
    assert any(code.endswith(".H43.HeadersRequired") for code in codes), codes


def test_the_nu_html_checker_reports_a_planted_violation(page):
    """The Nu Html Checker's check can fail: a time with microseconds is refused."""
    page.goto("/")
    assert nu_errors(page) == []
    # The other engines' scripts, added to the page, are not what is checked.
    assert axe_violations(page) == [] and htmlcs_errors(page) == []
    assert nu_errors(page) == []
    plant(page, '<time datetime="2026-12-02T10:15:30.123456+00:00">2 December</time>')
    messages = [error["message"] for error in nu_errors(page)]
    assert any("datetime" in message for message in messages), messages


def test_a_sent_page_is_checked_even_when_the_test_does_not_check_it(
    page, served_pages, html_checker
):
    page.goto("/privacy/")
    paths = [path for path, status, html in served_pages]
    assert paths == ["/privacy/"]
    [(_, status, html)] = served_pages
    assert status == 200
    assert html_checker.errors(html) == []
    planted = '<time datetime="2026-12-02T10:15:30.123456+00:00">2 December</time></main>'
    assert html_checker.errors(html.replace("</main>", planted))


def test_an_error_summary_link_to_nothing_is_reported(page):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in").click()
    assert broken_error_summary_links(page) == []
    plant(
        page,
        '<div class="govuk-error-summary"><ul><li><a href="#id_nowhere">Wrong</a></li></ul></div>',
    )
    assert broken_error_summary_links(page) == ["#id_nowhere"]
