"""Pages anyone may read: the home page, the register of published decisions, each
decision's page and files, the register's open data, and the statements every service
publishes.

The register reads only what approvals.publication.register says is published. A
decision's pages show its current published revision, which holds the decision record
and Part 1 of the report: Part 2 never reaches a public page. approvals.publication.cache
says how each response is cached.
"""

import datetime
import logging
from collections.abc import Callable
from html import escape

from django.conf import settings
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseGone,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from approvals import anchors, charts
from approvals.documents import pdf
from approvals.documents.decision_form import revision_pdf
from approvals.models import DecisionOutcome, Publication, PublishedRevision, Withdrawal
from approvals.pagination import govuk_pagination
from approvals.publication import opendata, part1, sitemap, totals
from approvals.publication import register as reg
from approvals.publication.agreements import agreement_response
from approvals.publication.cache import Version, page_etag, public
from approvals.publication.record import NOT_RECORDED, decision_facts, imported_facts
from approvals.standing import public_annex
from grants.document import document_json
from grants.formatting import long_date
from grants.money import format_pounds
from grants.templatetags.grant_tags import outcome_tag

logger = logging.getLogger(__name__)

REGISTER_PARAMETERS = ("q", "year", "funder", "outcome", "page")
FILTER_LABELS = {"q": "Search", "year": "Financial year", "funder": "Funder", "outcome": "Decision"}


@require_safe
def home(request):
    return render(request, "public/home.html")


@require_safe
def accessibility(request):
    return render(
        request,
        "public/accessibility.html",
        {
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "contact_phone": settings.ACCESSIBILITY_CONTACT_PHONE,
            "response_days": settings.ACCESSIBILITY_RESPONSE_DAYS,
        },
    )


@require_safe
def privacy(request):
    return render(request, "public/privacy.html")


# ---- What each response depends on ---------------------------------------------------


def register_version(request, *args, **kwargs) -> Version:
    """The whole register: the list, search, filters and open data."""
    current = reg.register_version()
    return Version(f'W/"{current.tag}"', current.last_modified, current)


def register_page_version(request) -> Version:
    current = reg.register_version()
    return Version(page_etag(request, current.tag), current.last_modified, current)


def _register_page_key(request) -> tuple | None:
    params = request.GET
    # Only the register's own parameters, each given once; anything else is drawn
    # afresh, so made-up query strings cannot fill the cache.
    if any(name not in REGISTER_PARAMETERS or len(params.getlist(name)) > 1 for name in params):
        return None
    return tuple(params.get(name, "") for name in REGISTER_PARAMETERS)


# What a file of a decision whose every revision is withdrawn, or a withdrawn agreement,
# answers: 410 Gone (approvals.publication.withdrawal).
WITHDRAWN = "withdrawn"
GONE_TEXT = "This was withdrawn from the register. The decision's page says when and why.\n"


def _gone() -> HttpResponseGone:
    return HttpResponseGone(GONE_TEXT, content_type="text/plain; charset=utf-8")


def _withdrawn_version(request, slug: str, etag) -> Version | None:
    """A decision whose every revision is withdrawn: its page says so, its files are gone."""
    withdrawn = reg.withdrawn_version(slug)
    if withdrawn is None:
        return None
    tag = f"withdrawn-{withdrawn['pk']}-{withdrawn['later_events']}"
    return Version(etag(tag), withdrawn["withdrawn_at"], {WITHDRAWN: withdrawn})


def decision_page_version(request, slug: str) -> Version | None:
    current = reg.decision_version(slug)
    if current is None:
        return _withdrawn_version(request, slug, lambda tag: page_etag(request, tag))
    # The time too: a restored backup may number a revision again.
    published = current["published_at"].timestamp()
    # And the layout: a release that draws Part 1 anew draws the page anew.
    tag = f"revision-{current['pk']}-{published:.6f}-{current['later_events']}-{part1.LAYOUT}"
    return Version(page_etag(request, tag), current["published_at"], current)


def document_version(request, slug: str) -> Version | None:
    # The document's bytes are exactly the ones its SHA-256 was taken of.
    current = reg.decision_version(slug)
    if current is None:
        return _withdrawn_version(request, slug, lambda tag: f'"{tag}"')
    return Version(f'"{current["document_sha256"]}"', current["published_at"], current)


def _current_revision(slug: str, *related: str) -> PublishedRevision | None:
    """The revision the public sees now (the newest not withdrawn); None when every
    revision is withdrawn; 404 until the decision is published."""
    revision = (
        PublishedRevision.objects.shown()
        .filter(publication__slug=slug)
        .select_related("publication", "agreement", *related)
        .first()
    )
    if revision is None:
        if reg.withdrawn_version(slug) is not None:
            return None
        raise Http404("No published decision has that reference")
    return revision


GONE = Version('"withdrawn"', None, WITHDRAWN)


def agreement_version(request, slug: str) -> Version:
    revision = _current_revision(slug)
    if revision is None:
        return GONE
    if revision.agreement is None:
        raise Http404("No grant agreement has been published for this decision")
    if Withdrawal.objects.confirmed().filter(agreement=revision.agreement_id).exists():
        return GONE
    return Version(f'"{revision.number}-{revision.agreement.sha256}"', None, revision)


def pdf_version(request, slug: str) -> Version:
    revision = _current_revision(slug, "pdf")
    if revision is None:
        return GONE
    # Drawn once, when the revision was published; drawn now only if that failed. An
    # imported record's PDF is the earlier register's, if it gave one.
    try:
        drawn = revision.pdf
    except PublishedRevision.pdf.RelatedObjectDoesNotExist:
        if revision.publication.imported:
            raise Http404("The earlier register gave no PDF of this decision") from None
        drawn = revision_pdf(revision)
    return Version(f'"{drawn.sha256}"', revision.published_at, drawn)


# ---- The register ----------------------------------------------------------------------


def _register_url(params: dict[str, object]) -> str:
    return reverse("register") + reg.query_string(params)


def _active_filters(filters: dict[str, str]) -> list[dict[str, str]]:
    outcomes = dict(DecisionOutcome.choices)
    return [
        {
            "label": FILTER_LABELS[name],
            "value": outcomes.get(value, value) if name == "outcome" else value,
            "remove_url": _register_url({k: v for k, v in filters.items() if k != name}),
        }
        for name, value in filters.items()
    ]


# One row of the register, drawn here rather than by a template loop, as Django's admin
# draws its change lists: for twenty rows, the template engine's per-tag cost was more
# than the page's queries.
ROW = """<li class="app-results__item">
  <h3 class="govuk-heading-s app-results__title">
    <a class="govuk-link app-break-words" href="{url}">{reference}: {title}</a>
  </h3>
  <dl class="app-metadata">
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Decision:</dt>
      <dd class="app-metadata__definition">{outcome}</dd>
    </div>
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Decided:</dt>
      <dd class="app-metadata__definition">{decided}</dd>
    </div>
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Funders:</dt>
      <dd class="app-metadata__definition">{funders}</dd>
    </div>
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Grant:</dt>
      <dd class="app-metadata__definition">{grant}</dd>
    </div>
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Published:</dt>
      <dd class="app-metadata__definition">{published}</dd>
    </div>{imported}
  </dl>
</li>
"""
IMPORTED_ROW = """
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Record:</dt>
      <dd class="app-metadata__definition">Imported from the earlier register</dd>
    </div>"""


def _grant(row) -> str:
    """The total and its years; an imported record may give either, or neither."""
    total, years = row["total_grant_amount"], row["financial_years"]
    if total is None:
        return f"{NOT_RECORDED} for {escape(years)}" if years else NOT_RECORDED
    return f"{escape(format_pounds(total))} for {escape(years)}" if years else format_pounds(total)


def _listed(rows) -> SafeString:
    """The register's rows as HTML. Every value is escaped as the template engine
    escapes it (html.escape is what django.utils.html.escape calls), without the
    lazy-text checks each of its calls makes."""
    url_for = reg.decision_url_maker()
    return SafeString(
        "".join(
            ROW.format(
                url=escape(url_for(row["slug"])),
                reference=escape(row["reference"]),
                title=escape(row["title"]),
                outcome=outcome_tag(row["outcome"]) if row["outcome"] else NOT_RECORDED,
                decided=long_date(row["decision_date"]),
                funders=escape(row["funders"]) or NOT_RECORDED,
                grant=_grant(row),
                published=long_date(timezone.localtime(row["published_at"])),
                imported=IMPORTED_ROW if row["imported"] else "",
            )
            for row in rows
        )
    )


@require_safe
@public(register_page_version, cache_key=_register_page_key)
def register(request, version: Version):
    form = reg.RegisterFilterForm(request.GET, options=reg.filter_options())
    filters = form.filters()
    # The kept counts: the unfiltered total, or the filters' combination's; a search
    # counts its matches with its rows, once a version.
    if not filters:
        count = reg.published_total()
    elif filters.get("q"):
        count = reg.known_search_count(filters)
    else:
        count = reg.kept_count(filters)
    results = reg.page_of(
        reg.filtered(filters).values(*reg.STORED_FIELDS), request.GET.get("page", ""), count=count
    )
    page = results.page
    if count is None:
        reg.keep_search_count(filters, page.paginator.count)
    context = {
        "form": form,
        "page": page,
        "rows": _listed(page.object_list),
        "count": page.paginator.count,
        "page_problem": results.problem,
        "active_filters": _active_filters(filters),
        "pagination": govuk_pagination(
            page, lambda number: _register_url({**filters, "page": number if number > 1 else ""})
        ),
        "data_query": reg.query_string(filters),
    }
    # A filter that could not be read is a bad request; the page still shows the
    # results of the others, and says what to correct.
    status = 400 if form.errors else 200
    return render(request, "public/register/list.html", context, status=status)


@require_safe
@public(decision_page_version, cache_key=lambda request: ())
def decision(request, slug, version: Version | None):
    if version is None:
        raise Http404("No published decision has this reference.")
    if WITHDRAWN in version.data:
        return _withdrawn_page(request, version.data[WITHDRAWN]["pk"])
    current = version.data
    revision = (
        PublishedRevision.objects.select_related(
            "publication", "agreement", "part1", "audit_anchor", "pdf"
        )
        .defer("document", "publication__search_vector")
        .get(pk=current["pk"])
    )
    earlier = (
        list(
            PublishedRevision.objects.filter(publication_id=revision.publication_id)
            .exclude(pk=revision.pk)
            .order_by("-number")
            .select_related("audit_anchor")
            .only("number", "published_at", "note", "audit_anchor__sequence", "audit_anchor__hash")
        )
        if revision.number > 1
        else []
    )
    record = revision.record
    withdrawals = (
        _withdrawals(revision.publication_id)
        if current["has_withdrawals"]
        else {"revisions": {}, "agreements": {}}
    )
    for earlier_revision in earlier:
        earlier_revision.withdrawal = withdrawals["revisions"].get(earlier_revision.pk)
    if revision.publication.imported:
        return render(
            request,
            "public/register/imported.html",
            {
                "publication": revision.publication,
                "revision": revision,
                "record": record,
                "facts": imported_facts(record),
            },
        )
    annex = (
        public_annex(current["publication__decision_id"])
        if current["later_events"]
        else {"acceptances": [], "cited_by": []}
    )
    context = {
        "publication": revision.publication,
        "revision": revision,
        "record": record,
        "facts": decision_facts(record),
        # The decision form's checklist, as kept with the record when it was published
        # (approvals.documents.decision_form.checklist): the facts do not give it.
        "checklist": record.get("checklist"),
        "decision_date": datetime.date.fromisoformat(record["decision_date"]),
        # Newest first; shown only once a correction has been published.
        "history": [revision, *earlier] if earlier else [],
        # Part 1 as the report shows it, in £m: drawn when it was published. The
        # document holds no Part 2, and part2.html is never drawn here.
        "withdrawn_revisions": sorted(
            withdrawals["revisions"].values(), key=lambda w: w.revision.number, reverse=True
        ),
        "withdrawn_agreement": withdrawals["agreements"].get(revision.agreement_id),
        "part1": part1.part1_html(
            revision,
            lambda: PublishedRevision.objects.values_list("document", flat=True).get(
                pk=revision.pk
            ),
        ),
        **annex,
    }
    return render(request, "public/register/detail.html", context)


def _withdrawals(publication_id: int) -> dict:
    """The confirmed withdrawals of a decision's revisions and agreements, by their ids."""
    found = {"revisions": {}, "agreements": {}}
    for withdrawal in (
        Withdrawal.objects.confirmed()
        .filter(publication_id=publication_id)
        .select_related("revision")
        .only("revision__number", "agreement_id", "reason", "confirmed_at", "publication_id")
    ):
        if withdrawal.revision_id:
            found["revisions"][withdrawal.revision_id] = withdrawal
        else:
            found["agreements"][withdrawal.agreement_id] = withdrawal
    return found


def _withdrawn_page(request, publication_pk: int):
    """A decision whose every revision is withdrawn: the reference, and what was
    withdrawn, when and why; nothing of what was published."""
    publication = Publication.objects.only("reference", "slug", "withdrawn_at").get(
        pk=publication_pk
    )
    withdrawn = _withdrawals(publication_pk)
    return render(
        request,
        "public/register/withdrawn.html",
        {
            "publication": publication,
            "withdrawals": sorted(
                withdrawn["revisions"].values(), key=lambda w: w.revision.number, reverse=True
            ),
        },
    )


@require_safe
@public(document_version, per_user=False, cross_origin=True)
def decision_document(request, slug, version: Version | None):
    if version is None:
        raise Http404("No published decision has this reference.")
    if WITHDRAWN in version.data:
        return _gone()
    document = PublishedRevision.objects.values_list("document", flat=True).get(
        pk=version.data["pk"]
    )
    response = HttpResponse(document_json(document), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{slug}-document.json"'
    return response


# ---- Open data ---------------------------------------------------------------------------


def _export(request, *, content_type: str, filename: str, write: Callable):
    """An open-data file of the decisions matching the register's filters, streamed:
    `write(queryset, filters)` gives its text."""
    form = reg.RegisterFilterForm(request.GET, options=reg.filter_options())
    filters = form.filters()
    if form.errors:
        problems = [error for errors in form.errors.values() for error in errors]
        return HttpResponseBadRequest(
            "\n".join(problems) + "\n", content_type="text/plain; charset=utf-8"
        )
    # A HEAD request needs the headers only: the query is not run.
    queryset = reg.filtered(filters) if request.method == "GET" else reg.published().none()
    response = StreamingHttpResponse(write(queryset, filters), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


open_data = public(register_version, per_user=False, cross_origin=True)


@require_safe
@open_data
def decisions_csv(request, version: Version):
    return _export(
        request,
        content_type="text/csv; charset=utf-8; header=present",
        filename="grant-decisions.csv",
        write=lambda queryset, filters: reg.csv_lines(reg.open_data_rows(queryset)),
    )


@require_safe
@open_data
def decisions_json(request, version: Version):
    def document(queryset, filters):
        generated_at = timezone.now()
        return reg.json_document(
            queryset,
            lambda count: opendata.json_metadata(
                count=count, filters=filters, generated_at=generated_at
            ),
        )

    return _export(
        request,
        content_type="application/json",
        filename="grant-decisions.json",
        write=document,
    )


@require_safe
@open_data
def data_package(request, version: Version):
    """The register's open data described as a Frictionless Data Package: the CSV, its
    Table Schema and its licence."""
    package = opendata.data_package(version.data.last_modified)
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'inline; filename="datapackage.json"'
    return response


@require_safe
def about_open_data(request):
    return render(
        request,
        "public/open_data.html",
        {
            "fields": opendata.documented_fields(),
            "licence": opendata.LICENCE,
            "formula_note": opendata.FORMULA_NOTE,
        },
    )


# ---- Money at a glance: grants accepted, by funder and by financial year -------------------


def _accepted_charts(accepted: totals.AcceptedTotals) -> dict:
    return {
        "funder_chart": charts.bar_chart(
            "funder-chart",
            "Grants accepted by funder",
            [(t.label, t.amount) for t in accepted.by_funder],
        ),
        "year_chart": charts.bar_chart(
            "year-chart",
            "Grants accepted by financial year",
            [(t.label, t.amount) for t in accepted.by_year],
        ),
    }


@require_safe
@public(register_page_version, cache_key=lambda request: ())
def grants_accepted(request, version: Version):
    accepted = totals.accepted_totals()
    return render(
        request,
        "public/grants_accepted.html",
        {
            "totals": accepted,
            "total_text": format_pounds(accepted.total),
            **_accepted_charts(accepted),
        },
    )


@require_safe
@open_data
def grants_accepted_csv(request, version: Version):
    response = HttpResponse(
        totals.csv_text(totals.accepted_totals()),
        content_type="text/csv; charset=utf-8; header=present",
    )
    response["Content-Disposition"] = 'attachment; filename="grants-accepted.csv"'
    return response


# ---- Audit anchors: the chain's head at each publication, for anyone to keep --------------

ANCHORS_PER_PAGE = 50


@require_safe
@public(register_page_version)
def audit_anchors(request, version: Version):
    paginator = Paginator(anchors.rows(newest_first=True), ANCHORS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "public/audit_anchors.html",
        {
            "anchors": page.object_list,
            "count": paginator.count,
            "site_url": settings.SITE_URL,
            "pagination": govuk_pagination(
                page,
                lambda number: reverse("audit-anchors") + (f"?page={number}" if number > 1 else ""),
            ),
        },
    )


@require_safe
@open_data
def audit_anchors_json(request, version: Version):
    response = StreamingHttpResponse(anchors.json_document(), content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="audit-anchors.json"'
    return response


# ---- For search engines: robots.txt and the sitemap of published decisions -------------


@require_safe
def robots(request):
    response = HttpResponse(sitemap.robots_txt(), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


@require_safe
@open_data
def sitemap_index(request, version: Version):
    return HttpResponse(sitemap.index_xml(), content_type="application/xml; charset=utf-8")


@require_safe
@open_data
def sitemap_page(request, number: int, version: Version):
    xml = sitemap.page_xml(number)
    if xml is None:
        raise Http404("No published decision is on a sitemap page of that number")
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


# ---- Published files: a decision's record and Part 1 as a PDF, and its signed grant
# agreement. Both come from the current published revision, so a correction or a newly
# added agreement changes the ETag and caches fetch the new file.


@require_safe
@public(agreement_version, per_user=False)
def agreement_pdf(request, slug, version: Version):
    if version.data == WITHDRAWN:
        return _gone()
    return agreement_response(version.data.agreement, filename=f"{slug}-grant-agreement.pdf")


@require_safe
@public(pdf_version, per_user=False)
def decision_pdf(request, slug, version: Version):
    """The published decision form, from storage: Part 1 only, as drawn when published."""
    if version.data == WITHDRAWN:
        return _gone()
    return pdf.stored_response(version.data, filename=f"{slug}-decision.pdf")
