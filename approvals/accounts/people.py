"""Staff account pages for administrators: the list of accounts, adding a member of
staff, changing someone's roles, deactivating and reactivating an account, resetting
someone's authenticator app, and each account's history from the audit trail."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.accounts import administration
from approvals.accounts.administration import AccountError, administrator_required, display_name
from approvals.accounts.events import account_history
from approvals.accounts.people_forms import AddPersonForm, RolesForm
from approvals.accounts.roles import Role
from approvals.models import AuditAction

User = get_user_model()

ROLE_LABELS = dict(Role.choices)
FLAG_LABELS = {
    "is_active": "Active",
    "is_staff": "Django admin access",
    "is_superuser": "Superuser",
}


def _accounts():
    return User._default_manager.annotate(
        has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    ).prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))


def _role_labels(person) -> list[str]:
    return [ROLE_LABELS.get(group.name, group.name) for group in person.groups.all()]


def _person(pk: int):
    return get_object_or_404(_accounts(), pk=pk)


@administrator_required
@require_safe
def person_list(request):
    people = _accounts().order_by("-is_active", "first_name", "last_name", "username")
    return render(
        request,
        "approvals/people/list.html",
        {"people": [(person, _role_labels(person)) for person in people]},
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def person_add(request):
    # An empty post is still a post: unticking every role must not show the form afresh.
    form = AddPersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = administration.add_member_of_staff(
            username=data["username"],
            full_name=data["full_name"],
            email=data["email"],
            roles=data["roles"],
            by=request.user,
        )
        messages.success(
            request,
            f"{display_name(person)} has been added. We have emailed them a link to set "
            "their password.",
        )
        return redirect("approvals:person", person.pk)
    return render(
        request,
        "approvals/people/add.html",
        {"form": form, "link_hours": administration.link_hours()},
        status=400 if form.errors else 200,
    )


@administrator_required
@require_safe
def person_detail(request, pk):
    person = _person(pk)
    return render(
        request,
        "approvals/people/detail.html",
        {
            "person": person,
            "name": display_name(person),
            "roles": _role_labels(person),
            "is_self": person.pk == request.user.pk,
            "history": [(event, describe(event)) for event in account_history(person)],
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def person_roles(request, pk):
    person = _person(pk)
    held = [group.name for group in person.groups.all() if group.name in ROLE_LABELS]
    form = RolesForm(request.POST if request.method == "POST" else None, initial={"roles": held})
    if request.method == "POST" and form.is_valid():
        try:
            added, removed = administration.change_roles(
                person, roles=form.cleaned_data["roles"], by=request.user
            )
        except AccountError as refused:
            form.add_error("roles", str(refused))
        else:
            if added or removed:
                messages.success(request, f"{display_name(person)}'s roles have been changed.")
            else:
                messages.info(request, f"{display_name(person)}'s roles are unchanged.")
            return redirect("approvals:person", person.pk)
    return render(
        request,
        "approvals/people/roles.html",
        {"person": person, "name": display_name(person), "form": form},
        status=400 if form.errors else 200,
    )


def _confirm(request, pk, *, template: str, action, success: str):
    """A confirmation page for an action that takes something away, and the action."""
    person = _person(pk)
    refusal = None
    if request.method == "POST":
        try:
            action(person, by=request.user)
        except AccountError as refused:
            refusal = str(refused)
        else:
            messages.success(request, success.format(name=display_name(person)))
            return redirect("approvals:person", person.pk)
    return render(
        request,
        template,
        {"person": person, "name": display_name(person), "refusal": refusal},
        status=400 if refusal else 200,
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def person_deactivate(request, pk):
    return _confirm(
        request,
        pk,
        template="approvals/people/deactivate.html",
        action=administration.deactivate,
        success="{name}'s account has been deactivated and they have been signed out.",
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def person_reset_authenticator(request, pk):
    return _confirm(
        request,
        pk,
        template="approvals/people/reset_authenticator.html",
        action=administration.reset_authenticator,
        success="{name}'s authenticator app has been removed. They will set up a new one "
        "when they next sign in.",
    )


@administrator_required
@require_POST
def person_reactivate(request, pk):
    person = _person(pk)
    try:
        administration.reactivate(person, by=request.user)
    except AccountError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{display_name(person)}'s account has been reactivated.")
    return redirect("approvals:person", person.pk)


# An account's history ---------------------------------------------------------------------


def _yes_no(value) -> str:
    return "yes" if value else "no"


def _roles(names) -> str:
    return ", ".join(ROLE_LABELS.get(name, name) for name in names) or "none"


def describe(event) -> list[str]:
    """What an account event changed, in a line or two a person can read."""
    details = event.details
    if event.action == AuditAction.ACCOUNT_CREATED:
        lines = [f"Roles: {_roles(details.get('roles', []))}"]
        lines += [
            f"{FLAG_LABELS[flag]}: yes"
            for flag in ("is_staff", "is_superuser")
            if details.get(flag)
        ]
        if details.get("is_active") is False:
            lines.append("Active: no")
        return lines
    if event.action == AuditAction.ROLES_CHANGED:
        lines = []
        if details.get("added"):
            lines.append(f"Added: {_roles(details['added'])}")
        if details.get("removed"):
            lines.append(f"Removed: {_roles(details['removed'])}")
        return lines
    if event.action == AuditAction.ACCOUNT_CHANGED:
        return [
            f"{FLAG_LABELS.get(flag, flag)}: {_yes_no(change['from'])} to {_yes_no(change['to'])}"
            for flag, change in sorted(details.get("changes", {}).items())
        ]
    if event.action == AuditAction.AUTHENTICATOR_RESET:
        return ["Authenticator app and recovery codes removed; signed out everywhere"]
    return []


urlpatterns = [
    path("accounts/", person_list, name="people"),
    path("accounts/new/", person_add, name="person-add"),
    path("accounts/<int:pk>/", person_detail, name="person"),
    path("accounts/<int:pk>/roles/", person_roles, name="person-roles"),
    path("accounts/<int:pk>/deactivate/", person_deactivate, name="person-deactivate"),
    path("accounts/<int:pk>/reactivate/", person_reactivate, name="person-reactivate"),
    path(
        "accounts/<int:pk>/reset-authenticator/",
        person_reset_authenticator,
        name="person-reset-authenticator",
    ),
]
