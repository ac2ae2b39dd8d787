"""Forgotten passwords: a single-use, expiring link by email, and the same answer whether
or not an account has the address."""

import datetime
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse

from approvals.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW = "a-fresh-long-passphrase"
FORGOTTEN = "/accounts/password-reset/"


def ask_for_link(client, email):
    return client.post(FORGOTTEN, {"email": email})


def emailed_path() -> str:
    [message] = mail.outbox
    return re.search(r"http://127\.0\.0\.1:8000(/accounts/password-reset/\S+/\S+/)", message.body)[
        1
    ]


def set_password(client, path, password=NEW, confirm=None):
    form = client.get(path, follow=True)
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": password, "new_password2": confirm or password},
    )


def test_the_sign_in_page_offers_the_forgotten_password_page(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert f'<a class="govuk-link" href="{FORGOTTEN}">Forgotten your password?</a>' in html
    page = client.get(FORGOTTEN).content.decode()
    assert '<h1 class="govuk-heading-xl">Forgotten your password?</h1>' in page
    assert 'autocomplete="email"' in page


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(manager):
    unknown = ask_for_link(Client(), "nobody@example.org")
    assert mail.outbox == []
    known = ask_for_link(Client(), "MANAGER@example.org")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["manager@example.org"]
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert known["Location"] == reverse("password_reset_done")
    done = Client().get(known["Location"]).content.decode()
    assert "If there is a staff account with that email address" in done


def test_an_empty_or_malformed_address_is_explained(client, db):
    response = client.post(FORGOTTEN, {"email": "not-an-address"})
    html = response.content.decode()
    assert 'href="#id_email"' in html
    assert "Enter an email address in the correct format" in html
    assert 'value="not-an-address"' in html
    assert "Enter your email address" in client.post(FORGOTTEN, {"email": ""}).content.decode()


def test_the_link_sets_a_new_password_once_and_is_recorded(manager):
    ask_for_link(Client(), "manager@example.org")
    path = emailed_path()
    assert mail.outbox[0].subject == f"Set a new password for {settings.SERVICE_NAME}"
    response = set_password(Client(), path)
    assert response["Location"] == reverse("password_reset_complete")
    manager.refresh_from_db()
    assert manager.check_password(NEW)
    [event] = AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET)
    assert event.actor == manager and event.case is None
    assert event.details == {"user_id": manager.pk, "username": "manager"}

    again = Client().get(path, follow=True).content.decode()
    assert "This link does not work" in again
    assert set_password(Client(), path, "yet-another-passphrase").status_code == 200
    manager.refresh_from_db()
    assert manager.check_password(NEW)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET).count() == 1


def test_an_expired_link_is_refused(manager):
    ask_for_link(Client(), "manager@example.org")
    path = emailed_path()
    later = datetime.datetime.now() + datetime.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 5
    )
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = Client().get(path, follow=True).content.decode()
    assert "This link does not work" in page
    assert "has expired" in page
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)


def test_links_expire_after_an_hour_by_default():
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60


def test_the_new_password_must_satisfy_the_validators(manager):
    ask_for_link(Client(), "manager@example.org")
    response = set_password(Client(), emailed_path(), "password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and 'href="#id_new_password2"' in html
    assert "This password is too common." in html
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET).exists()


def test_mismatched_passwords_are_refused(manager):
    ask_for_link(Client(), "manager@example.org")
    html = set_password(Client(), emailed_path(), NEW, "something-else-entirely").content
    assert "The passwords do not match" in html.decode()


def test_a_deactivated_account_gets_no_link(db):
    make_user("gone", is_active=False)
    ask_for_link(Client(), "gone@example.org")
    assert mail.outbox == []


def test_someone_who_never_set_a_password_can_ask_for_a_fresh_link(db):
    newcomer = User.objects.create_user("newcomer", "newcomer@example.org")
    assert not newcomer.has_usable_password()
    ask_for_link(Client(), "newcomer@example.org")
    set_password(Client(), emailed_path())
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW)


def test_the_link_names_the_sites_address_not_the_requests_host(manager, settings):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    Client(HTTP_HOST="evil.example").post(FORGOTTEN, {"email": "manager@example.org"})
    assert "evil.example" not in mail.outbox[0].body
    assert emailed_path()
