"""Clearance: each adviser signs off their own area of the version the DMPC will decide,
then the DMPC office marks the case ready for decision. Anyone who can see a case can see
its clearance; the actions go through approvals.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from approvals import history, services
from approvals.clearance import clearance_status
from approvals.forms import MarkReadyForm, OfficeReturnForm, SignOffForm
from approvals.models import ClearanceArea
from approvals.views import forbid_unless_role
from approvals.workflow import (
    STEPS,
    CaseChanged,
    CaseFacts,
    WorkflowError,
    can,
    holds_role_for,
    refusal,
    sign_off_step,
)
from grants.permissions import get_case_for_user
from grants.views.pages import posted_data

AREAS_BY_SLUG = {area.value: area for area in ClearanceArea}


@login_required
@require_safe
def clearance(request, pk):
    case = get_case_for_user(request.user, pk)
    facts = CaseFacts(case)
    version = facts.version
    statuses = clearance_status(version)
    outstanding = [status for status in statuses if not status.signed]
    open_for_sign_off = version is not None and case.state in STEPS["mark_ready"].states

    # The areas this person could sign off now; if they may not (they changed this
    # version), why not.
    own_areas = [
        status
        for status in outstanding
        if open_for_sign_off and holds_role_for(request.user, STEPS[sign_off_step(status.area)])
    ]
    edited = can(request.user, sign_off_step(own_areas[0].area), case, facts) if own_areas else None

    may_mark_ready = (
        open_for_sign_off
        and case.ready_for_decision_at is None
        and holds_role_for(request.user, STEPS["mark_ready"])
    )
    ready_form = None
    if can(request.user, "mark_ready", case, facts) is None:
        ready_form = MarkReadyForm(initial={"seen_version": version.number})
    return_form = None
    if can(request.user, "office_return", case, facts) is None:
        return_form = OfficeReturnForm(initial={"seen_version": version.number})
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
            "return_form": return_form,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sign_off(request, pk, area):
    case = get_case_for_user(request.user, pk)
    area = AREAS_BY_SLUG.get(area)
    if area is None:
        raise Http404("No such clearance area")
    step = sign_off_step(area)
    forbid_unless_role(request.user, step)
    facts = CaseFacts(case)
    version = facts.version
    error = refusal(request.user, step, case, facts)

    refusal_text = None
    if request.method != "POST" and error is not None:
        # Nothing to do here: say why. A POST goes to the service, whose answer is the
        # same question asked again on the locked case.
        if isinstance(error, CaseChanged):
            messages.warning(request, str(error))
            return redirect("approvals:clearance", case.pk)
        refusal_text = str(error)

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
                advice=form.text,
                outcome=form.cleaned_data["outcome"],
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
        {
            "case": case,
            "version": version,
            "area": area,
            "form": form,
            "refusal": refusal_text,
            "since": history.changes_since_cleared(version, area) if version else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def mark_ready(request, pk):
    case = get_case_for_user(request.user, pk)
    forbid_unless_role(request.user, "mark_ready")
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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def office_return(request, pk):
    """The DMPC office returns a case an adviser did not clear, with its reasons."""
    case = get_case_for_user(request.user, pk)
    forbid_unless_role(request.user, "office_return")
    facts = CaseFacts(case)
    version = facts.version
    form = OfficeReturnForm(
        posted_data(request), initial={"seen_version": version.number if version else 0}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.office_return(
                case,
                by=request.user,
                reasons=form.cleaned_data["reasons"],
                sections=form.cleaned_data["sections"],
                seen_version=form.cleaned_data["seen_version"],
            )
        except CaseChanged as changed:
            messages.warning(request, str(changed))
            return redirect("approvals:clearance", case.pk)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            # A draft is its grants managers' alone: the office goes back to its work.
            messages.success(
                request, f"“{case.title}” is returned to its grants managers for changes."
            )
            return redirect("staff-home")
    return render(
        request,
        "approvals/clearance/office_return.html",
        {"case": case, "version": version, "form": form},
        status=400 if form.errors else 200,
    )
