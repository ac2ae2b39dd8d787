"""The staff account pages and the forgotten-password pages in a real browser, each
checked with axe-core, with and without errors; screenshots at desktop and phone widths
when SCREENSHOTS names a folder."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.accounts.roles import Role
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def look(page, name: str):
    """Check the page with axe; keep screenshots at 1280 and 375 pixels if asked to."""
    assert_accessible(page)
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=Path(folder) / f"{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def test_an_administrator_adds_someone_and_changes_their_account(page, live_server):
    make_user("administrator", Role.ADMINISTRATOR)
    leaver = make_user("leaver", Role.PUBLISHER)
    TOTPDevice.objects.create(user=leaver, name="App", confirmed=True)
    sign_in(page, "administrator", PASSWORD)
    look(page, "staff-home")
    page.get_by_role("link", name="Staff accounts").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Staff accounts"
    look(page, "people-list")

    page.get_by_role("button", name="Add a member of staff").click()
    look(page, "person-add")
    page.get_by_label("Full name").fill("Nia Okafor")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Username").fill("leaver")
    page.get_by_label("Grants manager").check()
    page.get_by_role("button", name="Add member of staff").click()
    summary = page.locator(".govuk-error-summary")
    assert "There is already an account with this username" in summary.inner_text()
    assert page.get_by_label("Full name").input_value() == "Nia Okafor"
    look(page, "person-add-errors")
    summary.get_by_role("link", name="Enter an email address in the correct format").click()
    assert page.evaluate("document.activeElement.id") == "id_email"

    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("Username").fill("nokafor")
    page.get_by_role("button", name="Add member of staff").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Nia Okafor"
    assert "Nia Okafor has been added" in page.locator(".govuk-notification-banner").inner_text()
    look(page, "person-detail")

    page.goto(f"/staff/accounts/{leaver.pk}/")
    page.get_by_role("link", name="Change roles").click()
    page.get_by_label("Administrator").check()
    page.get_by_label("Publisher").uncheck()
    look(page, "person-roles")
    page.get_by_role("button", name="Save roles").click()
    assert "roles have been changed" in page.locator(".govuk-notification-banner").inner_text()

    page.get_by_role("button", name="Reset the authenticator app").click()
    look(page, "person-reset-authenticator")
    page.get_by_role("button", name="Reset the authenticator app").click()
    assert "authenticator app has been removed" in page.content()

    page.get_by_role("button", name="Deactivate the account").click()
    look(page, "person-deactivate")
    page.get_by_role("button", name="Deactivate the account").click()
    assert "has been deactivated" in page.content()
    history = page.locator("table").last.inner_text()
    assert "Account changed" in history and "Roles changed" in history
    look(page, "person-history")


def test_an_administrator_refused_their_own_role_removal_sees_why(page, live_server):
    administrator = make_user("administrator", Role.ADMINISTRATOR)
    sign_in(page, "administrator", PASSWORD)
    page.goto(f"/staff/accounts/{administrator.pk}/roles/")
    page.get_by_label("Administrator").uncheck()
    page.get_by_role("button", name="Save roles").click()
    summary = page.locator(".govuk-error-summary")
    assert "You cannot remove your own Administrator role" in summary.inner_text()
    look(page, "person-roles-errors")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_roles_1"


def test_a_forgotten_password_is_set_again_through_the_emailed_link(page, live_server):
    make_user("manager", Role.GRANTS_MANAGER)
    page.goto("/accounts/login/")
    look(page, "sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    look(page, "password-reset")
    page.get_by_role("button", name="Send me a link").click()
    assert "Enter your email address" in page.locator(".govuk-error-summary").inner_text()
    look(page, "password-reset-errors")
    page.get_by_label("Email address").fill("manager@example.org")
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    look(page, "password-reset-sent")

    path = re.search(r"http://[^/]+(/accounts/password-reset/\S+/\S+/)", mail.outbox[0].body)[1]
    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == "Set your password"
    page.get_by_label("New password", exact=True).fill("password")
    page.get_by_label("Confirm new password").fill("password")
    page.get_by_role("button", name="Set password").click()
    assert "This password is too common." in page.locator(".govuk-error-summary").inner_text()
    look(page, "password-reset-confirm-errors")
    page.get_by_label("New password", exact=True).fill("a-fresh-long-passphrase")
    page.get_by_label("Confirm new password").fill("a-fresh-long-passphrase")
    page.get_by_role("button", name="Set password").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your password has been set"
    look(page, "password-reset-complete")

    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == "This link does not work"
    look(page, "password-reset-broken-link")
    sign_in(page, "manager", "a-fresh-long-passphrase")
