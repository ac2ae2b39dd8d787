"""The rate card's pages, for administrators: the card of one financial year, adding a
grade, changing one and removing one. Every change goes through grants.rate_card.services."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from approvals.accounts.administration import administrator_required
from grants.models import RateCardEntry
from grants.money import financial_year_label, parse_financial_year
from grants.rate_card import services
from grants.rate_card.forms import RateForm
from grants.rate_card.services import RateCardError
from grants.views.pages import form_page, posted_data

form_view = require_http_methods(["GET", "HEAD", "POST"])


def this_financial_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def _year_from(text: str) -> int | None:
    try:
        return parse_financial_year(text)
    except ValueError:
        return None


def card_url(financial_year: int) -> str:
    return f"{reverse('rate_card:list')}?year={financial_year_label(financial_year)}"


@administrator_required
@require_safe
def rate_card(request: HttpRequest) -> HttpResponse:
    years = services.years_on_the_card()
    asked = request.GET.get("year", "")
    year = _year_from(asked) if asked else None
    unknown_year = bool(asked) and year is None
    if year is None:
        current = this_financial_year()
        year = current if current in years or not years else years[0]
    entries = RateCardEntry.objects.filter(financial_year=year).select_related("updated_by")
    return render(
        request,
        "grants/rate_card/list.html",
        {
            "year": year,
            "year_label": financial_year_label(year),
            "years": [(y, financial_year_label(y)) for y in sorted({*years, year}, reverse=True)],
            "entries": entries.order_by("grade"),
            "unknown_year": unknown_year,
            "asked": asked,
        },
        status=400 if unknown_year else 200,
    )


def _save_or_show(request, form: RateForm, save, *, template: str, context: dict):
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = save(
                grade=data["grade"],
                financial_year=data["financial_year"],
                annual_cost=data["annual_cost"],
                seen=data["seen"],
            )
        except RateCardError as refused:
            form.add_error(refused.field, str(refused))
        else:
            return entry
    return form_page(request, template, {"form": form, **context})


@administrator_required
@form_view
def add_rate(request: HttpRequest) -> HttpResponse:
    initial_year = _year_from(request.GET.get("year", "")) or this_financial_year()
    form = RateForm(
        posted_data(request),
        initial={"financial_year": initial_year},
        submit="Add to the rate card",
    )
    result = _save_or_show(
        request,
        form,
        lambda seen, **values: services.add_rate(by=request.user, **values),
        template="grants/rate_card/form.html",
        context={"heading": "Add a grade to the rate card", "back": card_url(initial_year)},
    )
    if isinstance(result, RateCardEntry):
        messages.success(
            request, f"{result.grade} has been added to the {result.financial_year_label} rate card"
        )
        return redirect(card_url(result.financial_year))
    return result


@administrator_required
@form_view
def change_rate(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(RateCardEntry, pk=pk)
    form = RateForm(
        posted_data(request),
        initial={
            "grade": entry.grade,
            "financial_year": entry.financial_year,
            "annual_cost": entry.annual_cost,
            "seen": services.seen_stamp(entry),
        },
        submit="Save the change",
    )
    result = _save_or_show(
        request,
        form,
        lambda **values: services.change_rate(entry, by=request.user, **values),
        template="grants/rate_card/form.html",
        context={
            "entry": entry,
            "heading": f"Change {entry.grade} ({entry.financial_year_label})",
            "back": card_url(entry.financial_year),
        },
    )
    if isinstance(result, RateCardEntry):
        messages.success(
            request,
            f"{result.grade} has been changed on the {result.financial_year_label} rate card",
        )
        return redirect(card_url(result.financial_year))
    return result


@administrator_required
@form_view
def remove_rate(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(RateCardEntry, pk=pk)
    refusal = None
    if request.method == "POST":
        try:
            services.remove_rate(entry, by=request.user, seen=request.POST.get("seen"))
        except RateCardError as refused:
            refusal = str(refused)
        else:
            messages.success(
                request,
                f"{entry.grade} has been removed from the {entry.financial_year_label} rate card",
            )
            return redirect(card_url(entry.financial_year))
    return render(
        request,
        "grants/rate_card/remove.html",
        {
            "entry": entry,
            "seen": services.seen_stamp(entry),
            "refusal": refusal,
            "back": card_url(entry.financial_year),
        },
        status=409 if refusal else 200,
    )
