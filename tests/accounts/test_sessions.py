"""Sessions end a fixed time after signing in, however busy; and what staff see is never
stored by a browser or a shared cache, though a refused form still shows what was typed."""

import time
from unittest import mock

import pytest
from django.db.models import F
from django.test import Client

from approvals.accounts.sessions import SIGNED_IN_AT
from grants.models import GrantCase
from tests.environment import PRODUCTION, settings_in
from tests.factories import PASSWORD, make_case
from tests.grants.editor_pages import form_values
from tests.workflow import to_ready

pytestmark = pytest.mark.django_db

HOUR = 60 * 60


def later(seconds: float):
    """The clock the session lifetime reads, moved on."""
    now = time.time() + seconds
    return mock.patch("approvals.accounts.sessions.time.time", return_value=now)


# The absolute lifetime ---------------------------------------------------------------------


def test_the_lifetime_is_twelve_hours_unless_configured():
    assert settings_in(PRODUCTION, "settings.SESSION_ABSOLUTE_LIFETIME") == 12 * HOUR
    configured = {**PRODUCTION, "SESSION_ABSOLUTE_LIFETIME": "3600"}
    assert settings_in(configured, "settings.SESSION_ABSOLUTE_LIFETIME") == HOUR
    # The idle timeout is still there, and shorter.
    assert settings_in(PRODUCTION, "settings.SESSION_COOKIE_AGE") == 30 * 60


def test_signing_in_notes_when(client, manager):
    before = int(time.time())
    client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert before <= client.session[SIGNED_IN_AT] <= int(time.time())


def test_a_busy_session_still_ends_after_its_lifetime(client, manager):
    client.force_login(manager)
    # A request every twenty minutes keeps the idle timeout away all day...
    for minutes in range(20, 12 * 60, 20):
        with later(minutes * 60):
            assert client.get("/staff/").status_code == 200, minutes
    # ...but not past twelve hours from signing in.
    with later(12 * HOUR):
        response = client.get("/staff/cases/?state=draft")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/cases/%3Fstate%3Ddraft"
    assert response["Cache-Control"] == "private, no-store"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "You have been signed out because you signed in more than 12 hours ago" in (
        page.content.decode()
    )
    assert SIGNED_IN_AT not in client.session
    assert client.get("/staff/")["Location"] == "/accounts/login/?next=/staff/"


def test_signing_in_again_starts_a_new_lifetime(client, manager):
    client.force_login(manager)
    with later(12 * HOUR):
        client.get("/staff/")
        client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
        assert client.get("/staff/").status_code == 200


def test_the_lifetime_is_configurable(client, manager, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 90 * 60
    client.force_login(manager)
    with later(89 * 60):
        assert client.get("/staff/").status_code == 200
    with later(90 * 60):
        response = client.get("/staff/", follow=True)
    assert "you signed in more than 90 minutes ago" in response.content.decode()


def test_a_session_from_before_lifetimes_counts_from_its_next_request(client, manager):
    client.force_login(manager)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert client.get("/staff/").status_code == 200
    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 5
    with later(12 * HOUR):
        assert client.get("/staff/").status_code == 302


def test_a_second_factor_proved_later_does_not_restart_the_lifetime(client, manager):
    """Verifying and changing the password give the session a new key, not a new life."""
    client.force_login(manager)
    signed_in_at = client.session[SIGNED_IN_AT]
    with later(60):
        client.post(
            "/accounts/password/change/",
            {
                "old_password": PASSWORD,
                "new_password1": "another-long-passphrase",
                "new_password2": "another-long-passphrase",
            },
        )
    assert client.session[SIGNED_IN_AT] == signed_in_at


# Never stored ------------------------------------------------------------------------------


def test_a_refused_form_still_shows_what_was_typed(client, people):
    """Nothing is kept by the browser, so the server sends back what was typed."""
    case = make_case(people.manager)
    to_ready(case, people)
    client.force_login(people.dmpc)
    reasons = "Good value for money, and the funder's conditions are met."
    response = client.post(
        f"/staff/cases/{case.pk}/decide/",
        {
            "outcome": "approve",
            "reasons": reasons,
            "recommendation_1": "yes",
            "alternatives": "no",
            "interests_declared": "no",
            "password": "not-my-password",
            "seen_version": 1,
        },
    )
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "The password is not right" in html
    assert reasons.replace("'", "&#x27;") in html
    assert response["Cache-Control"] == "private, no-store"
    assert 'value="not-my-password"' not in html


def test_a_refused_part2_edit_shows_the_typed_text_and_is_not_stored(client, manager):
    """The Part 2 editor, opened before someone else saved the case, refuses the edit and
    shows what was typed, so that it can be copied."""
    case = make_case(manager)
    client.force_login(manager)
    url = f"/staff/cases/{case.pk}/edit/part-2/"
    page = client.get(url)
    assert page["Cache-Control"] == "private, no-store"
    stale = form_values(page.content.decode())
    GrantCase.objects.filter(pk=case.pk).update(lock_version=F("lock_version") + 1)

    typed = "Exempt: the names of the officers in the operation."
    response = client.post(url, stale | {"part2_content": typed})
    assert response.status_code == 409
    assert typed in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert GrantCase.objects.get(pk=case.pk).part2_content == ""


def test_the_sign_in_page_and_its_refusals_are_never_stored(client, manager):
    assert client.get("/accounts/login/")["Cache-Control"] == "private, no-store"
    refused = client.post("/accounts/login/", {"username": "manager", "password": "wrong"})
    assert refused["Cache-Control"] == "private, no-store"
    assert 'value="manager"' in refused.content.decode()


def test_a_signed_in_person_gets_public_pages_unstored(client, manager):
    assert Client().get("/decisions/")["Cache-Control"] == "public, max-age=300"
    client.force_login(manager)
    assert client.get("/decisions/")["Cache-Control"] == "private, no-store"
    assert client.get("/")["Cache-Control"] == "private, no-store"


def test_static_files_keep_their_long_lifetimes(client, manager):
    client.force_login(manager)
    response = client.get("/static/dist/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
