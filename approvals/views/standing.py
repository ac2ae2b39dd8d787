"""Offers accepted under a standing authority, and a case's links to earlier decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from approvals.forms import AcceptanceForm, RelatedDecisionForm
from approvals.models import Decision, RelatedDecision
from approvals.standing import (
    LinkRefused,
    StandingAuthorityError,
    link_decision,
    unlink_decision,
)
from approvals.standing import (
    accept_under_standing_authority as accept,
)
from approvals.views import forbid_unless_role
from grants import services as editing
from grants.permissions import cases_visible_to, get_case_for_editing


@login_required
@require_http_methods(["GET", "POST"])
def accept_under_standing_authority(request, decision_pk):
    visible = cases_visible_to(request.user)
    decision = get_object_or_404(
        Decision.objects.select_related("case", "version").filter(case__in=visible),
        pk=decision_pk,
    )
    authorities = decision.standing_authorities()
    if not authorities:
        raise Http404("This decision approved no standing authority.")
    forbid_unless_role(request.user, "accept_under_standing_authority")
    form = AcceptanceForm(request.POST or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        try:
            accept(decision, by=request.user, **form.cleaned_data)
        except StandingAuthorityError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "The offer has been recorded as accepted.")
            return redirect("approvals:standing-authority", decision.pk)
    acceptances = decision.standing_acceptances.select_related("accepted_by")
    totals = acceptances.values("recommendation", "financial_year").annotate(total=Sum("amount"))
    return render(
        request,
        "approvals/standing/accept.html",
        {
            "decision": decision,
            "case": decision.case,
            "authorities": authorities,
            "acceptances": acceptances,
            "totals": totals,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def related_decisions(request, pk):
    case = get_case_for_editing(request.user, pk)
    form = RelatedDecisionForm(
        request.POST if request.POST.get("action") == "add" else None,
        initial={"lock_version": case.lock_version},
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                unlink_decision(
                    case,
                    _int(request.POST.get("link")),
                    by=request.user,
                    lock_version=_int(request.POST.get("lock_version")),
                )
                messages.success(request, "The link has been removed.")
                return redirect("approvals:related-decisions", case.pk)
            if form.is_valid():
                link = link_decision(
                    case,
                    by=request.user,
                    reference=form.cleaned_data["reference"],
                    kind=form.cleaned_data["kind"],
                    lock_version=form.seen_version(),
                )
                messages.success(request, _added(link))
                return redirect("approvals:related-decisions", case.pk)
        except LinkRefused as refused:
            form.add_error("reference", str(refused))
        except editing.EditRefused as refused:
            if request.POST.get("action") == "remove":
                messages.error(request, str(refused))
                return redirect("approvals:related-decisions", case.pk)
            form.add_error(None, str(refused))
    links = RelatedDecision.objects.filter(case=case).select_related("decision__publication")
    return render(
        request,
        "approvals/standing/related.html",
        {"case": case, "links": links, "form": form},
        status=400 if form.errors else 200,
    )


def _added(link: RelatedDecision) -> str:
    if link.cites_published_decision:
        return "The link has been added."
    reference = link.decision.reference
    return (
        f"The link has been added as a staff note: {reference} is not yet published. The "
        f"report will name it once {reference} is published and the case is submitted again."
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
