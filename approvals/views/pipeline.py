import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from approvals.pipeline import IN_FLIGHT, SORTS, filtered, may_see_pipeline, pipeline_rows
from approvals.publication.register import spreadsheet_safe
from grants.models import CaseState

PAGE_SIZE = 50
COLUMNS = (
    ("case", "Case"),
    ("stage", "Stage"),
    ("days", "Working days in stage"),
    ("needed-by", "Needed by"),
    ("amount", "Amount"),
    (None, "IAM outcome"),
    (None, "Outstanding sign-offs"),
    ("questions", "Open questions"),
)


def _rows(request):
    if not may_see_pipeline(request.user):
        raise PermissionDenied("Only the DMPC office and the DMPC can see the pipeline.")
    query = request.GET
    stage = query.get("stage", "")
    if stage not in IN_FLIGHT:
        stage = ""
    chosen = {
        "stage": stage,
        "funder": query.get("funder", "").strip(),
        "text": query.get("q", "").strip(),
        "overdue": query.get("overdue") == "1",
    }
    rows = filtered(pipeline_rows(request.user), **chosen)
    sort = query.get("sort", "days")
    if sort not in SORTS:
        sort = "days"
    descending = query.get("order", "desc" if sort == "days" else "asc") == "desc"
    rows.sort(key=SORTS[sort], reverse=descending)
    return rows, chosen, sort, descending


@require_safe
@login_required
def pipeline(request):
    rows, chosen, sort, descending = _rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    headers = []
    for key, label in COLUMNS:
        header = {"label": label, "key": key}
        if key:
            params = kept.copy()
            params["sort"] = key
            params["order"] = "asc" if key == sort and descending else "desc"
            if key != sort:
                params["order"] = "desc" if key == "days" else "asc"
            header["href"] = "?" + params.urlencode()
            header["aria_sort"] = (
                ("descending" if descending else "ascending") if key == sort else "none"
            )
        headers.append(header)
    return render(
        request,
        "approvals/pipeline.html",
        {
            "page": page,
            "rows": page.object_list,
            "total": len(rows),
            "headers": headers,
            "chosen": chosen,
            "stages": [(state.value, state.label) for state in map(CaseState, IN_FLIGHT)],
            "query": kept.urlencode(),
        },
    )


@require_safe
@login_required
def pipeline_csv(request):
    rows, *_ = _rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pipeline.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Case",
            "Stage",
            "Working days in stage",
            "Needed by",
            "Amount",
            "Funders",
            "IAM outcome",
            "Outstanding sign-offs",
            "Open questions",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(row.case.title),
                row.stage,
                row.working_days,
                row.needed_by.isoformat() if row.needed_by else "",
                f"{row.amount:.2f}",
                spreadsheet_safe("; ".join(row.funders)),
                row.iam_outcome,
                "; ".join(row.outstanding),
                row.open_questions,
            ]
        )
    return response
