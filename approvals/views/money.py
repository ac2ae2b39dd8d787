"""The money dashboard: grant accepted, rejected and in the pipeline, MPS match funding
and standing authorities' headroom, over the cases the person may see."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_safe

from approvals import charts
from approvals.money import REFUSAL, STANDINGS, Breakdown, dashboard, may_see_money


def _chart(chart_id: str, title: str, breakdown: Breakdown, order=None):
    return charts.grouped_bar_chart(
        chart_id,
        title,
        [
            (row["label"], [(label, row[key]) for key, label in STANDINGS])
            for row in breakdown.table(order)
        ],
    )


def _section(chart_id: str, heading: str, column: str, breakdown: Breakdown, order=None):
    return {
        "id": chart_id,
        "heading": heading,
        "column": column,
        "chart": _chart(chart_id + "-chart", heading, breakdown, order),
        "rows": [
            {"label": row["label"], "amounts": [row[key] for key, _ in STANDINGS]}
            for row in breakdown.table(order)
        ],
        "totals": [breakdown.totals()[key] for key, _ in STANDINGS],
    }


def _by_year(label: str) -> tuple:
    return (label,)


@require_safe
@login_required
def money(request):
    if not may_see_money(request.user):
        raise PermissionDenied(REFUSAL)
    figures = dashboard(request.user)
    totals = figures.by_funder.totals()
    grant = [(label, totals[key]) for key, label in STANDINGS]
    overall = charts.bar_chart("standing-chart", "Grant by where it stands", grant)
    authorities = figures.authorities
    return render(
        request,
        "approvals/money.html",
        {
            "figures": figures,
            "standings": STANDINGS,
            "grant": grant,
            "overall_chart": overall,
            "sections": [
                _section("by-funder", "Grant by funder", "Funder", figures.by_funder),
                _section("by-scheme", "Grant by grant scheme", "Grant scheme", figures.by_scheme),
                _section(
                    "by-year",
                    "Grant by financial year",
                    "Financial year",
                    figures.by_year,
                    _by_year,
                ),
            ],
            "match": _section(
                "match",
                "MPS match funding by financial year",
                "Financial year",
                figures.match_by_year,
                _by_year,
            ),
            "authorities": authorities,
            "headroom_chart": charts.grouped_bar_chart(
                "headroom-chart",
                "Standing authorities: used and headroom",
                [
                    (
                        f"{a.reference}, recommendation {a.recommendation}, {a.year}",
                        [("Used", a.used), ("Headroom", a.headroom)],
                    )
                    for a in authorities
                ],
                series_classes=charts.USED_AND_LEFT,
            ),
        },
    )
