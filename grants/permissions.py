"""Who may see and change grant cases. Views fetch cases only through these helpers.

A grants manager sees the cases they own or collaborate on. Every other role sees a
case once it has left draft. A case someone may not see answers 404, never 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from approvals.accounts.roles import Role, has_role, roles_of
from grants.models import CaseState, GrantCase

REVIEWING_ROLES = {role.value for role in Role} - {Role.GRANTS_MANAGER.value}


def cases_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = GrantCase.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    visible = Q(owner=user) | Q(collaborators=user)
    if roles_of(user) & REVIEWING_ROLES:
        visible |= ~Q(state=CaseState.DRAFT)
    # A case with several collaborators would appear once per join row without the subquery.
    return queryset.filter(pk__in=GrantCase.objects.filter(visible).values("pk"))


def get_case_for_user(user, pk: int, queryset: QuerySet | None = None) -> GrantCase:
    try:
        return cases_visible_to(user, queryset).get(pk=pk)
    except GrantCase.DoesNotExist:
        raise Http404("No such case") from None


def is_case_editor(user, case: GrantCase) -> bool:
    """The case's owner or a collaborator, holding the grants manager role."""
    if not has_role(user, Role.GRANTS_MANAGER):
        return False
    if case.owner_id == user.pk:
        return True
    if "collaborators" in getattr(case, "_prefetched_objects_cache", {}):
        return any(person.pk == user.pk for person in case.collaborators.all())
    return case.collaborators.filter(pk=user.pk).exists()


def can_edit_case(user, case: GrantCase) -> tuple[bool, str]:
    if not is_case_editor(user, case):
        return False, "Only the case’s grants managers can change it."
    if case.state != CaseState.DRAFT:
        return False, (
            f"This case is {case.state_phrase}. It can only be changed "
            "after it is returned to draft."
        )
    return True, ""


def get_case_for_editing(user, pk: int, queryset: QuerySet | None = None) -> GrantCase:
    """The case, if the user may change it: 404 if they cannot see it, 403 if they may
    see it but not change it."""
    case = get_case_for_user(user, pk, queryset)
    allowed, reason = can_edit_case(user, case)
    if not allowed:
        raise PermissionDenied(reason)
    return case


def can_create_case(user) -> bool:
    return has_role(user, Role.GRANTS_MANAGER)
