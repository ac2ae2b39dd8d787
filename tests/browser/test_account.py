"""One's own account in a real browser: changing the password and replacing the
authenticator app, each page checked with axe-core, with and without an error."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import hotp

from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def app_code(secret: str, step: int) -> str:
    return f"{hotp(b32decode(secret.replace(' ', '')), step):06d}"


def test_a_manager_changes_their_password_from_the_header(page, manager):
    sign_in(page, "manager", PASSWORD)
    page.get_by_role("link", name="Change password").click()
    assert heading(page) == "Change your password"
    assert_accessible(page)

    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("short")
    page.get_by_role("button", name="Change password").click()
    summary = page.locator(".govuk-error-summary")
    assert "Your current password is not right" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a-new-and-longer-passphrase")
    page.get_by_label("Confirm new password").fill("a-new-and-longer-passphrase")
    page.get_by_role("button", name="Change password").click()
    assert heading(page) == "Your password has been changed"
    assert_accessible(page)
    page.get_by_role("button", name="Continue to staff home").click()
    assert heading(page) == "Staff home"


def test_a_manager_replaces_their_authenticator_app(page, manager, settings):
    settings.MFA_REQUIRED = True
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/mfa/setup/**")
    old = page.locator("#mfa-secret").inner_text()
    set_up_step = int(time.time()) // 30
    page.get_by_label("6-digit code").fill(app_code(old, set_up_step))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    assert heading(page) == "Staff home"

    page.get_by_role("link", name="Authenticator app").click()
    assert heading(page) == "Replace your authenticator app"
    assert_accessible(page)
    new = page.locator("#mfa-secret").inner_text()
    assert new != old

    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_label("6-digit code from your new app").fill(app_code(new, int(time.time()) // 30))
    page.get_by_role("button", name="Replace authenticator app").click()
    assert "Your password is not right" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#mfa-secret").inner_text() == new
    assert_accessible(page)

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("6-digit code from your new app").fill(app_code(new, int(time.time()) // 30))
    page.get_by_role("button", name="Replace authenticator app").click()
    assert heading(page) == "Staff home"
    assert re.search("Your authenticator app has been replaced", page.locator("main").inner_text())
    assert_accessible(page)
