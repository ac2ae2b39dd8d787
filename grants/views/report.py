"""The case report, rendered like the MOPAC report it replaces, and the list of cases."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from approvals.models import AgendaItem
from approvals.questions import open_questions
from approvals.workflow import CaseFacts, can, case_actions
from grants.document import case_document, related_decision_notes
from grants.models import CaseState, GrantCase
from grants.permissions import (
    can_create_case,
    cases_visible_to,
    get_case_for_user,
)
from grants.presentation import report_context
from grants.rate_card.services import card_for_case
from grants.reconciliation import reconcile_case


@require_safe
@login_required
def case_report(request, pk):
    case = get_case_for_user(request.user, pk, queryset=GrantCase.objects.with_contents())
    figures = reconcile_case(case, rate_card=card_for_case(case))
    facts = CaseFacts(case)
    facts.reconciliation = figures
    can_edit = can(request.user, "edit", case, facts) is None
    return render(
        request,
        "grants/report.html",
        {
            "case": case,
            "figures": figures,
            "show_pounds": request.GET.get("figures") == "pounds",
            "can_edit": can_edit,
            "actions": case_actions(request.user, case, facts),
            "open_questions": open_questions([case.pk])[case.pk],
            # For the print header: which version the report is, or was last submitted as,
            # with its decision's reference once decided.
            "latest_version": case.versions.current().select_related("decision").first(),
            # What IAM said at each meeting that had the case on its agenda, with the
            # minutes: the case page is for signed-in staff only, never published.
            "iam_items": AgendaItem.objects.filter(case=case)
            .select_related("meeting", "version")
            .order_by("meeting__date", "meeting__time", "pk"),
            "related_decision_notes": related_decision_notes(case),
            **report_context(case_document(case, figures)),
        },
    )


@require_safe
@login_required
def case_list(request):
    cases = cases_visible_to(request.user).select_related("owner", "scheme")
    state = request.GET.get("state", "")
    unknown_state = bool(state) and state not in CaseState.values
    if state and not unknown_state:
        cases = cases.filter(state=state)
    return render(
        request,
        "grants/case_list.html",
        {
            "cases": cases,
            "can_create": can_create_case(request.user),
            "states": CaseState.choices,
            "state": "" if unknown_state else state,
            "unknown_state": unknown_state,
        },
        status=400 if unknown_state else 200,
    )
