"""Pages anyone may read: the home page, the register of published decisions and its open
data, and the statements every service publishes.

The register reads only what approvals.register says is published. A decision's pages
show its current published revision, which holds the decision record and Part 1 of the
report: Part 2 never reaches a public page.
"""

import datetime
import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from html import escape

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from approvals.models import DecisionOutcome, GrantAgreement, PublishedRevision
from approvals.publication import part1 as renderings
from approvals.publication import register as reg
from approvals.publication.agreements import agreement_response
from approvals.publication.pdf import LAYOUT, render_decision_pdf
from approvals.standing import public_annex
from grants.document import document_json
from grants.money import format_pounds
from grants.templatetags.grant_tags import outcome_tag

# Browsers and shared caches may keep public pages this long; a new decision appears
# on the register within five minutes.
PUBLIC_MAX_AGE = 300
# Rendered pages are kept in Django's cache (local memory, or Redis shared by every app
# server when REDIS_URL is set) under keys made of what they show: a decision's current
# revision, or the register's version. Publishing or correcting changes the key, so a
# stale page is never served; old entries simply expire.
PAGE_CACHE_SECONDS = 24 * 60 * 60
REGISTER_PARAMETERS = ("q", "year", "funder", "outcome", "page")
FILTER_LABELS = {"q": "Search", "year": "Financial year", "funder": "Funder", "outcome": "Decision"}


@require_safe
def home(request):
    return render(request, "public/home.html")


@require_safe
def accessibility(request):
    return render(request, "public/accessibility.html")


@require_safe
def privacy(request):
    return render(request, "public/privacy.html")


# ---- Caching and conditional GET -------------------------------------------------------


def _cacheable(view: Callable, *, per_user: bool) -> Callable:
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            # A signed-in member of staff sees their own navigation (and a sign-out form
            # with a CSRF token): no shared cache may keep that.
            if per_user and request.user.is_authenticated:
                patch_cache_control(response, private=True, max_age=0)
            else:
                patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    return wrapped


def public_page(view: Callable) -> Callable:
    """An HTML page of the register: cached publicly, except for signed-in staff."""
    return _cacheable(view, per_user=True)


def open_data(view: Callable) -> Callable:
    """A data file: the same for everyone, cached publicly and readable from any site."""
    cached = _cacheable(view, per_user=False)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = cached(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


@functools.cache
def _release() -> str:
    # The stylesheet's and script's hashed names change with a release that changes
    # them, so a page kept from before it is not revalidated with links to old assets.
    assets = static("dist/app.css") + static("dist/app.js")
    return hashlib.sha256(assets.encode()).hexdigest()[:12]


def _page_etag(request, tag: str) -> str:
    viewer = "staff" if request.user.is_authenticated else "public"
    return f'W/"{tag}-{viewer}-{_release()}"'


class _Recent:
    """Values read in the last REGISTER_RECHECK_SECONDS, by key, for this process: the
    latest few hundred, so made-up slugs cannot grow it without bound."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, load: Callable):
        seconds = settings.REGISTER_RECHECK_SECONDS
        now = time.monotonic()
        with self.lock:
            kept = self.entries.get(key)
            if kept is not None and now - kept[0] < seconds:
                return kept[1]
        value = load()
        if seconds > 0:
            with self.lock:
                self.entries[key] = (now, value)
                self.entries.move_to_end(key)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
        return value


_recent = _Recent()


def _register_version(request) -> reg.Version:
    # Computed once a request: the ETag and Last-Modified come from the same query.
    # Signed-in staff always see the register as it is now.
    if not hasattr(request, "register_version"):
        request.register_version = (
            reg.register_version()
            if request.user.is_authenticated
            else _recent.get("register", reg.register_version)
        )
    return request.register_version


def _revision(request, slug: str) -> dict | None:
    if not hasattr(request, "current_revision"):
        request.current_revision = (
            reg.current_revision(slug)
            if request.user.is_authenticated
            else _recent.get(("decision", slug), lambda: reg.current_revision(slug))
        )
    return request.current_revision


# Facts about the whole register, read once a process for each version of it. They
# change only when a decision is first published, which always adds a revision and so
# gives the register a new version.
_register_facts: dict[tuple[str, str], object] = {}


def _for_version(request, name: str, read: Callable):
    key = (_register_version(request).tag, name)
    if key not in _register_facts:
        if not any(tag == key[0] for tag, _ in _register_facts):
            _register_facts.clear()
        _register_facts[key] = read()
    return _register_facts[key]


def _filter_options(request) -> reg.FilterOptions:
    """The funders and years for the filters."""
    return _for_version(request, "filter-options", reg.filter_options)


def _published_total(request) -> int:
    """How many decisions are published: the unfiltered register's count, on each of
    its pages."""
    return _for_version(request, "published-total", lambda: reg.published().count())


def register_etag(request, *args, **kwargs) -> str:
    return f'W/"{_register_version(request).tag}"'


def register_last_modified(request, *args, **kwargs) -> datetime.datetime | None:
    return _register_version(request).last_modified


def _register_page_etag(request) -> str:
    return _page_etag(request, _register_version(request).tag)


def _annex(request, slug: str) -> dict:
    """Later events shown on a decision's page: read only when its page is rendered,
    and only when there are some."""
    current = _revision(request, slug)
    if current["later_events"] == 0:
        return {"acceptances": [], "cited_by": []}
    return public_annex(current["publication__decision_id"])


def _decision_etag(request, slug: str) -> str | None:
    current = _revision(request, slug)
    if not current:
        return None
    return _page_etag(request, f"revision-{current['pk']}-{current['later_events']}")


def _document_etag(request, slug: str) -> str | None:
    # The document's bytes are exactly the ones its SHA-256 was taken of.
    current = _revision(request, slug)
    return f'"{current["document_sha256"]}"' if current else None


def _revision_last_modified(request, slug: str) -> datetime.datetime | None:
    current = _revision(request, slug)
    return current["published_at"] if current else None


# ---- Rendered pages, cached -------------------------------------------------------------


def _shared_page(request) -> bool:
    """A page everyone sees alike: an anonymous GET with no message waiting to be shown.
    Signed-in staff see their own navigation, so their pages are never cached."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def _cache_key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"public-page:v1:{kind}:{_release()}:{digest}"


def cached_page(key_func: Callable) -> Callable:
    """Serve a view's rendered 200 response from the cache when `key_func` gives a key
    for the request (None: render, and keep nothing)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            key = key_func(request, *args, **kwargs) if _shared_page(request) else None
            if key is not None:
                kept = cache.get(key)
                if kept is not None:
                    content_type, content = kept
                    return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if key is not None and response.status_code == 200 and not response.streaming:
                cache.set(key, (response["Content-Type"], response.content), PAGE_CACHE_SECONDS)
            return response

        return wrapped

    return decorator


def _register_page_key(request) -> str | None:
    params = request.GET
    # Only the register's own parameters, each given once; anything else is rendered
    # afresh, so made-up query strings cannot fill the cache.
    if any(name not in REGISTER_PARAMETERS or len(params.getlist(name)) > 1 for name in params):
        return None
    values = [params.get(name, "") for name in REGISTER_PARAMETERS]
    return _cache_key("register", _register_version(request).tag, *values)


def _decision_page_key(request, slug: str) -> str | None:
    current = _revision(request, slug)
    if current is None:
        return None
    return _cache_key(
        "decision",
        current["pk"],
        current["published_at"].timestamp(),
        current["document_sha256"],
        current["later_events"],
    )


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


def _pagination(page, filters: dict[str, str]) -> dict:
    def url(number: int) -> str:
        return _register_url({**filters, "page": number if number > 1 else ""})

    items = [
        None
        if number == page.paginator.ELLIPSIS
        else {"number": number, "url": url(number), "current": number == page.number}
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return {
        "items": items if page.paginator.num_pages > 1 else [],
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(day: datetime.date) -> str:
    """'26 November 2026', as the date filter's "j F Y" gives it."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


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
      <dd class="app-metadata__definition">{grant} for {financial_years}</dd>
    </div>
    <div class="app-metadata__row">
      <dt class="app-metadata__term">Published:</dt>
      <dd class="app-metadata__definition">{published}</dd>
    </div>
  </dl>
</li>
"""


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
                outcome=outcome_tag(row["outcome"]),
                decided=long_date(row["decision_date"]),
                funders=escape(row["funders"]),
                grant=escape(format_pounds(row["total_grant_amount"])),
                financial_years=escape(row["financial_years"]),
                published=long_date(timezone.localtime(row["published_at"])),
            )
            for row in rows
        )
    )


@require_safe
@public_page
@condition(etag_func=_register_page_etag, last_modified_func=register_last_modified)
@cached_page(_register_page_key)
def register(request):
    form = reg.RegisterFilterForm(request.GET, options=_filter_options(request))
    filters = form.filters()
    results = reg.page_of(
        reg.filtered(filters).values(*reg.STORED_FIELDS),
        request.GET.get("page", ""),
        count=None if filters else _published_total(request),
    )
    page = results.page
    context = {
        "form": form,
        "page": page,
        "rows": _listed(page.object_list),
        "count": page.paginator.count,
        "page_problem": results.problem,
        "active_filters": _active_filters(filters),
        "pagination": _pagination(page, filters),
        "data_query": reg.query_string(filters),
    }
    # A filter that could not be read is a bad request; the page still shows the
    # results of the others, and says what to correct.
    status = 400 if form.errors else 200
    return render(request, "public/register/list.html", context, status=status)


@require_safe
@public_page
@condition(etag_func=_decision_etag, last_modified_func=_revision_last_modified)
@cached_page(_decision_page_key)
def decision(request, slug):
    current = _revision(request, slug)
    if current is None:
        raise Http404("No published decision has this reference.")
    revision = (
        PublishedRevision.objects.select_related("publication", "agreement", "part1")
        .defer("document", "publication__search_vector")
        .get(pk=current["pk"])
    )
    earlier = (
        list(
            PublishedRevision.objects.filter(publication_id=revision.publication_id)
            .exclude(pk=revision.pk)
            .order_by("-number")
            .only("number", "published_at", "note")
        )
        if revision.number > 1
        else []
    )
    record = revision.record
    context = {
        "publication": revision.publication,
        "revision": revision,
        "record": record,
        "decision_date": datetime.date.fromisoformat(record["decision_date"]),
        # Newest first; shown only once a correction has been published.
        "history": [revision, *earlier] if earlier else [],
        # Part 1 as the report shows it, in £m: drawn when it was published. The
        # document holds no Part 2, and part2.html is never drawn here.
        "part1": renderings.part1_html(
            revision,
            lambda: PublishedRevision.objects.values_list("document", flat=True).get(
                pk=revision.pk
            ),
        ),
        **_annex(request, slug),
    }
    return render(request, "public/register/detail.html", context)


@require_safe
@open_data
@condition(etag_func=_document_etag, last_modified_func=_revision_last_modified)
def decision_document(request, slug):
    current = _revision(request, slug)
    if current is None:
        raise Http404("No published decision has this reference.")
    document = PublishedRevision.objects.values_list("document", flat=True).get(pk=current["pk"])
    response = HttpResponse(document_json(document), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{slug}-document.json"'
    return response


# ---- Open data ---------------------------------------------------------------------------


def _export(request, *, content_type: str, filename: str, write: Callable):
    form = reg.RegisterFilterForm(request.GET, options=_filter_options(request))
    filters = form.filters()
    if form.errors:
        problems = [error for errors in form.errors.values() for error in errors]
        return HttpResponseBadRequest(
            "\n".join(problems) + "\n", content_type="text/plain; charset=utf-8"
        )
    # A HEAD request needs the headers only: the query is not run.
    rows = reg.open_data_rows(reg.filtered(filters)) if request.method == "GET" else []
    response = StreamingHttpResponse(write(rows), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@open_data
@condition(etag_func=register_etag, last_modified_func=register_last_modified)
def decisions_csv(request):
    return _export(
        request,
        content_type="text/csv; charset=utf-8; header=present",
        filename="grant-decisions.csv",
        write=reg.csv_lines,
    )


@require_safe
@open_data
@condition(etag_func=register_etag, last_modified_func=register_last_modified)
def decisions_json(request):
    return _export(
        request,
        content_type="application/json",
        filename="grant-decisions.json",
        write=reg.json_array,
    )


# Published files: a decision's record and Part 1 as a PDF, and its signed grant agreement.
# Both come from the current published revision, so a correction or a newly added
# agreement changes the ETag and caches fetch the new file.

logger = logging.getLogger(__name__)


def _current_revision(slug: str) -> PublishedRevision:
    """The revision the public sees now; 404 until the decision is published."""
    revision = (
        PublishedRevision.objects.filter(
            publication__slug=slug, publication__published_at__isnull=False
        )
        .select_related("publication", "agreement")
        .order_by("-number")
        .first()
    )
    if revision is None:
        raise Http404("No published decision has that reference")
    return revision


def _published_agreement(slug: str) -> tuple[PublishedRevision, GrantAgreement]:
    revision = _current_revision(slug)
    if revision.agreement is None:
        raise Http404("No grant agreement has been published for this decision")
    return revision, revision.agreement


def _agreement_etag(request, slug):
    revision, agreement = _published_agreement(slug)
    return f"{revision.number}-{agreement.sha256}"


def _pdf_etag(request, slug):
    revision = _current_revision(slug)
    # Weak: the PDF is rebuilt on each request, and the same revision may not come out
    # byte for byte the same (its creation time differs).
    return f'W/"{revision.number}-{revision.document_sha256}-{LAYOUT}"'


# A refusal (404) is raised, not returned, so it is never marked public.
public = cache_control(public=True, max_age=PUBLIC_MAX_AGE)


@require_safe
@public
@condition(etag_func=_agreement_etag)
def agreement_pdf(request, slug):
    _, agreement = _published_agreement(slug)
    return agreement_response(agreement, filename=f"{slug}-grant-agreement.pdf")


@require_safe
@public
@condition(etag_func=_pdf_etag)
def decision_pdf(request, slug):
    revision = _current_revision(slug)
    response = HttpResponse(render_decision_pdf(revision), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"{slug}-decision.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
