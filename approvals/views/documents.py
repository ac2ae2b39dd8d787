"""The decision form of a version, as a page and as a PDF.

The form exists from submission: a draft until the DMPC decides the version, then the
signed form, whose PDF is drawn once and kept (approvals.documents.decision_form)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from approvals.documents import decision_form, pdf
from grants.permissions import get_case_for_user


def _version(request, pk, number):
    case = get_case_for_user(request.user, pk)
    version = get_object_or_404(
        case.versions.select_related("decision__publication", "decision__decided_by"),
        number=number,
    )
    return case, version


def _filename(case, version) -> str:
    decision = getattr(version, "decision", None)
    name = decision.reference if decision else f"case-{case.pk}-version-{version.number}-draft"
    return f"{name.replace(' ', '-').lower()}-decision-form.pdf"


@require_safe
@login_required
def current_form(request, pk):
    case = get_case_for_user(request.user, pk)
    latest = case.versions.order_by("-number").values_list("number", flat=True).first()
    if latest is None:
        return render(request, "documents/no_decision_form.html", {"case": case})
    return redirect("approvals:decision-form", case.pk, latest)


@require_safe
@login_required
def form_page(request, pk, number):
    case, version = _version(request, pk, number)
    latest = case.versions.order_by("-number").values_list("number", flat=True).first()
    return render(
        request,
        "documents/decision_form_page.html",
        {
            "case": case,
            "version": version,
            "latest": latest,
            "form": decision_form.for_version(version),
        },
    )


@require_safe
@login_required
def form_pdf(request, pk, number):
    case, version = _version(request, pk, number)
    filename = _filename(case, version)
    if hasattr(version, "decision"):
        return pdf.stored_response(decision_form.signed_pdf(version), filename=filename)
    return pdf.response(decision_form.draw(decision_form.for_version(version)), filename=filename)
