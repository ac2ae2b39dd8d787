"""The staff account pages: administrators list, add and change accounts; nobody else may."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.accounts.roles import Role
from approvals.audit import verify_chain
from approvals.models import AuditAction, AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW_PERSON = {
    "full_name": "Nia Okafor",
    "email": "nia.okafor@example.org",
    "username": "nokafor",
    "roles": ["grants manager", "publisher"],
}


@pytest.fixture
def administrator(db):
    return make_user("administrator", Role.ADMINISTRATOR)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def summary_links(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


# Who may ----------------------------------------------------------------------------------


def test_the_staff_home_links_administrators_to_the_accounts(admin_client, manager):
    assert reverse("approvals:people") in admin_client.get("/staff/").content.decode()
    assert reverse("approvals:people") not in signed_in(manager).get("/staff/").content.decode()


def test_only_administrators_and_superusers_reach_the_pages(administrator, manager):
    superuser = make_user("root", is_superuser=True, is_staff=True)
    url = reverse("approvals:people")
    assert signed_in(administrator).get(url).status_code == 200
    assert signed_in(superuser).get(url).status_code == 200
    refused = signed_in(manager).get(url)
    assert refused.status_code == 403
    assert "Only an administrator can manage staff accounts." in refused.content.decode()
    assert Client().get(url)["Location"] == f"/accounts/login/?next={url}"


def test_a_manager_cannot_post_a_change_of_roles(manager, iam):
    url = reverse("approvals:person-roles", args=[iam.pk])
    response = signed_in(manager).post(url, {"roles": ["administrator"]})
    assert response.status_code == 403
    assert set(iam.groups.values_list("name", flat=True)) == {"IAM secretariat"}
    assert not events(AuditAction.ROLES_CHANGED)


# The list -------------------------------------------------------------------------------


def test_the_list_shows_each_account_with_roles_authenticator_and_last_sign_in(
    admin_client, manager
):
    gone = make_user("gone", Role.DMPC, is_active=False)
    TOTPDevice.objects.create(user=manager, name="App", confirmed=True)
    manager.last_login = "2026-03-02T09:30:00Z"
    manager.save(update_fields=["last_login"])
    html = admin_client.get(reverse("approvals:people")).content.decode()
    rows = {
        re.search(r'href="/staff/accounts/(\d+)/"', row).group(1): re.sub(r"\s+", " ", row)
        for row in html.split('<tr class="govuk-table__row">')[2:]
    }
    assert "Manager" in rows[str(manager.pk)] and "manager@example.org" in rows[str(manager.pk)]
    assert "Grants manager" in rows[str(manager.pk)]
    assert "Active" in rows[str(manager.pk)] and "Set up" in rows[str(manager.pk)]
    assert "2 March 2026" in rows[str(manager.pk)] or "2 Mar 2026" in rows[str(manager.pk)]
    assert "Deactivated" in rows[str(gone.pk)] and "Not set up" in rows[str(gone.pk)]
    assert "Never" in rows[str(gone.pk)]
    assert len(rows) == User.objects.count()


# Adding a member of staff -------------------------------------------------------------------


def test_adding_a_member_of_staff_records_one_event_and_emails_a_link_not_a_password(
    admin_client, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("approvals:person-add"), NEW_PERSON)
    person = User.objects.get(username="nokafor")
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:person", args=[person.pk])
    assert person.get_full_name() == "Nia Okafor"
    assert person.email == "nia.okafor@example.org"
    assert not person.has_usable_password()
    assert set(person.groups.values_list("name", flat=True)) == {"grants manager", "publisher"}

    created = [e for e in events(AuditAction.ACCOUNT_CREATED) if e.details["user_id"] == person.pk]
    assert len(created) == 1
    assert created[0].actor == administrator
    assert created[0].details["roles"] == ["grants manager", "publisher"]
    assert created[0].details["is_superuser"] is False
    assert not AuditEvent.objects.filter(
        action=AuditAction.ROLES_CHANGED, details__user_id=person.pk
    ).exists()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia.okafor@example.org"]
    assert "nokafor" in message.body
    assert re.search(r"http://127\.0\.0\.1:8000/accounts/password-reset/\S+/\S+/", message.body)
    assert "password:" not in message.body.lower()

    page = admin_client.get(response["Location"]).content.decode()
    assert "Nia Okafor has been added" in page


def test_the_new_member_of_staff_sets_their_password_with_the_link_once(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("approvals:person-add"), NEW_PERSON)
    link = re.search(r"http://[^/]+(/accounts/password-reset/\S+/\S+/)", mail.outbox[0].body)[1]
    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert "Set your password" in form_page.content.decode()
    done = visitor.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert User.objects.get(username="nokafor").check_password("a-long-new-passphrase")
    again = Client().get(link, follow=True).content.decode()
    assert "This link does not work" in again


def test_a_refused_form_keeps_what_was_typed_and_links_each_error_to_its_field(
    admin_client, manager
):
    typed = {**NEW_PERSON, "username": "MANAGER", "email": "not an address"}
    response = admin_client.post(reverse("approvals:person-add"), typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert summary_links(html) == [
        ("id_email", "Enter an email address in the correct format, like name@example.org"),
        ("id_username", "There is already an account with this username"),
    ]
    assert 'value="Nia Okafor"' in html and 'value="not an address"' in html
    assert 'value="MANAGER"' in html
    assert re.search(r'value="publisher"\s+checked', html)
    assert "<title>Error: " in html
    assert not User.objects.filter(email="not an address").exists()
    assert len(mail.outbox) == 0


def test_an_address_already_in_use_is_refused(admin_client, manager):
    response = admin_client.post(
        reverse("approvals:person-add"), {**NEW_PERSON, "email": "MANAGER@example.org"}
    )
    assert ("id_email", "Another account already uses this email address") in summary_links(
        response.content.decode()
    )


# Roles ----------------------------------------------------------------------------------


def test_changing_roles_assigns_and_removes_in_one_event(admin_client, administrator, iam):
    url = reverse("approvals:person-roles", args=[iam.pk])
    page = admin_client.get(url).content.decode()
    assert re.search(r'value="IAM secretariat"\s+checked', page)
    response = admin_client.post(url, {"roles": ["DMPC office", "publisher"]})
    assert response.status_code == 302
    assert set(iam.groups.values_list("name", flat=True)) == {"DMPC office", "publisher"}
    [event] = events(AuditAction.ROLES_CHANGED)
    assert event.actor == administrator and event.case is None
    assert event.details == {
        "user_id": iam.pk,
        "username": "iam",
        "added": ["DMPC office", "publisher"],
        "removed": ["IAM secretariat"],
    }
    assert "roles have been changed" in admin_client.get(response["Location"]).content.decode()


def test_saving_the_same_roles_records_nothing(admin_client, iam):
    admin_client.post(
        reverse("approvals:person-roles", args=[iam.pk]), {"roles": ["IAM secretariat"]}
    )
    assert not events(AuditAction.ROLES_CHANGED)


def test_an_administrator_cannot_remove_their_own_administrator_role(admin_client, administrator):
    url = reverse("approvals:person-roles", args=[administrator.pk])
    response = admin_client.post(url, {"roles": ["publisher"]})
    assert response.status_code == 400
    message = "You cannot remove your own Administrator role. Ask another administrator."
    assert summary_links(response.content.decode()) == [("id_roles_1", message)]
    assert 'id="id_roles_1"' in response.content.decode()
    assert re.search(r'value="publisher"\s+checked', response.content.decode())
    assert set(administrator.groups.values_list("name", flat=True)) == {"administrator"}
    assert not events(AuditAction.ROLES_CHANGED)


def test_another_administrator_can_remove_it(admin_client, administrator):
    other = make_user("other-admin", Role.ADMINISTRATOR)
    admin_client.post(reverse("approvals:person-roles", args=[other.pk]), {"roles": []})
    assert not other.groups.exists()
    assert events(AuditAction.ROLES_CHANGED)[0].details["removed"] == ["administrator"]


def test_only_a_superuser_changes_a_superuser(admin_client):
    root = make_user("root", is_superuser=True)
    response = admin_client.post(reverse("approvals:person-deactivate", args=[root.pk]))
    assert response.status_code == 400
    assert "Only a superuser can change a superuser" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active


# Deactivating and reactivating --------------------------------------------------------------


def test_deactivating_a_leaver_signs_them_out_everywhere_and_is_recorded(
    admin_client, administrator, manager
):
    elsewhere = signed_in(manager)
    assert elsewhere.get("/staff/").status_code == 200
    url = reverse("approvals:person-deactivate", args=[manager.pk])
    confirm = admin_client.get(url).content.decode()
    assert "Are you sure you want to deactivate this account?" in confirm
    manager.refresh_from_db()
    assert manager.is_active  # showing the question changes nothing

    response = admin_client.post(url)
    assert response.status_code == 302
    manager.refresh_from_db()
    assert not manager.is_active
    assert elsewhere.get("/staff/").status_code == 302
    [event] = events(AuditAction.ACCOUNT_CHANGED)
    assert event.actor == administrator
    assert event.details == {
        "user_id": manager.pk,
        "username": "manager",
        "changes": {"is_active": {"from": True, "to": False}},
        "sessions_ended": 1,
    }
    assert "has been deactivated" in admin_client.get(response["Location"]).content.decode()


def test_an_administrator_cannot_deactivate_themselves(admin_client, administrator):
    response = admin_client.post(reverse("approvals:person-deactivate", args=[administrator.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "You cannot deactivate your own account" in html
    administrator.refresh_from_db()
    assert administrator.is_active
    assert not events(AuditAction.ACCOUNT_CHANGED)


def test_reactivating_takes_a_post_and_is_recorded(admin_client, administrator):
    gone = make_user("gone", Role.DMPC, is_active=False)
    url = reverse("approvals:person-reactivate", args=[gone.pk])
    assert admin_client.get(url).status_code == 405
    admin_client.post(url)
    gone.refresh_from_db()
    assert gone.is_active
    [event] = events(AuditAction.ACCOUNT_CHANGED)
    assert event.details["changes"] == {"is_active": {"from": False, "to": True}}
    again = admin_client.post(url, follow=True).content.decode()
    assert "This account is already active." in again
    assert len(events(AuditAction.ACCOUNT_CHANGED)) == 1


# Resetting an authenticator --------------------------------------------------------------------


def test_resetting_an_authenticator_removes_it_and_the_codes_and_signs_them_out(
    admin_client, administrator, manager
):
    TOTPDevice.objects.create(user=manager, name="App", confirmed=True)
    codes = StaticDevice.objects.create(user=manager, name="Codes", confirmed=True)
    StaticToken.objects.create(device=codes, token="abcdefghjk")
    kept = TOTPDevice.objects.create(user=administrator, name="App", confirmed=True)
    elsewhere = signed_in(manager)
    url = reverse("approvals:person-reset-authenticator", args=[manager.pk])
    assert "Are you sure" in admin_client.get(url).content.decode()

    response = admin_client.post(url)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert not StaticDevice.objects.filter(user=manager).exists()
    assert not StaticToken.objects.exists()
    assert TOTPDevice.objects.filter(pk=kept.pk).exists()
    assert elsewhere.get("/staff/").status_code == 302
    [event] = events(AuditAction.AUTHENTICATOR_RESET)
    assert event.actor == administrator
    assert event.details["user_id"] == manager.pk
    assert event.details["sessions_ended"] == 1
    assert event.details["authenticator_apps"] == 1


def test_there_is_nothing_to_reset_without_an_authenticator(admin_client, manager):
    response = admin_client.post(reverse("approvals:person-reset-authenticator", args=[manager.pk]))
    assert response.status_code == 400
    assert "has not set up an authenticator app" in response.content.decode()
    assert not events(AuditAction.AUTHENTICATOR_RESET)


def test_an_administrator_cannot_reset_their_own_authenticator(admin_client, administrator):
    TOTPDevice.objects.create(user=administrator, name="App", confirmed=True)
    url = reverse("approvals:person-reset-authenticator", args=[administrator.pk])
    assert admin_client.post(url).status_code == 400
    assert TOTPDevice.objects.filter(user=administrator).exists()


# An account's history -------------------------------------------------------------------------


def test_an_accounts_page_lists_its_history_from_the_audit_trail(admin_client, iam):
    admin_client.post(reverse("approvals:person-roles", args=[iam.pk]), {"roles": ["publisher"]})
    admin_client.post(reverse("approvals:person-deactivate", args=[iam.pk]))
    other = make_user("bystander", Role.DMPC)
    html = admin_client.get(reverse("approvals:person", args=[iam.pk])).content.decode()
    history = re.sub(r"\s+", " ", html.split('<h2 class="govuk-heading-l">History</h2>', 1)[1])
    rows = history.split('<tr class="govuk-table__row">')[2:]
    assert len(rows) == 3  # created, roles changed, deactivated; newest first
    assert "Account changed" in rows[0] and "Active: yes to no" in rows[0]
    assert "Administrator" in rows[0]  # the actor's name
    assert "Roles changed" in rows[1]
    assert "Added: Publisher" in rows[1] and "Removed: IAM secretariat" in rows[1]
    assert "Account created" in rows[2] and "System" in rows[2]
    assert other.username not in history
    assert verify_chain().intact


def test_an_unknown_account_is_not_found(admin_client):
    assert admin_client.get(reverse("approvals:person", args=[99999])).status_code == 404
