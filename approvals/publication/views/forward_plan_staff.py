"""The DMPC office's pages for keeping the forward plan: every live case with or without
an entry, an entry's form, and taking an entry off. The services in approvals.forward_plan
decide; these pages show their answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from approvals import forward_plan as plan_services
from approvals.forms import ForwardPlanForm
from approvals.models import ForwardPlanEntry
from approvals.views import forbid_unless_role
from approvals.workflow import CaseChanged, WorkflowError, can
from grants.permissions import cases_visible_to


@require_safe
@login_required
def plan(request):
    forbid_unless_role(request.user, "plan_decision")
    entries = list(ForwardPlanEntry.objects.on_plan().select_related("case", "added_by"))
    visible = set(
        cases_visible_to(request.user)
        .filter(pk__in=[entry.case_id for entry in entries])
        .values_list("pk", flat=True)
    )
    for entry in entries:
        entry.case_visible = entry.case_id in visible
        entry.may_change = can(request.user, "plan_decision", entry.case) is None
    return render(
        request,
        "approvals/forward_plan/list.html",
        {"entries": entries, "unplanned": list(plan_services.unplanned_cases(request.user))},
    )


def _initial(case, entry) -> dict:
    if entry is not None:
        return {
            "title": entry.title,
            "funders": entry.funders,
            "needed_by_month": entry.needed_by.month,
            "needed_by_year": entry.needed_by.year,
        }
    needed_by = case.needed_by
    return {
        "title": case.title,
        "funders": plan_services.offered_funders(case),
        "needed_by_month": needed_by.month if needed_by else "",
        "needed_by_year": needed_by.year if needed_by else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_entry(request, pk):
    forbid_unless_role(request.user, "plan_decision")
    case = plan_services.case_for_planning(request.user, pk)
    entry = ForwardPlanEntry.objects.filter(case=case).select_related("added_by").first()
    funders = plan_services.offered_funders(case)
    form = ForwardPlanForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(case, entry),
        funders=funders,
    )
    refused = can(request.user, "plan_decision", case)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_decision(
                case,
                by=request.user,
                title=form.cleaned_data["title"],
                funders=form.cleaned_data["funders"],
                needed_by=form.cleaned_data["needed_by"],
            )
        except CaseChanged as changed:
            messages.error(request, str(changed))
            return redirect("approvals:plan")
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            done = "changed" if entry else "added to the forward plan"
            messages.success(request, f"The entry ‘{form.cleaned_data['title']}’ has been {done}.")
            return redirect("approvals:plan")
    return render(
        request,
        "approvals/forward_plan/entry.html",
        {
            "case": case,
            "entry": entry,
            "form": form,
            "offered": funders,
            "refused": refused,
            "this_year": timezone.localdate().year,
            "may_remove": entry is not None and can(request.user, "unplan_decision", case) is None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def take_off(request, pk):
    forbid_unless_role(request.user, "unplan_decision")
    case = plan_services.case_for_planning(request.user, pk)
    entry = ForwardPlanEntry.objects.filter(case=case).first()
    error = None
    if request.method == "POST":
        try:
            plan_services.take_off_plan(case, by=request.user)
        except WorkflowError as refused:
            error = str(refused)
        else:
            messages.success(request, f"‘{entry.title}’ has been taken off the forward plan.")
            return redirect("approvals:plan")
    else:
        error = can(request.user, "unplan_decision", case)
    return render(
        request,
        "approvals/forward_plan/remove.html",
        {"case": case, "entry": None if error else entry, "error": error},
        status=400 if error and request.method == "POST" else 200,
    )
