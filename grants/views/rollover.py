"""Starting a case from an earlier one, and comparing a case with the decision it extends."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from approvals.models import Decision, DecisionOutcome
from approvals.pagination import govuk_pagination
from approvals.workflow import DECIDED, CaseChanged, CaseFacts, WorkflowError, can
from grants.comparison import compare_documents, extended_decision
from grants.document import case_document
from grants.models import GrantCase
from grants.permissions import can_create_case, cases_visible_to, get_case_for_user
from grants.rollover import start_from_earlier as start

PER_PAGE = 20
LONGEST_SEARCH = 100


class StartForm(forms.Form):
    """Which earlier case to start from: posted by the button beside each decision."""

    case = forms.IntegerField(min_value=1, max_value=2**31 - 1)


def _decisions(user, q: str):
    """The approved decisions on cases the user may see that a case could start from."""
    decisions = (
        Decision.objects.filter(case__in=cases_visible_to(user), case__state__in=DECIDED)
        .exclude(outcome=DecisionOutcome.REJECTED)
        .select_related("case")
        .order_by("-decided_at", "-pk")
    )
    if q:
        words = " ".join(q.split())
        decisions = decisions.filter(
            Q(reference__icontains=words) | Q(case__title__icontains=words)
        )
    return decisions


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start_from_earlier(request: HttpRequest) -> HttpResponse:
    if not can_create_case(request.user):
        raise PermissionDenied("Only grants managers can start a grant case.")
    refusal = None
    status = 200
    if request.method == "POST":
        form = StartForm(request.POST)
        if not form.is_valid():
            refusal, status = "Choose a decision from the list to start from.", 400
        else:
            earlier = get_case_for_user(request.user, form.cleaned_data["case"])
            try:
                case = start(earlier, by=request.user)
            except WorkflowError as refused:
                refusal = str(refused)
                status = 409 if isinstance(refused, CaseChanged) else 400
            else:
                messages.success(
                    request,
                    f"A new draft for {case.financial_year_label} has been started from "
                    f"‘{earlier.title}’. Confirm each offer’s amount before you submit it.",
                )
                return redirect("grants:task-list", pk=case.pk)

    q = request.GET.get("q", "").strip()[:LONGEST_SEARCH]
    page = Paginator(_decisions(request.user, q), PER_PAGE).get_page(request.GET.get("page"))
    facts = CaseFacts.prefetch(decision.case for decision in page)
    rows = [
        (decision, can(request.user, "start_next_case", decision.case, facts[decision.case_id]))
        for decision in page
    ]

    def page_url(number: int) -> str:
        return f"{request.path}?{urlencode({'q': q, 'page': number} if q else {'page': number})}"

    return render(
        request,
        "grants/rollover/start.html",
        {
            "q": q,
            "rows": rows,
            "page": page,
            "pagination": govuk_pagination(page, page_url),
            "refusal": refusal,
        },
        status=status,
    )


@login_required
@require_safe
def compared_with_earlier(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, GrantCase.objects.with_contents())
    link = extended_decision(case)
    if link is None:
        raise Http404("This case does not extend an earlier decision")
    comparison = compare_documents(link.decision.version.document, case_document(case), link)
    return render(
        request,
        "grants/rollover/comparison.html",
        {
            "case": case,
            "comparison": comparison,
            # The total first: what a reviewer asks before anything else.
            "tables": [comparison.total, *comparison.units],
        },
    )
