"""Passwords: how long they must be, and changing one's own (the current password
re-entered and counted like a sign-in, the change audited, this session kept and every
other ended)."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from approvals.audit import verify_chain
from approvals.models import AuditAction, AuditEvent
from tests.environment import PRODUCTION, settings_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password/change/"
DONE = "/accounts/password/change/done/"
NEW_PASSWORD = "a-new-and-longer-passphrase"


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        CHANGE,
        {"old_password": current, "new_password1": new, "new_password2": again or new},
    )


def signs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


# How long -------------------------------------------------------------------------------


def test_a_password_needs_at_least_twelve_characters():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("kestrel-moo")
    validate_password("kestrel-moor")


def test_production_settings_ask_for_twelve_characters():
    validators = settings_in(PRODUCTION, "settings.AUTH_PASSWORD_VALIDATORS")
    lengths = [v.get("OPTIONS", {}).get("min_length") for v in validators if "Minimum" in v["NAME"]]
    assert lengths == [12]


def test_the_tests_password_is_long_enough():
    assert len(PASSWORD) >= 12
    validate_password(PASSWORD)


# Changing one's own ------------------------------------------------------------------------


def test_every_staff_page_links_to_changing_the_password(client, manager):
    client.force_login(manager)
    for path in ("/staff/", "/staff/cases/", CHANGE):
        html = client.get(path).content.decode()
        assert f'href="{CHANGE}">Change password</a>' in html, path


def test_the_change_page_asks_for_the_current_password_and_a_new_one_twice(client, manager):
    client.force_login(manager)
    response = client.get(CHANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Change your password</h1>' in html
    for name, autocomplete in [
        ("old_password", "current-password"),
        ("new_password1", "new-password"),
        ("new_password2", "new-password"),
    ]:
        assert f'name="{name}"' in html
        assert f'autocomplete="{autocomplete}"' in html
    assert "Use at least 12 characters." in html
    assert response["Cache-Control"] == "private, no-store"


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, manager):
    client.force_login(manager)
    laptop = Client()
    laptop.force_login(manager)
    assert laptop.get("/staff/").status_code == 200

    response = change(client)
    assert response.status_code == 302 and response["Location"] == DONE
    done = client.get(DONE)
    assert done.status_code == 200
    assert "Your password has been changed" in done.content.decode()
    assert client.get("/staff/").status_code == 200
    assert laptop.get("/staff/")["Location"] == "/accounts/login/?next=/staff/"

    assert signs_in("manager", NEW_PASSWORD)
    assert not signs_in("manager", PASSWORD)


def test_the_change_is_audited_with_no_case(client, manager):
    client.force_login(manager)
    change(client)
    event = AuditEvent.objects.exclude(action=AuditAction.ACCOUNT_CREATED).get()
    assert event.action == AuditAction.PASSWORD_CHANGED
    assert event.actor == manager and event.case is None
    assert NEW_PASSWORD not in str(event.details) and PASSWORD not in str(event.details)
    assert verify_chain().intact


def test_the_change_and_its_audit_event_are_kept_together_or_not_at_all(client, manager):
    client.force_login(manager)
    with (
        mock.patch("approvals.audit.record", side_effect=RuntimeError("the chain is down")),
        pytest.raises(RuntimeError),
    ):
        change(client)
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    assert not AuditEvent.objects.exclude(action=AuditAction.ACCOUNT_CREATED).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current": "not-my-password"}, "old_password", "Your current password is not right"),
        ({"current": ""}, "old_password", "Enter your current password"),
        ({"new": "short-one"}, "new_password1", "at least 12 characters"),
        ({"new": "1234567890123"}, "new_password1", "This password is entirely numeric"),
        ({"again": "something-else-entirely"}, "new_password2", "The new passwords do not match"),
        ({"new": "manager12345"}, "new_password1", "too similar to the username"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, manager, data, field, message):
    client.force_login(manager)
    response = change(client, **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert "<title>Error: Change your password" in html
    assert f'href="#id_{field}"' in html
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    assert not AuditEvent.objects.exclude(action=AuditAction.ACCOUNT_CREATED).exists()
    # Passwords are never sent back to the browser.
    for typed in data.values():
        if typed:
            assert f'value="{typed}"' not in html


def test_wrong_current_passwords_count_towards_the_sign_in_lockout(client, manager, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    client.force_login(manager)
    for _ in range(2):
        assert "Your current password is not right" in (
            change(client, current="a-wrong-guess-here").content.decode()
        )
    locked = change(client, current="a-wrong-guess-here")
    assert locked.status_code == 200
    assert "You have entered a wrong password too many times. Wait 15 minutes" in (
        locked.content.decode()
    )
    # Even the right one now: a taken-over session cannot keep guessing.
    refused = change(client)
    assert "too many times" in refused.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    # The person is still signed in here, and signing in elsewhere is locked too.
    assert client.get("/staff/").status_code == 200
    assert (
        Client().post("/accounts/login/", {"username": "manager", "password": PASSWORD}).status_code
        == 429
    )


def test_someone_who_has_only_typed_a_password_must_prove_their_second_factor(
    client, manager, settings
):
    settings.MFA_REQUIRED = True
    client.force_login(manager)
    assert client.get(CHANGE)["Location"] == f"/accounts/mfa/setup/?next={CHANGE}"
    response = change(client)
    assert response["Location"] == f"/accounts/mfa/setup/?next={CHANGE}"
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    assert client.get(CHANGE)["Location"] == f"/accounts/login/?next={CHANGE}"
