"""A case's versions, a comparison of two versions, and the case's audit history.

These pages only read. A version is the case as it was frozen on submission, so its
pages show the stored document, never the live case: reviewers see exactly what they
were asked to act on, however the case has changed since.
"""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from approvals import history
from approvals.forms import CompareForm
from approvals.pagination import govuk_pagination
from grants.document import document_changes, document_json
from grants.permissions import get_case_for_user
from grants.presentation import report_context

# Entries a page of a case's history or versions shows.
PER_PAGE = 50


def _page(request, items, **query):
    """One page of `items` as the request asks for it, and its GOV.UK pagination; other
    query parameters in `query` are kept in the links."""
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    kept = "".join(f"{key}={value}&" for key, value in query.items() if value)
    return page, govuk_pagination(page, lambda number: f"?{kept}page={number}")


def _compare_form(numbers: list[int], data=None) -> CompareForm | None:
    """The form, preset to the last two versions; None while there is nothing to compare."""
    if len(numbers) < 2:
        return None
    return CompareForm(numbers, data, initial={"from": numbers[-2], "to": numbers[-1]})


def _version_numbers(case) -> list[int]:
    return list(case.versions.order_by("number").values_list("number", flat=True))


@require_safe
@login_required
def version_list(request, pk):
    case = get_case_for_user(request.user, pk)
    versions = case.versions.select_related("created_by").defer("document").order_by("number")
    page, pagination = _page(request, versions)
    numbers = _version_numbers(case)
    happened = history.what_happened(case)
    return render(
        request,
        "approvals/history/version_list.html",
        {
            "case": case,
            "rows": [(version, happened.get(version.pk, [])) for version in page],
            "latest": numbers[-1] if numbers else None,
            "form": _compare_form(numbers),
            "pagination": pagination,
        },
    )


@require_safe
@login_required
def version_detail(request, pk, number):
    case = get_case_for_user(request.user, pk)
    version = get_object_or_404(
        case.versions.select_related("created_by", "decision"), number=number
    )
    # Recomputed on every view, so a stored document that no longer matches its hash is
    # visible to the reader rather than silently shown as the frozen version.
    digest = hashlib.sha256(document_json(version.document).encode()).hexdigest()
    return render(
        request,
        "approvals/history/version_detail.html",
        {
            "case": case,
            "version": version,
            "hash_matches": digest == version.sha256,
            "latest": case.versions.aggregate(latest=Max("number"))["latest"],
            "show_pounds": request.GET.get("figures") == "pounds",
            **report_context(version.document),
        },
    )


@require_safe
@login_required
def version_compare(request, pk):
    case = get_case_for_user(request.user, pk)
    form = _compare_form(_version_numbers(case), request.GET)
    context = {"case": case, "form": form}
    if form is None:
        return render(request, "approvals/history/version_compare.html", context)
    if not form.is_valid():
        return render(request, "approvals/history/version_compare.html", context, status=400)
    numbers = (form.cleaned_data["from"], form.cleaned_data["to"])
    found = case.versions.filter(number__in=numbers).select_related("created_by")
    by_number = {version.number: version for version in found}
    before, after = by_number[numbers[0]], by_number[numbers[1]]
    context.update(
        before=before,
        after=after,
        changes=history.readable_changes(document_changes(before.document, after.document)),
    )
    return render(request, "approvals/history/version_compare.html", context)


# History ----------------------------------------------------------------------------------

# Known detail keys, in the order they are shown; any other key follows, in words.


@require_safe
@login_required
def case_history(request, pk):
    case = get_case_for_user(request.user, pk)
    newest_first = request.GET.get("order") == "newest"
    events = history.case_events(case, newest_first=newest_first)
    page, pagination = _page(request, events, order="newest" if newest_first else "")
    return render(
        request,
        "approvals/history/case_history.html",
        {
            "case": case,
            "entries": history.history_entries(page),
            "newest_first": newest_first,
            "page": page,
            "pagination": pagination,
        },
    )
