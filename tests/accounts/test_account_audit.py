"""Changes to accounts made anywhere, not only on the administrators' pages, are audit
events: in code, by management commands and in Django's admin."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from approvals.accounts.events import ActorMiddleware, account_history
from approvals.accounts.roles import Role
from approvals.audit import verify_chain
from approvals.models import AuditAction, AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=since).order_by("sequence"))


def head() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def group(role: Role) -> Group:
    return Group.objects.get(name=role.value)


def test_a_test_persona_is_one_account_created_event_with_its_roles():
    user = make_user("someone", Role.DMPC, Role.PUBLISHER)
    [event] = AuditEvent.objects.all()
    assert event.action == AuditAction.ACCOUNT_CREATED
    assert event.actor is None and event.actor_name == "System" and event.case is None
    assert event.details == {
        "user_id": user.pk,
        "username": "someone",
        "roles": ["DMPC", "publisher"],
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
    }


def test_adding_and_removing_groups_in_code_is_recorded(manager):
    start = head()
    manager.groups.add(group(Role.DMPC), group(Role.PUBLISHER))
    manager.groups.remove(group(Role.GRANTS_MANAGER))
    manager.groups.remove(group(Role.IAM_SECRETARIAT))  # not held: nothing happens
    added, removed = new_events(start)
    assert added.action == removed.action == AuditAction.ROLES_CHANGED
    assert (added.details["added"], added.details["removed"]) == (["DMPC", "publisher"], [])
    assert (removed.details["added"], removed.details["removed"]) == ([], ["grants manager"])
    assert added.details["user_id"] == manager.pk


def test_changes_from_the_groups_side_and_clearing_are_recorded(manager, iam):
    start = head()
    group(Role.DMPC).user_set.add(manager, iam)
    iam.groups.clear()
    events = new_events(start)
    assert [(e.details["username"], e.details["added"], e.details["removed"]) for e in events] == [
        ("manager", ["DMPC"], []),
        ("iam", ["DMPC"], []),
        ("iam", [], ["DMPC", "IAM secretariat"]),
    ]


def test_flags_changed_in_code_are_recorded_from_what_to_what(manager):
    start = head()
    manager.is_superuser = True
    manager.is_staff = True
    manager.save()
    [event] = new_events(start)
    assert event.action == AuditAction.ACCOUNT_CHANGED
    assert event.details["changes"] == {
        "is_staff": {"from": False, "to": True},
        "is_superuser": {"from": False, "to": True},
    }


def test_saves_that_change_no_flag_record_nothing(manager, client):
    start = head()
    manager.first_name = "Renamed"
    manager.save()
    manager.set_password("another-long-password")
    manager.save()
    client.force_login(manager)  # saves last_login
    assert new_events(start) == []


def test_createsuperuser_is_recorded(monkeypatch):
    call_command("createsuperuser", interactive=False, username="root", email="root@example.org")
    root = User.objects.get(username="root")
    [event] = account_history(root)
    assert event.action == AuditAction.ACCOUNT_CREATED
    assert event.details["is_superuser"] is True and event.details["is_staff"] is True
    assert event.actor_name == "System"


def test_a_change_rolled_back_leaves_no_event(manager):
    start = head()
    with pytest.raises(RuntimeError), transaction.atomic():
        manager.groups.add(group(Role.DMPC))
        raise RuntimeError("the change fails")
    assert new_events(start) == []
    assert not manager.groups.filter(name="DMPC").exists()


def test_the_signed_in_user_of_a_request_is_the_actor(manager, iam):
    def view(request):
        iam.groups.add(group(Role.PUBLISHER))
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = manager
    start = head()
    ActorMiddleware(view)(request)
    [event] = new_events(start)
    assert event.actor == manager and event.actor_name == "Manager"
    # Once the request is over, nobody is acting.
    iam.groups.add(group(Role.DMPC))
    assert new_events(event.sequence)[0].actor is None


def admin_change_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [g.pk for g in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_changes_in_djangos_admin_are_recorded_with_the_administrator_as_actor(iam):
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    start = head()
    url = reverse("admin:auth_user_change", args=[iam.pk])
    response = client.post(
        url,
        admin_change_form(
            iam, is_staff="on", groups=[group(Role.DMPC).pk, group(Role.PUBLISHER).pk]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    changed, roles = new_events(start)
    assert changed.action == AuditAction.ACCOUNT_CHANGED and changed.actor == root
    assert changed.details["changes"] == {"is_staff": {"from": False, "to": True}}
    # The groups box is one change of roles, not a removal and an addition.
    assert roles.action == AuditAction.ROLES_CHANGED and roles.actor == root
    assert roles.details["added"] == ["DMPC", "publisher"]
    assert roles.details["removed"] == ["IAM secretariat"]
    assert verify_chain().intact


def test_adding_a_user_in_djangos_admin_is_recorded(db):
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    [event] = account_history(User.objects.get(username="newcomer"))
    assert event.action == AuditAction.ACCOUNT_CREATED and event.actor == root


@pytest.mark.django_db(transaction=True)
def test_a_change_made_outside_any_transaction_gets_its_event_straight_after():
    user = User.objects.create_user("loose")
    user.is_active = False
    user.save()
    assert [e.action for e in account_history(user)] == [
        AuditAction.ACCOUNT_CHANGED,
        AuditAction.ACCOUNT_CREATED,
    ]
    assert verify_chain().intact
