"""Clearance: each adviser signs off their own area of the version the DMPC will decide,
then the DMPC office marks the case ready for decision. Anyone who can see a case can see
its clearance; the actions go through approvals.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from approvals import services
from approvals.accounts.roles import has_role
from approvals.clearance import clearance_status
from approvals.forms import MarkReadyForm, SignOffForm
from approvals.models import ClearanceArea
from approvals.services import CaseChanged, WorkflowError
from approvals.workflow import (
    READY_ROLES,
    SIGN_OFF_ROLES,
    SIGN_OFF_STATES,
    guard_did_not_edit,
    has_any_role,
)
from grants.permissions import get_case_for_user
from grants.views.pages import posted_data

AREAS_BY_SLUG = {area.value: area for area in ClearanceArea}


@login_required
@require_safe
def clearance(request, pk):
    case = get_case_for_user(request.user, pk)
    version = services.current_version(case)
    statuses = clearance_status(version)
    outstanding = [status for status in statuses if not status.signed]
    open_for_sign_off = version is not None and case.state in SIGN_OFF_STATES

    # The areas this person could sign off now; if they changed this version, why not.
    own_areas = [
        status
        for status in outstanding
        if open_for_sign_off and has_role(request.user, SIGN_OFF_ROLES[status.area])
    ]
    edited = guard_did_not_edit(case, request.user, version) if own_areas else None

    may_mark_ready = (
        open_for_sign_off
        and case.ready_for_decision_at is None
        and has_any_role(request.user, READY_ROLES)
    )
    ready_form = None
    if may_mark_ready and not outstanding:
        ready_form = MarkReadyForm(initial={"seen_version": version.number})
    return render(
        request,
        "approvals/clearance/clearance.html",
        {
            "case": case,
            "version": version,
            "clearance": statuses,
            "outstanding": outstanding,
            "open_for_sign_off": open_for_sign_off,
            "own_areas": own_areas,
            "edited": edited,
            "may_mark_ready": may_mark_ready,
            "ready_form": ready_form,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sign_off(request, pk, area):
    case = get_case_for_user(request.user, pk)
    area = AREAS_BY_SLUG.get(area)
    if area is None:
        raise Http404("No such clearance area")
    role = SIGN_OFF_ROLES[area]
    if not has_role(request.user, role):
        raise PermissionDenied(f"Only a {role.label.lower()} can sign off {area.label.lower()}.")
    version = services.current_version(case)

    refusal = None
    if request.method != "POST":
        # Nothing to do here: say why on the clearance page. A POST goes to the service,
        # whose refusal is the authoritative one.
        if version is None or case.state not in SIGN_OFF_STATES:
            messages.warning(
                request,
                f"‘{case.title}’ is not waiting for advisers’ sign-off (it is "
                f"‘{case.get_state_display()}’).",
            )
            return redirect("approvals:clearance", case.pk)
        if not any(s.area == area and not s.signed for s in clearance_status(version)):
            messages.warning(
                request,
                f"{area.label} is already signed off for version {version.number}.",
            )
            return redirect("approvals:clearance", case.pk)
        refusal = guard_did_not_edit(case, request.user, version)

    form = SignOffForm(
        posted_data(request),
        initial={"seen_version": version.number if version else 0},
        area_label=area.label,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_off(
                case,
                by=request.user,
                area=area,
                advice=form.cleaned_data["advice"],
                seen_version=form.cleaned_data["seen_version"],
            )
        except CaseChanged as changed:
            messages.warning(request, str(changed))
            return redirect("approvals:clearance", case.pk)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"You have signed off {area.label.lower()} for version {version.number}.",
            )
            return redirect("approvals:clearance", case.pk)
    return render(
        request,
        "approvals/clearance/sign_off.html",
        {"case": case, "version": version, "area": area, "form": form, "refusal": refusal},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def mark_ready(request, pk):
    case = get_case_for_user(request.user, pk)
    if not has_any_role(request.user, READY_ROLES):
        raise PermissionDenied("Only the DMPC office marks cases ready for decision.")
    form = MarkReadyForm(request.POST)
    form.is_valid()  # its one field makes a version number (0 if mangled) of anything
    try:
        services.mark_ready(case, by=request.user, seen_version=form.cleaned_data["seen_version"])
    except CaseChanged as changed:
        messages.warning(request, str(changed))
    except WorkflowError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "The case is marked ready for the DMPC’s decision.")
    return redirect("approvals:clearance", case.pk)
