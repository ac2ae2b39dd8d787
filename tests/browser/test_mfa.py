"""Multi-factor sign-in in a real browser: set up from what the page shows, as a person
with an authenticator app would, then sign in again with the keyboard; each page checked
with axe-core, with and without an error."""

import re
import time
from base64 import b32decode
from urllib.parse import urlparse

import pytest
from django_otp.oath import hotp

from tests.browser.helpers import assert_accessible
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.MFA_REQUIRED = True


def current_step() -> int:
    return int(time.time()) // 30


def app_code(secret: str, step: int) -> str:
    """What an authenticator app given this key shows in a 30-second time step."""
    key = b32decode(secret.replace(" ", ""))
    return f"{hotp(key, step):06d}"


def wrong_code(secret: str) -> str:
    now = current_step()
    accepted = {app_code(secret, step) for step in range(now - 2, now + 3)}
    return next(code for code in ("000000", "111111", "222222") if code not in accepted)


def on_page(path: str):
    """Matches a URL by its path alone: "?next=/staff/" is not the staff home."""
    return lambda url: urlparse(url).path == path


def sign_in_with_password(page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_a_manager_sets_up_an_authenticator_app_and_signs_in_with_it(page, manager):
    sign_in_with_password(page)
    page.wait_for_url("**/accounts/mfa/setup/?next=/staff/")
    assert heading(page) == "Set up your authenticator app"
    qr = page.get_by_role("img", name=re.compile("^QR code that adds your"))
    assert qr.evaluate("image => image.complete && image.naturalWidth") > 100
    assert_accessible(page)

    secret = page.locator("#mfa-secret").inner_text()
    used = current_step()
    page.get_by_label("6-digit code").fill(app_code(secret, used))
    page.get_by_role("button", name="Continue").click()

    assert heading(page) == "Save your recovery codes"
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(on_page("/staff/"))
    assert heading(page) == "Staff home"

    # A later sign-in asks for a code from the app.
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page)
    page.wait_for_url("**/accounts/mfa/verify/?next=/staff/")
    assert heading(page) == "Enter the code from your authenticator app"
    assert_accessible(page)

    page.get_by_label("6-digit code").fill(wrong_code(secret))
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    assert "The code is not correct, or it has expired" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    # With the keyboard alone: the summary has focus, its link leads to the input.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_code"
    # One wrong code means a one-second wait before the next is looked at.
    page.wait_for_timeout(1_100)
    page.keyboard.press("Control+A")
    # A code is accepted once, so this one must come from a later step than set-up's.
    page.keyboard.type(app_code(secret, max(current_step(), used + 1)))
    page.keyboard.press("Enter")
    page.wait_for_url(on_page("/staff/"))
    assert heading(page) == "Staff home"

    # A verified user can replace their recovery codes.
    page.goto("/accounts/mfa/recovery-codes/")
    assert heading(page) == "Recovery codes"
    assert "You have 10 unused recovery codes." in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Make new recovery codes").click()
    assert heading(page) == "Save your recovery codes"
    new_codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert_accessible(page)


def test_a_recovery_code_page_is_accessible_with_an_error(page, manager):
    sign_in_with_password(page)
    page.wait_for_url("**/accounts/mfa/setup/**")
    secret = page.locator("#mfa-secret").inner_text()
    page.get_by_label("6-digit code").fill(app_code(secret, current_step()))
    page.get_by_role("button", name="Continue").click()
    assert heading(page) == "Save your recovery codes"
    page.get_by_role("button", name="Sign out").click()

    sign_in_with_password(page)
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_role("link", name="Use a recovery code instead").click()
    assert heading(page) == "Enter a recovery code"
    assert_accessible(page)
    page.get_by_label("Recovery code").fill("not-a-code")
    page.get_by_role("button", name="Continue").click()
    assert "A recovery code is 10 letters and numbers" in (
        page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
