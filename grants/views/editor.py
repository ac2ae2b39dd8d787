"""The case editor: a task list, and a page for each part of a grant case.

Every page fetches the case through grants.permissions (404 for a case the user cannot
see, 403 for one they may see but not change), carries the case's lock_version in a
hidden field and saves through one function in grants.services. The forms and formsets
of a page go through _edit_page, so that every page validates, reports errors and
refuses a stale save in the same way.
"""

from collections.abc import Callable, Iterable, Mapping

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from approvals.notifications import current_return
from grants import services
from grants.forms import (
    BudgetYearsForm,
    CaseForm,
    CostLineFormSet,
    DetailsForm,
    LockForm,
    OfferFormSet,
    Part2Form,
    PasteForm,
    PostFormSet,
    RecommendationFormSet,
    SectionForm,
    TimeSensitivityForm,
    UnitForm,
    UnitFormSet,
    field_anchor,
    first_field_anchor,
)
from grants.models import FundedUnit, Funder, GrantCase, GrantScheme
from grants.money import financial_year_label
from grants.permissions import can_create_case, get_case_for_editing
from grants.rate_card.services import card_for_case
from grants.reconciliation import ZERO, Finding, Reconciliation, post_figures, reconcile_case
from grants.sections import PART_1_SECTIONS
from grants.tasks import (
    MISSING_CODES,
    FindingLink,
    Status,
    mark_returned,
    section_slug,
    task_groups,
    task_key_for,
)
from grants.views.pages import posted_data

SECTIONS_BY_SLUG = {section_slug(section): section for section in PART_1_SECTIONS}

# The id of the list of the rate card's grades on a unit's page.
RATE_CARD_LIST = "rate-card-grades"

# An editing page shows its form on GET and saves it on POST; nothing else.
edit_view = require_http_methods(["GET", "HEAD", "POST"])


@login_required
@require_safe
def task_list(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_editing(request.user, pk, GrantCase.objects.with_contents())
    reconciliation = reconcile_case(case, rate_card=card_for_case(case))
    groups = task_groups(case)
    returned = current_return(case)
    if returned is not None:
        mark_returned(groups, returned.sections)
    tasks = {task.key: task for group in groups for task in group.tasks}

    for finding in reconciliation.errors:
        task = tasks.get(task_key_for(finding))
        if task and finding.code not in MISSING_CODES:
            task.status = Status.HAS_PROBLEMS

    def link(finding: Finding) -> FindingLink:
        task = tasks.get(task_key_for(finding))
        return FindingLink(finding, task.url if task else reverse("grants:report", args=[pk]))

    errors_first = sorted(reconciliation.findings, key=lambda finding: not finding.is_error)
    findings = [link(finding) for finding in errors_first]
    required = [task for task in tasks.values() if not task.optional]
    return render(
        request,
        "grants/editor/task_list.html",
        {
            "case": case,
            "groups": groups,
            "returned": returned,
            "returned_tasks": any(task.returned for task in tasks.values()),
            "findings": findings,
            "error_count": len(reconciliation.errors),
            "warning_count": len(reconciliation.warnings),
            "required_count": len(required),
            "completed_count": sum(task.status == Status.COMPLETED for task in required),
        },
    )


# Editing pages ---------------------------------------------------------------------------


def _form_error_links(form: forms.Form) -> list[tuple[str, str]]:
    # A table repeats its fields on every row, so say which row an error is on.
    prefix = f"{form.row_label}: " if hasattr(form, "row_label") else ""
    links = [(first_field_anchor(form), prefix + error) for error in form.non_field_errors()]
    for bound in form.visible_fields():
        links += [(field_anchor(bound, error), prefix + error) for error in bound.errors]
    return links


def error_links(parts: Iterable[forms.Form | forms.BaseFormSet]) -> list[tuple[str, str]]:
    """Every error on a page, in page order, with the id of the field it links to."""
    links = []
    for part in parts:
        if hasattr(part, "error_links"):
            links += part.error_links()
            continue
        if isinstance(part, forms.BaseFormSet):
            # Rows being removed are not saved, so their errors do not matter.
            rows = [f for f in part.forms if not f.cleaned_data.get(DELETION_FIELD_NAME)]
            first = first_field_anchor(rows[0]) if rows else "main-content"
            links += [(first, error) for error in part.non_form_errors()]
        else:
            rows = [part]
        for form in rows:
            links += _form_error_links(form)
    return links


def _edit_page(
    request: HttpRequest,
    case: GrantCase,
    *,
    template: str,
    parts: Mapping[str, forms.Form | forms.BaseFormSet],
    save: Callable[[int | None], object],
    saved: str | Callable[[], str],
    context: Mapping | None = None,
    then: Mapping[str, str] | None = None,
    after_save: Callable[[], HttpResponse | None] | None = None,
    shown_errors: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Show a page of forms; on POST, validate every form and save through `save`,
    which takes the lock_version the page was rendered with.

    A saved page goes to the task list, or where its `then` button asked: "more" is the
    page again, and `then` names other places. `after_save` may answer instead, with a
    page of what is left to do. `shown_errors` are problems of what is saved, which the
    page's error summary names when it is first opened."""
    lock = LockForm(posted_data(request), initial={"lock_version": case.lock_version})
    refusal = None
    if request.method == "POST":
        # Every part is validated, not just up to the first invalid one, so each shows
        # all of its errors at once.
        checked = [part.is_valid() for part in parts.values()]
        valid = all(checked)
        try:
            # Checked before the errors are shown, too: a newer change by someone else is
            # the likely cause of any puzzling ones, and fixing them would be wasted work.
            services.ensure_current(case, lock.seen_version())
            if valid:
                save(lock.seen_version())
                messages.success(request, saved() if callable(saved) else saved)
                if after_save is not None and (page := after_save()) is not None:
                    return page
                places = {"more": request.path, **(then or {})}
                place = places.get(request.POST.get("then"))
                return redirect(place or reverse("grants:task-list", args=[case.pk]))
        except services.EditRefused as error:
            refusal = error
    errors = error_links(parts.values()) if request.method == "POST" else shown_errors or []
    return _render_edit_page(
        request, case, template, {"lock_form": lock, **parts, **(context or {})}, errors, refusal
    )


def _render_edit_page(
    request: HttpRequest,
    case: GrantCase,
    template: str,
    context: Mapping,
    errors: list[tuple[str, str]],
    refusal: services.EditRefused | None = None,
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "case": case,
            **context,
            "errors": errors,
            "refusal": refusal,
            "case_changed": isinstance(refusal, services.CaseChanged),
            "has_errors": bool(errors or refusal),
        },
        status=409 if refusal else 200,
    )


def _case_with_contents(request: HttpRequest, pk: int) -> GrantCase:
    return get_case_for_editing(request.user, pk, GrantCase.objects.with_contents())


@login_required
@edit_view
def create_case(request: HttpRequest) -> HttpResponse:
    if not can_create_case(request.user):
        raise PermissionDenied("Only grants managers can start a grant case.")
    form = CaseForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        case = services.create_case(by=request.user, **form.cleaned_data)
        messages.success(request, "Grant case created")
        return redirect("grants:task-list", pk=case.pk)
    errors = error_links([form]) if form.is_bound else []
    return render(
        request,
        "grants/editor/create.html",
        {"form": form, "errors": errors, "has_errors": bool(errors)},
    )


@login_required
@edit_view
def edit_details(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_editing(request.user, pk)
    form = DetailsForm(
        posted_data(request),
        initial={
            "title": case.title,
            "scheme": case.scheme_id,
            "financial_year": case.financial_year,
            "report_by": case.report_by,
            "report_author": case.report_author,
        },
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/form_page.html",
        parts={"form": form},
        save=lambda version: services.save_details(
            case, by=request.user, lock_version=version, **form.cleaned_data
        ),
        saved="Case details saved",
        context={"title": "Case details", "heading": "Case details"},
    )


@login_required
@edit_view
def edit_offers(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_with_contents(request, pk)
    offers = list(case.offers.all())
    formset = OfferFormSet(
        posted_data(request),
        rows=offers,
        prefix="offers",
        default_year=case.financial_year,
        form_kwargs={
            "funders": list(Funder.objects.all()),
            "schemes": list(GrantScheme.objects.all()),
        },
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/offers.html",
        parts={"formset": formset},
        save=lambda version: services.save_offers(
            case, formset.row_edits(), by=request.user, lock_version=version
        ),
        saved="Grant offers saved",
        context={
            "offers_total": sum(offer.amount for offer in offers),
            "saved_offers": offers,
            "add_more": "Save and add another offer",
        },
    )


ALLOCATIONS_ERROR = "allocations-error"


@login_required
@edit_view
def edit_units(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_with_contents(request, pk)
    units = list(case.units.all())
    reconciliation = reconcile_case(case)
    other_years = [
        year.financial_year
        for year in case.budget_years.all()
        if year.financial_year != case.financial_year
    ]
    formset = UnitFormSet(posted_data(request), rows=units, prefix="units", other_years=other_years)
    figures = {unit_figures.unit.pk: unit_figures for unit_figures in reconciliation.units}
    # The saved allocations that do not add up to the offers are marked where they are
    # typed, and on first sight of the page named in its error summary.
    mismatch = next((f for f in reconciliation.errors if f.code == "allocations-offers"), None)
    # The boxes of the year that does not add up: the costed year's, or another shown one's.
    mismatched = (
        UnitForm.allocation_field(mismatch.financial_year)
        if mismatch and mismatch.financial_year in other_years
        else "grant_allocation"
    )
    for form in formset:
        form.figures = figures.get(form.initial.get("id"))
        if mismatch:
            form.fields[mismatched].widget.attrs["aria-describedby"] = ALLOCATIONS_ERROR
    return _edit_page(
        request,
        case,
        template="grants/editor/units.html",
        parts={"formset": formset},
        save=lambda version: services.save_units(
            case, formset.row_edits(), by=request.user, lock_version=version
        ),
        saved="Funded units saved",
        context={
            "reconciliation": reconciliation,
            "mismatch": mismatch,
            "allocations_error": ALLOCATIONS_ERROR,
            "other_years": [financial_year_label(year) for year in formset.other_years],
            "years_by_year": _allocations_and_offers_by_year(reconciliation) if other_years else [],
        },
        shown_errors=(
            [(formset.forms[0][mismatched].id_for_label, mismatch.message)]
            if mismatch and formset.forms
            else []
        ),
    )


def _allocations_and_offers_by_year(reconciliation: Reconciliation) -> list[dict]:
    """Each budget year's grant allocations, offers and planned spend, for the units page."""
    return [
        {
            "label": year.label,
            "allocations": sum(
                (unit.allocation_in(year.financial_year) for unit in reconciliation.units), ZERO
            ),
            "offers": year.grant_funding,
            "planned_spend": year.planned_spend,
        }
        for year in reconciliation.years
    ]


def _unit_of(case: GrantCase, unit_pk: int) -> FundedUnit:
    unit = next((unit for unit in case.units.all() if unit.pk == unit_pk), None)
    if unit is None:
        raise Http404("No such unit in this case")
    return unit


def _unit_parts(
    case: GrantCase, unit: FundedUnit, data, paste_data=None, *, rate_card: Mapping
) -> dict:
    """A unit's tables of posts and cost lines, and its paste box."""
    posts = PostFormSet(data, rows=list(unit.posts.all()), prefix="posts")
    for form in posts:
        saved = posts.rows.get(form.initial.get("id"))
        form.figures = post_figures(saved, case.financial_year) if saved else None
        if rate_card:
            # The card's grades are offered as each grade is typed; rate-card.js fills in
            # the chosen one's cost.
            form.fields["grade"].widget.attrs["list"] = RATE_CARD_LIST
    return {
        "posts": posts,
        "cost_lines": CostLineFormSet(data, rows=list(unit.cost_lines.all()), prefix="costs"),
        "paste": PasteForm(data if paste_data is None else paste_data, posts=posts),
    }


def _unit_context(case: GrantCase, unit: FundedUnit, rate_card: Mapping) -> dict:
    reconciliation = reconcile_case(case, rate_card=rate_card)
    units = list(case.units.all())
    following = units[units.index(unit) + 1 :]
    figures = _unit_figures(reconciliation, unit)
    return {
        "unit": unit,
        "next_unit": following[0] if following else None,
        "figures": figures,
        "unit_years": _unit_years(figures),
        "findings": [f for f in reconciliation.findings if f.unit_id == unit.pk],
        "rate_card": [(grade, f"{cost:,.2f}") for grade, cost in rate_card.items()],
        "rate_card_list": RATE_CARD_LIST,
    }


def _unit_years(figures) -> list[dict]:
    """A unit's planned spend, grant allocation and match funding in each financial year
    it has either, when that is more than the costed year."""
    years = sorted(figures.planned_spend_by_year.keys() | figures.allocations_by_year.keys())
    if years == [figures.costed_year]:
        return []
    return [
        {
            "label": financial_year_label(year),
            "planned_spend": figures.planned_spend_in(year),
            "grant_allocation": figures.allocation_in(year),
            "match_funding": figures.match_funding_in(year),
        }
        for year in years
    ]


@login_required
@edit_view
def edit_unit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    case = _case_with_contents(request, pk)
    unit = _unit_of(case, unit_pk)
    rate_card = card_for_case(case)
    parts = _unit_parts(case, unit, posted_data(request), rate_card=rate_card)
    posts, cost_lines, paste = parts["posts"], parts["cost_lines"], parts["paste"]
    context = _unit_context(case, unit, rate_card)

    def saved() -> str:
        added = len(paste.accepted)
        if not added:
            return f"Posts and costs for {unit.name} saved"
        return (
            f"Posts and costs for {unit.name} saved, with {added} pasted "
            f"row{pluralize(added)} added as post{pluralize(added)}"
        )

    def rows_left_to_fix() -> HttpResponse | None:
        # The rows pasted with problems go back in the box, with their problems, on the
        # page as it is now saved.
        if not paste.problems:
            return None
        case = _case_with_contents(request, pk)
        unit = _unit_of(case, unit_pk)
        fresh = _unit_parts(
            case, unit, None, paste_data={"paste-rows": paste.kept_text()}, rate_card=rate_card
        )
        fresh["paste"].is_valid()
        lock = LockForm(initial={"lock_version": case.lock_version})
        context = _unit_context(case, unit, rate_card)
        return _render_edit_page(
            request,
            case,
            "grants/editor/unit.html",
            {"lock_form": lock, **fresh, **context, "kept_rows": True},
            error_links([fresh["paste"]]),
        )

    next_unit = context["next_unit"]
    return _edit_page(
        request,
        case,
        template="grants/editor/unit.html",
        parts=parts,
        save=lambda version: services.save_unit_costs(
            case,
            unit,
            posts=[*posts.row_edits(), *paste.row_edits()],
            cost_lines=cost_lines.row_edits(),
            by=request.user,
            lock_version=version,
        ),
        saved=saved,
        context=context,
        then={"next": reverse("grants:edit-unit", args=[pk, next_unit.pk])} if next_unit else {},
        after_save=rows_left_to_fix,
    )


def _unit_figures(reconciliation: Reconciliation, unit):
    return next(figures for figures in reconciliation.units if figures.unit.pk == unit.pk)


@login_required
@edit_view
def edit_budget_years(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_with_contents(request, pk)
    form = BudgetYearsForm(
        posted_data(request),
        costed_year=case.financial_year,
        offer_years={offer.financial_year for offer in case.offers.all()},
        chosen={year.financial_year for year in case.budget_years.all()},
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/form_page.html",
        parts={"form": form},
        save=lambda version: services.save_budget_years(
            case, form.cleaned_data["years"], by=request.user, lock_version=version
        ),
        saved="Budget years saved",
        context={"title": "Budget years"},
    )


@login_required
@edit_view
def edit_recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_with_contents(request, pk)
    formset = RecommendationFormSet(
        posted_data(request), rows=list(case.recommendations.all()), prefix="recommendations"
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/recommendations.html",
        parts={"formset": formset},
        save=lambda version: services.save_recommendations(
            case, formset.row_edits(), by=request.user, lock_version=version
        ),
        saved="Recommendations saved",
        context={"add_more": "Save and add another recommendation"},
    )


@login_required
@edit_view
def edit_time_sensitivity(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_editing(request.user, pk)
    form = TimeSensitivityForm(
        posted_data(request),
        initial={"needed_by": case.needed_by, "time_sensitivity": case.time_sensitivity},
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/form_page.html",
        parts={"form": form},
        save=lambda version: services.save_time_sensitivity(
            case, by=request.user, lock_version=version, **form.cleaned_data
        ),
        saved="Time sensitivity saved",
        context={"title": "Time sensitivity", "heading": "Time sensitivity"},
    )


@login_required
@edit_view
def edit_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    chosen = SECTIONS_BY_SLUG.get(section)
    if chosen is None:
        raise Http404("No such section")
    case = get_case_for_editing(request.user, pk)
    form = SectionForm(
        posted_data(request), section=chosen, initial={"text": getattr(case, chosen.field)}
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/form_page.html",
        parts={"form": form},
        save=lambda version: services.save_section(
            case, chosen, form.cleaned_data["text"], by=request.user, lock_version=version
        ),
        saved=f"{chosen.title} saved",
        context={"title": chosen.title},
    )


@login_required
@edit_view
def edit_part2(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_editing(request.user, pk)
    form = Part2Form(
        posted_data(request),
        initial={
            "part2_content": case.part2_content,
            "part2_exemption_reason": case.part2_exemption_reason,
        },
    )
    return _edit_page(
        request,
        case,
        template="grants/editor/part2.html",
        parts={"form": form},
        save=lambda version: services.save_part2(
            case, by=request.user, lock_version=version, **form.cleaned_data
        ),
        saved="Part 2 saved",
        context={"title": "Part 2"},
    )
