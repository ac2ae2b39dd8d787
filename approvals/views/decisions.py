"""Submission, withdrawal and the DMPC's decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from approvals import services
from approvals.clearance import clearance_status
from approvals.forms import DecisionForm, ReasonsForm
from approvals.views import forbid_unless_role
from approvals.workflow import DECISION_STEPS, CaseChanged, WorkflowError, refusal
from grants.models import GrantCase
from grants.permissions import get_case_for_user
from grants.presentation import report_context
from grants.rate_card.services import card_for_case
from grants.reconciliation import reconcile_case


def _case_changed(request, case, error: CaseChanged):
    messages.error(request, str(error))
    return redirect("grants:report", case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, pk):
    case = get_case_for_user(request.user, pk, queryset=GrantCase.objects.with_contents())
    forbid_unless_role(request.user, "submit")
    figures = reconcile_case(case, rate_card=card_for_case(case))
    error = None
    if request.method == "POST":
        try:
            version = services.submit(case, by=request.user)
        except CaseChanged as changed:
            return _case_changed(request, case, changed)
        except WorkflowError as refused:
            error = str(refused)
        else:
            messages.success(
                request, f"Version {version.number} of the case has been submitted for IAM review."
            )
            return redirect("grants:report", case.pk)
    return render(
        request,
        "approvals/submit.html",
        {"case": case, "figures": figures, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    case = get_case_for_user(request.user, pk)
    forbid_unless_role(request.user, "withdraw")
    form = ReasonsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(case, by=request.user, reasons=form.cleaned_data["reasons"])
        except CaseChanged as changed:
            return _case_changed(request, case, changed)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "The case has been withdrawn.")
            return redirect("grants:report", case.pk)
    return render(request, "approvals/withdraw.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, pk):
    """The DMPC's decision page: the exact version, its clearance, IAM's outcome and the
    findings, then the signed decision."""
    case = get_case_for_user(request.user, pk, queryset=GrantCase.objects.with_contents())
    forbid_unless_role(request.user, "approve")
    refused = [refusal(request.user, name, case) for name in DECISION_STEPS]
    if all(isinstance(error, CaseChanged) for error in refused):
        messages.error(request, str(refused[0]))
        return redirect("grants:report", case.pk)
    version = case.current_version()

    form = DecisionForm(
        request.POST or None,
        initial={"seen_version": version.number},
        recommendations=version.document["recommendations"],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = data["outcome"]
        try:
            decision = services.decide(
                case,
                by=request.user,
                outcome=outcome,
                password=data["password"],
                reasons=data["reasons"],
                alternatives_considered=form.alternatives_text if outcome != "return" else "",
                no_alternatives=form.no_alternatives,
                interests_declared=data["interests_declared"],
                interests=data["interests"],
                approved=form.approved if outcome == "approve" else None,
                seen_version=data["seen_version"],
            )
        except CaseChanged as changed:
            return _case_changed(request, case, changed)
        except services.SignatureRefused as refused:
            form.add_error("password", str(refused))
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            if decision is None:
                messages.success(request, "The case has been returned to its grants manager.")
            else:
                outcome = decision.get_outcome_display().lower()
                messages.success(request, f"Decision {decision.reference} signed: {outcome}.")
            return redirect("grants:report", case.pk)

    iam = version.iam_advice()
    return render(
        request,
        "approvals/decide.html",
        {
            "case": case,
            "version": version,
            "form": form,
            "figures": reconcile_case(case, rate_card=card_for_case(case)),
            "clearance": clearance_status(version),
            "iam": iam,
            "show_pounds": False,
            **report_context(version.document),
        },
        status=400 if form.errors else 200,
    )
