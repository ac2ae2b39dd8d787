"""Managing staff accounts: one function per action an administrator takes.

Each checks who is acting and on whom, makes its change inside a transaction with the
account's row locked, and writes one audit event saying the whole of the change (the
signals of approvals.accounts.signals stay quiet meanwhile). Nobody may take away their
own Administrator role or deactivate themselves, so that someone can always administer.
"""

from functools import partial, wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.accounts.events import FLAGS, record_account_event, recorded_by_caller
from approvals.accounts.roles import Role, has_role
from approvals.accounts.sessions import sign_out_everywhere
from approvals.models import AuditAction

User = get_user_model()

NOT_AN_ADMINISTRATOR = "Only an administrator can manage staff accounts."


class AccountError(Exception):
    """An administrator's action refused, with a message a person can read."""


def is_administrator(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or has_role(user, Role.ADMINISTRATOR))
    )


def administrator_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_administrator(request.user):
            raise PermissionDenied(NOT_AN_ADMINISTRATOR)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _check_may_change(person, by) -> None:
    # An administrator's role gives no power over superusers, who can do anything.
    if person.is_superuser and not by.is_superuser:
        raise AccountError("Only a superuser can change a superuser's account.")


def _locked(person):
    return User._default_manager.select_for_update().get(pk=person.pk)


def _role_names(person) -> set[str]:
    return set(person.groups.filter(name__in=Role.values).values_list("name", flat=True))


def create_account(
    *,
    username: str,
    by,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles=(),
    password: str | None = None,
    **flags,
):
    """A new account holding `roles`, recorded as one event. Without a password, it has
    none that works until its holder sets one."""
    names = sorted(getattr(role, "value", role) for role in roles)
    with transaction.atomic(), recorded_by_caller():
        person = User._default_manager.create_user(
            username, email, password, first_name=first_name, last_name=last_name, **flags
        )
        person.groups.set(Group.objects.filter(name__in=names))
        record_account_event(
            AuditAction.ACCOUNT_CREATED,
            person,
            actor=by,
            roles=names,
            **{flag: getattr(person, flag) for flag in FLAGS},
        )
    return person


def add_member_of_staff(*, username: str, full_name: str, email: str, roles, by):
    """A new member of staff, who is emailed a single-use link to set their password."""
    with transaction.atomic():
        # A person's whole name, as they write it: names do not split reliably into
        # Django's first and last names.
        person = create_account(
            username=username, email=email, first_name=full_name, roles=roles, by=by
        )
        transaction.on_commit(partial(send_password_link, person, new_account=True))
    return person


def send_password_link(person, *, new_account: bool = False) -> None:
    """Email the person a link to set a password, made with Django's password-reset
    tokens: it stops working once used (the password it sets changes the token) or after
    PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    context = {
        "person": person,
        "link": f"{settings.SITE_URL}{path}",
        "hours": link_hours(),
        "service_name": settings.SERVICE_NAME,
        "new_account": new_account,
    }
    subject = f"Your {settings.SERVICE_NAME} account: set your password"
    body = render_to_string("registration/new_account_email.txt", context)
    send_mail(subject, body, None, [person.email])


def link_hours() -> int:
    """How long a link to set a password works, in whole hours."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def change_roles(person, *, roles, by) -> tuple[list[str], list[str]]:
    """Give the person exactly these roles; return the role names added and removed."""
    wanted = {getattr(role, "value", role) for role in roles}
    with transaction.atomic():
        person = _locked(person)
        _check_may_change(person, by)
        held = _role_names(person)
        added, removed = sorted(wanted - held), sorted(held - wanted)
        if person.pk == by.pk and Role.ADMINISTRATOR.value in removed:
            raise AccountError(
                "You cannot remove your own Administrator role. Ask another administrator."
            )
        if not added and not removed:
            return [], []
        with recorded_by_caller():
            person.groups.remove(*Group.objects.filter(name__in=removed))
            person.groups.add(*Group.objects.filter(name__in=added))
        record_account_event(
            AuditAction.ROLES_CHANGED, person, actor=by, added=added, removed=removed
        )
    return added, removed


def _set_active(person, *, active: bool, by) -> int:
    with transaction.atomic():
        person = _locked(person)
        _check_may_change(person, by)
        if person.is_active == active:
            state = "active" if active else "deactivated"
            raise AccountError(f"This account is already {state}.")
        person.is_active = active
        with recorded_by_caller():
            person.save(update_fields=["is_active"])
        ended = 0 if active else sign_out_everywhere({person.pk})
        record_account_event(
            AuditAction.ACCOUNT_CHANGED,
            person,
            actor=by,
            changes={"is_active": {"from": not active, "to": active}},
            **({} if active else {"sessions_ended": ended}),
        )
    return ended


def deactivate(person, *, by) -> int:
    """Switch a leaver's account off and end their sessions; return how many ended."""
    if person.pk == by.pk:
        raise AccountError("You cannot deactivate your own account. Ask another administrator.")
    return _set_active(person, active=False, by=by)


def reactivate(person, *, by) -> None:
    _set_active(person, active=True, by=by)


def reset_authenticator(person, *, by) -> None:
    """Remove the person's authenticator app and recovery codes and end their sessions, so
    that they set up an authenticator again when they next sign in."""
    if person.pk == by.pk:
        raise AccountError("You cannot reset your own sign-in here. Ask another administrator.")
    with transaction.atomic():
        person = _locked(person)
        _check_may_change(person, by)
        apps = TOTPDevice.objects.filter(user=person)
        codes = StaticDevice.objects.filter(user=person)
        if not apps.filter(confirmed=True).exists() and not codes.exists():
            raise AccountError(
                f"{display_name(person)} has not set up an authenticator app: "
                "there is nothing to reset."
            )
        removed = {"authenticator_apps": apps.count(), "recovery_code_sets": codes.count()}
        apps.delete()
        codes.delete()
        ended = sign_out_everywhere({person.pk})
        record_account_event(
            AuditAction.AUTHENTICATOR_RESET, person, actor=by, sessions_ended=ended, **removed
        )


def display_name(person) -> str:
    return person.get_full_name() or person.get_username()
