"""Importing a report: upload or paste it, review what was found, then create the draft.

Nothing is saved until the review is confirmed: the parsed plan waits in the session,
under a token that names this one review, so that confirming it twice makes one case.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from grants.forms.fields import error_links
from grants.forms.importing import ReportImportForm
from grants.importing import NotAReport, Plan, plan_from_text, plan_from_word
from grants.importing.building import AlreadyImported, check_plan, create_draft
from grants.importing.reading import MAX_UPLOAD_BYTES
from grants.permissions import can_create_case
from grants.services import EditRefused

SESSION_KEY = "report_import"
REFUSED = "Only grants managers can start a grant case."


def _check_may_create(request: HttpRequest) -> None:
    if not can_create_case(request.user):
        raise PermissionDenied(REFUSED)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_report(request: HttpRequest) -> HttpResponse:
    _check_may_create(request)
    form = ReportImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            if document is not None:
                plan = plan_from_word(document.read(MAX_UPLOAD_BYTES + 1))
                source = document.name
            else:
                plan = plan_from_text(form.cleaned_data["text"])
                source = "pasted text"
        except NotAReport as refused:
            form.add_error("document" if document is not None else "text", str(refused))
        else:
            request.session[SESSION_KEY] = {
                "token": uuid.uuid4().hex,
                "source": source[:200],
                "plan": plan.to_data(),
            }
            return redirect("grants:case-import-review")
    errors = error_links(form) if form.is_bound else []
    return render(
        request,
        "grants/importing/upload.html",
        {"form": form, "errors": errors, "has_errors": bool(errors)},
        status=400 if errors else 200,
    )


def _pending(request: HttpRequest) -> tuple[dict, Plan] | None:
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        return pending, Plan.from_data(pending["plan"])
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


@login_required
@require_safe
def review_import(request: HttpRequest) -> HttpResponse:
    _check_may_create(request)
    found = _pending(request)
    if found is None:
        messages.info(request, "There is no imported report to check. Upload or paste one.")
        return redirect("grants:case-import")
    pending, plan = found
    figures = check_plan(plan, owner=request.user)
    return render(
        request,
        "grants/importing/review.html",
        {
            "plan": plan,
            "source": pending["source"],
            "token": pending["token"],
            "figures": figures,
            "findings": figures.findings,
        },
    )


@login_required
def create_from_import(request: HttpRequest) -> HttpResponse:
    # Who may import is checked first, so a GET tells only them that this takes POST.
    _check_may_create(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    found = _pending(request)
    if found is None or request.POST.get("token") != found[0]["token"]:
        messages.info(
            request,
            "That review of an imported report is no longer open. Upload or paste the "
            "report again.",
        )
        return redirect("grants:case-import")
    pending, plan = found
    try:
        case = create_draft(plan, by=request.user, token=pending["token"], source=pending["source"])
    except AlreadyImported as done:
        request.session.pop(SESSION_KEY, None)
        messages.info(request, str(done))
        return redirect("grants:task-list", pk=done.case.pk)
    except EditRefused as refused:
        raise PermissionDenied(str(refused)) from None
    request.session.pop(SESSION_KEY, None)
    messages.success(request, "Draft created from the imported report")
    return redirect("grants:task-list", pk=case.pk)
