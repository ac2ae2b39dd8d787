"""Staff roles. Each role is a Django group of the same name, created by a data migration."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    GRANTS_MANAGER = "grants manager", "Grants manager"
    IAM_SECRETARIAT = "IAM secretariat", "IAM secretariat"
    FINANCE_ADVISER = "finance adviser", "Finance adviser"
    LEGAL_ADVISER = "legal adviser", "Legal adviser"
    EQUALITIES_ADVISER = "equalities adviser", "Equalities adviser"
    PRIVACY_ADVISER = "privacy adviser", "Privacy adviser"
    DMPC_OFFICE = "DMPC office", "DMPC office"
    DMPC = "DMPC", "Deputy Mayor for Policing and Crime"
    PUBLISHER = "publisher", "Publisher"
    # Manages staff accounts: who may sign in, and with which roles.
    ADMINISTRATOR = "administrator", "Administrator"


def roles_of(user) -> set[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return user._role_names


def has_role(user, role: Role) -> bool:
    return role.value in roles_of(user)


def ensure_role_groups() -> None:
    """Create any missing role group (the data migration makes them; a flushed test
    database or a hand-cleared table may not have them)."""
    from django.contrib.auth.models import Group

    existing = set(Group.objects.filter(name__in=Role.values).values_list("name", flat=True))
    Group.objects.bulk_create(Group(name=name) for name in Role.values if name not in existing)


def role_required(roles, refusal: str):
    """Signed-in users holding one of `roles`; anyone else signed in gets 403 with
    `refusal`, and a visitor who is not signed in is sent to sign in."""
    wanted = {getattr(role, "value", role) for role in roles}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not roles_of(request.user) & wanted:
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
