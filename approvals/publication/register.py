"""The public register's queries: what is published, how it is searched and filtered, and
its open data.

Everything here reads published publications (published_at set) and their revisions,
never a case, a version or Part 2. The list, search, filters and exports use the
fields copied onto each publication, so none of them reads a document.
"""

import csv
import datetime
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connections, router, transaction
from django.db.models import Exists, F, Func, Lookup, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.text import slugify

from approvals.models import (
    DecisionOutcome,
    FilterOption,
    Publication,
    PublishedRevision,
    RegisterCount,
    RegisterEntry,
    Withdrawal,
)
from approvals.publication import opendata
from grants.forms import ErrorSummaryMixin, GovukRadioSelect
from grants.money import financial_year_label, parse_financial_year

PAGE_SIZE = 20
MAX_SEARCH_LENGTH = 200
FEED_SIZE = 50
# Rows fetched from the database at a time while streaming an export: memory stays flat
# however many decisions there are.
EXPORT_CHUNK_ROWS = 2000
# Bytes gathered before an export hands a chunk to the server, so 100,000 rows are not
# 100,000 tiny writes.
EXPORT_CHUNK_BYTES = 64 * 1024
SEPARATOR = "; "

# The open data contract (DESIGN.md §6): these fields, in this order, in CSV and JSON.
OPEN_DATA_FIELDS = opendata.FIELD_NAMES
# The open data's words for an outcome (DESIGN.md §6), where they differ from the stored value.
OPEN_DATA_OUTCOMES = {"partly_approved": "partly approved"}
# What the register lists and exports, as stored (the url is built from the slug).
STORED_FIELDS = (*OPEN_DATA_FIELDS[:-1], "slug", "imported")

_PAGE = re.compile(r"[0-9]{1,9}")
_DIGIT = re.compile(r"[0-9]")


def published() -> QuerySet[Publication]:
    return Publication.objects.published()


def newest_first(queryset: QuerySet[Publication]) -> QuerySet[Publication]:
    # The id breaks ties, so pages never repeat or skip a decision published in the
    # same instant as another.
    return queryset.order_by("-published_at", "-id")


def split_list(text: str) -> list[str]:
    return [item for item in text.split(SEPARATOR) if item]


# ---- Filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterOptions:
    """The funders and financial years that published decisions have, for the selects."""

    funders: list[str]
    years: list[str]
    # Each option's id, by (field, value): what the filters look decisions up by.
    ids: dict = field(default_factory=dict, compare=False)


FACT_SECONDS = 24 * 60 * 60


def _fact_key(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"register-fact:v1:{register_version().tag}:{digest}"


def for_version(name: str, read):
    """A fact about the whole register that changes only when its version does (its
    filter options, how many decisions match a search), kept in Django's cache under
    that version: a new publication makes every such fact new."""
    return cache.get_or_set(_fact_key(name), read, FACT_SECONDS)


def filter_options() -> FilterOptions:
    """The funders and years published decisions have: kept for the register's version."""
    return for_version("filter-options", _read_filter_options)


def _read_filter_options() -> FilterOptions:
    # One small query, however many decisions there are: the options are kept as
    # decisions are published (add_filter_options).
    funders: list[str] = []
    years: list[str] = []
    ids = {}
    for pk, kind, value in FilterOption.objects.values_list("pk", "field", "value"):
        (funders if kind == FilterOption.Field.FUNDER else years).append(value)
        ids[(kind, value)] = pk
    return FilterOptions(
        sorted(funders, key=lambda name: (name.casefold(), name)),
        sorted(years, reverse=True),
        ids,
    )


def combination(filters: dict[str, str]) -> tuple[int, int] | None:
    """The kept (id, count) of a funder, year and outcome combination of filters (no
    search), for the register's version; None when no published decision has it."""
    key = (filters.get("funder", ""), filters.get("year", ""), filters.get("outcome", ""))
    return for_version(
        "combination:" + json.dumps(key),
        lambda: (
            RegisterCount.objects.filter(funder=key[0], year=key[1], outcome=key[2])
            .values_list("pk", "count")
            .first()
        ),
    )


def kept_count(filters: dict[str, str]) -> int:
    """How many published decisions have the filters' funder, year and outcome (no
    search): the kept count of their combination, the unfiltered total for none."""
    kept = combination(filters)
    return kept[1] if kept else 0


def published_total() -> int:
    """How many decisions are published: the unfiltered register's count, as kept."""
    return kept_count({})


def _search_key(filters: dict[str, str]) -> str:
    return "search-count:" + json.dumps(filters, sort_keys=True)


def known_search_count(filters: dict[str, str]) -> int | None:
    """How many decisions a search matches, if it was counted for this version."""
    if not filters.get("q"):
        return None
    return cache.get(_fact_key(_search_key(filters)))


def keep_search_count(filters: dict[str, str], count: int) -> None:
    """Keep a search's count for this version, so its other pages need not count again."""
    if filters.get("q"):
        cache.set(_fact_key(_search_key(filters)), count, FACT_SECONDS)


def _combinations(publication: Publication) -> set[tuple[str, str, str]]:
    """Each (funder, year, outcome) count that a published decision adds one to, ''
    standing for any."""
    funders = {"", *split_list(publication.funders)}
    years = {"", *split_list(publication.financial_years)}
    return {
        (funder, year, outcome)
        for funder in funders
        for year in years
        for outcome in ("", publication.outcome)
    }


def _add_counts(counts: Counter) -> None:
    """Add to the kept counts in place (an upsert that adds), so publishers at the same
    time never lose each other's; rows in one order, so they never deadlock."""
    connection = connections[router.db_for_write(RegisterCount)]
    quote = connection.ops.quote_name
    table = quote(RegisterCount._meta.db_table)
    rows = sorted(counts.items())
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
        params = [
            value for (funder, year, outcome), n in batch for value in (funder, year, outcome, n)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (funder, year, outcome, {quote('count')}) VALUES {values} "
                f"ON CONFLICT (funder, year, outcome) DO UPDATE "
                f"SET {quote('count')} = {table}.{quote('count')} + EXCLUDED.{quote('count')}",
                params,
            )


def _add_entries(publications: list[Publication], combinations: dict) -> None:
    """List each decision under every combination of filters it has but the unfiltered
    one, which the publications' own index serves."""
    wanted = {key for keys in combinations.values() for key in keys} - {("", "", "")}
    ids = {}
    for pk, funder, year, outcome in RegisterCount.objects.filter(
        funder__in={key[0] for key in wanted}, year__in={key[1] for key in wanted}
    ).values_list("pk", "funder", "year", "outcome"):
        ids[funder, year, outcome] = pk
    RegisterEntry.objects.bulk_create(
        [
            RegisterEntry(
                combination_id=ids[key],
                publication_id=publication.pk,
                published_at=publication.published_at,
            )
            for publication in publications
            for key in sorted(combinations[publication.pk] - {("", "", "")})
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def add_filter_options(publications: Iterable[Publication]) -> None:
    """Offer newly published decisions' funders and years in the register's filters, link
    each decision to them, and count them in the register's counts. Runs once for each
    decision, in the transaction that first publishes it; another publishing the same
    funder at the same time is no conflict."""
    publications = list(publications)
    combinations = {publication.pk: _combinations(publication) for publication in publications}
    _add_counts(Counter(key for keys in combinations.values() for key in keys))
    _add_entries(publications, combinations)
    wanted = {
        publication.pk: {
            (field, item)
            for field, text in (
                (FilterOption.Field.FUNDER, publication.funders),
                (FilterOption.Field.YEAR, publication.financial_years),
            )
            for item in split_list(text)
        }
        for publication in publications
    }
    options = set().union(*wanted.values())
    FilterOption.objects.bulk_create(
        [FilterOption(field=field, value=value) for field, value in sorted(options)],
        ignore_conflicts=True,
    )
    ids = {
        (option.field, option.value): option.pk
        for option in FilterOption.objects.filter(value__in={value for _, value in options})
    }
    Link = Publication.filter_options.through
    Link.objects.bulk_create(
        [
            Link(publication_id=pk, filteroption_id=ids[option])
            for pk, chosen in wanted.items()
            for option in sorted(chosen)
        ],
        ignore_conflicts=True,
    )


def remove_from_counts(publication: Publication) -> None:
    """Take a decision whose every revision was withdrawn out of the register's counts and
    filtered lists, in the transaction that withdraws it; publishing it again adds it
    back (add_filter_options). Rows in the order _add_counts takes them, so the two never
    deadlock."""
    for funder, year, outcome in sorted(_combinations(publication)):
        RegisterCount.objects.filter(funder=funder, year=year, outcome=outcome).update(
            count=F("count") - 1
        )
    RegisterEntry.objects.filter(publication=publication).delete()


def normalise_financial_year(text: str) -> str | None:
    """'2023/24', '2023-24' or '2023 / 24' → '2023/24'; None unless it is a real year."""
    try:
        return financial_year_label(parse_financial_year(text))
    except ValueError:
        return None


class RegisterFilterForm(ErrorSummaryMixin, forms.Form):
    """The register's search and filters, read from the query string.

    Every parameter is checked here, so nothing a person types reaches a query unless
    it is valid: a bad value becomes a message on the page, never an error."""

    q = forms.CharField(
        label="Search decisions",
        help_text="For example, a title, a grant scheme or a reference like PCD 1234",
        required=False,
        max_length=MAX_SEARCH_LENGTH,
        error_messages={
            "max_length": f"Search terms must be {MAX_SEARCH_LENGTH} characters or fewer",
            "null_characters_not_allowed": "Search terms must not contain control characters",
        },
    )
    # Any well-formed year is accepted, not only those in the select: a link to a year
    # with no decisions yet says that none match.
    year = forms.CharField(
        label="Financial year",
        required=False,
        widget=forms.Select,
        error_messages={"null_characters_not_allowed": "Enter a financial year like 2023/24"},
    )
    funder = forms.ChoiceField(
        label="Funder",
        required=False,
        error_messages={"invalid_choice": "Select a funder from the list"},
    )
    outcome = forms.ChoiceField(
        label="Decision",
        required=False,
        choices=[("", "Any decision"), *DecisionOutcome.choices],
        widget=GovukRadioSelect,
        error_messages={"invalid_choice": "Select approved, rejected or any decision"},
    )

    def __init__(self, params, *, options: FilterOptions):
        # Missing parameters are empty ones, so "Any decision" is checked on a first visit.
        data = {name: params.get(name, "") for name in self.base_fields}
        # "2023-24" is shown selected as "2023/24".
        chosen_year = normalise_financial_year(data["year"])
        data["year"] = chosen_year or data["year"]
        super().__init__(data)
        years = list(options.years)
        if chosen_year and chosen_year not in years:
            years = sorted([*years, chosen_year], reverse=True)
        self.fields["year"].widget.choices = [("", "All years"), *((y, y) for y in years)]
        self.fields["funder"].choices = [("", "All funders"), *((f, f) for f in options.funders)]

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_year(self):
        text = self.cleaned_data["year"]
        if not text:
            return ""
        year = normalise_financial_year(text)
        if year is None:
            raise forms.ValidationError("Enter a financial year like 2023/24")
        return year

    def filters(self) -> dict[str, str]:
        """The valid filters that are in use; a field in error is left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


@SearchVectorField.register_lookup
class WebSearch(Lookup):
    """`search_vector__websearch="knife crime"`: the words match English text as
    websearch_to_tsquery reads what people type ("quoted phrases", or, -not), never
    failing on stray punctuation. The same SQL as SearchQuery(search_type="websearch"),
    which took longer for Django to build than PostgreSQL took to run."""

    lookup_name = "websearch"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        sql = f"{lhs} @@ websearch_to_tsquery('english'::regconfig, {rhs})"
        return sql, [*lhs_params, *rhs_params]


def search(queryset: QuerySet[Publication], text: str) -> QuerySet[Publication]:
    """Decisions whose title, summary or recommendations match; or, when the text has a
    number in it, whose reference is the text ("PCD 12", "pcd-12")."""
    if connections[queryset.db].vendor == "postgresql":
        # search_vector holds the words of the title, summary and recommendations.
        matches = Q(search_vector__websearch=text)
    else:
        # Elsewhere (SQLite in development), every word must appear in one of the fields.
        matches = Q()
        for word in text.replace('"', " ").split():
            matches &= (
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(recommendations__icontains=word)
            )
    # Every reference has a number; asking for one otherwise only slows the search.
    if _DIGIT.search(text):
        matches |= Q(slug=slugify(text))
    return queryset.filter(matches)


def _has_option(option_id: int) -> Exists:
    """The decision is linked to the filter option: read through the links' unique index
    (publication, option), however many decisions there are."""
    Link = Publication.filter_options.through
    return Exists(Link.objects.filter(publication=OuterRef("pk"), filteroption_id=option_id))


def filtered(filters: dict[str, str]) -> QuerySet[Publication]:
    """Published decisions matching the filters, newest first."""
    if not filters.get("q") and filters:
        # Listed under the combination of its filters, newest first, read in order from
        # one index (the combination's id is a constant, so the planner can).
        kept = combination(filters)
        if kept is None:
            return published().none()
        return (
            published()
            .filter(register_entries__combination_id=kept[0])
            .order_by("-register_entries__published_at", "-register_entries__publication_id")
        )
    queryset = published()
    if filters.get("q"):
        queryset = search(queryset, filters["q"])
    options = filter_options().ids if filters.get("year") or filters.get("funder") else {}
    for name, kind in (("year", FilterOption.Field.YEAR), ("funder", FilterOption.Field.FUNDER)):
        if filters.get(name):
            option = options.get((kind, filters[name]))
            # An option no published decision has: nothing matches.
            queryset = queryset.filter(_has_option(option)) if option else queryset.none()
    if filters.get("outcome"):
        queryset = queryset.filter(outcome=filters["outcome"])
    return newest_first(queryset)


def query_string(params: dict[str, object]) -> str:
    """'?q=x&page=2' from the parameters that have a value; '' when none do."""
    used = {name: value for name, value in params.items() if value not in ("", None)}
    return f"?{urlencode(used)}" if used else ""


# ---- Pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterPage:
    page: Page
    problem: str  # Why the page shown is not the one asked for, or ""


class _Paginator(Paginator):
    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.count = count  # Known already: no COUNT query.


def _page_with_total(queryset: QuerySet, number: int) -> Page | None:
    """Page `number` of a .values() queryset and how many rows match, in one query (the
    count a scalar subquery beside the page's rows); None when the page has no rows, as
    when it is past the last or nothing matches."""
    # COUNT as a plain function, not an aggregate, so Django adds no GROUP BY.
    total = Subquery(queryset.order_by().values(n=Func("pk", function="COUNT")))
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset.annotate(total=total)[start : start + PAGE_SIZE])
    if not rows:
        return None
    page = _Paginator(queryset, PAGE_SIZE, count=rows[0]["total"]).page(number)
    page.object_list = rows
    return page


def page_of(queryset: QuerySet, requested: str, *, count: int | None = None) -> RegisterPage:
    """The requested page of a .values() queryset (`count` rows in all, when that is
    known). A page that is not a number, or beyond the last, shows the nearest real page
    and says why."""
    if requested == "":
        number, problem = 1, ""
    elif not _PAGE.fullmatch(requested) or int(requested) < 1:
        number, problem = 1, "Page numbers are whole numbers, like 2. This is page 1."
    else:
        number, problem = int(requested), ""
    if count is None:
        page = _page_with_total(queryset, number)
        if page is not None:
            return RegisterPage(page, problem)
    paginator = _Paginator(queryset, PAGE_SIZE, count=count)
    if number > paginator.num_pages:
        last = paginator.num_pages
        return RegisterPage(
            paginator.page(last),
            f"There is no page {number}. This is the last page, page {last}.",
        )
    return RegisterPage(paginator.page(number), problem)


# ---- Versions, for conditional GET -----------------------------------------------------


@dataclass(frozen=True)
class RegisterVersion:
    """A tag that changes whenever anything the register shows does, and a time."""

    tag: str
    last_modified: datetime.datetime | None


# The register's version and each decision's are kept in Django's cache (shared by every
# app server when REDIS_URL is set) for at most VERSION_SECONDS, and forgotten as soon as
# a change to them commits (forget_versions): a page is drawn afresh at once on every
# server sharing the cache, and within VERSION_SECONDS on any other.
VERSION_SECONDS = 2
REGISTER_VERSION_KEY = "register-version:v1"


def _decision_version_key(slug: str) -> str:
    # Hashed: a slug in a URL may be of any length.
    return f"decision-version:v1:{hashlib.sha256(slug.encode()).hexdigest()}"


def _kept(key: str, read):
    """read(), kept under `key`. Nothing is kept when there is nothing (a made-up slug),
    so that made-up addresses cannot fill the cache."""
    kept = cache.get(key)
    if kept is None:
        kept = read()
        if kept is not None:
            cache.set(key, kept, VERSION_SECONDS)
    return kept


def forget_versions(slugs: Iterable[str] = ()) -> None:
    """Forget the register's version and these decisions': now, and again once the
    change commits, in case a request read the old ones from the database meanwhile."""
    slugs = list(slugs)
    keys = [
        REGISTER_VERSION_KEY,
        *(_decision_version_key(slug) for slug in slugs),
        *(_decision_version_key("withdrawn:" + slug) for slug in slugs),
    ]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def register_version() -> RegisterVersion:
    """Changes whenever a decision is published or a correction changes a published
    decision: each adds a published revision, and revisions are never changed or
    removed (nor is a publication once it has one); and whenever a withdrawal is
    confirmed, which takes something off the register."""
    return _kept(REGISTER_VERSION_KEY, _read_register_version)


def _read_register_version() -> RegisterVersion:
    # The newest revision is read from the primary key's index: one query that costs the
    # same for 100 decisions as for 100,000.
    # The newest confirmed withdrawal, from its own index, in the same query.
    withdrawn = Withdrawal.objects.confirmed().order_by("-confirmed_at", "-id")[:1]
    newest = (
        PublishedRevision.objects.order_by("-id")
        .annotate(
            withdrawal=Subquery(withdrawn.values("id")),
            withdrawn_at=Subquery(withdrawn.values("confirmed_at")),
        )
        .values_list("id", "published_at", "withdrawal", "withdrawn_at")
        .first()
    )
    if newest is None:
        return RegisterVersion("empty", None)
    revision_id, latest, withdrawal_id, withdrawn_at = newest
    tag = f"{revision_id}-{latest.timestamp():.6f}"
    if withdrawal_id is not None:
        tag += f"-w{withdrawal_id}-{withdrawn_at.timestamp():.6f}"
        latest = max(latest, withdrawn_at)
    return RegisterVersion(tag, latest)


def decision_version(slug: str) -> dict | None:
    return _kept(_decision_version_key(slug), lambda: _read_decision_version(slug))


def _read_decision_version(slug: str) -> dict | None:
    """What a published decision's pages show depends on: the revision they show (pk,
    number, time and document hash: the newest not withdrawn) and how many times what
    its page shows of later events (withdrawals among them) has changed; or None when no
    decision with that slug is published, or every revision of it is withdrawn.

    Revisions never change, so these together identify everything its pages show."""
    return (
        PublishedRevision.objects.shown()
        .filter(publication__slug=slug)
        .values(
            "pk",
            "number",
            "published_at",
            "document_sha256",
            "publication__decision_id",
            later_events=F("publication__later_events"),
            # Whether its page must say what was withdrawn (read only then).
            has_withdrawals=Exists(
                Withdrawal.objects.confirmed().filter(publication=OuterRef("publication"))
            ),
        )
        .first()
    )


def withdrawn_version(slug: str) -> dict | None:
    """A published decision whose every revision is withdrawn: what its page shows then
    depends on (the withdrawals, counted by later_events); None for any other slug."""
    return _kept(
        _decision_version_key("withdrawn:" + slug),
        lambda: (
            Publication.objects.filter(
                slug=slug, published_at__isnull=False, withdrawn_at__isnull=False
            )
            .values("pk", "withdrawn_at", "later_events")
            .first()
        ),
    )


# ---- Open data ---------------------------------------------------------------------------


def decision_url_maker(base: str = ""):
    """A function giving a decision's page address (after `base`) from its slug.
    Reversing once and filling in each slug keeps long lists fast; slugs need no
    escaping in a path."""
    placeholder = "slug-placeholder"
    template = base + reverse("decision", kwargs={"slug": placeholder})
    before, after = template.split(placeholder)
    return lambda slug: f"{before}{slug}{after}"


def _pounds(amount: Decimal | None) -> str:
    # An imported record may not say its total: left empty (DESIGN.md §6).
    return "" if amount is None else f"{amount:.2f}"


def _open_data_row(row: dict, url_for) -> dict[str, str]:
    return {
        "reference": row["reference"],
        "title": row["title"],
        "outcome": OPEN_DATA_OUTCOMES.get(row["outcome"], row["outcome"]),
        "decision_date": row["decision_date"].isoformat(),
        "published_at": opendata.utc_iso(row["published_at"]),
        "funders": row["funders"],
        "total_grant_amount": _pounds(row["total_grant_amount"]),
        "financial_years": row["financial_years"],
        "url": url_for(row["slug"]),
    }


def open_data_rows(queryset: QuerySet[Publication]) -> Iterator[dict[str, str]]:
    """Each decision as the open data fields, read in chunks from the database."""
    url_for = decision_url_maker(settings.SITE_URL)
    rows = queryset.values(*STORED_FIELDS).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    for row in rows:
        yield _open_data_row(row, url_for)


def counted_open_data_rows(queryset: QuerySet[Publication]) -> tuple[int, Iterator[dict]]:
    """How many decisions the queryset has, and each as the open data fields, read in
    chunks.

    The count is a scalar subquery of the same statement as the rows, so both come from
    one snapshot of the database: a decision published while the rows stream is in
    neither. The first row is read to learn it (with no rows, there are none to count)."""
    url_for = decision_url_maker(settings.SITE_URL)
    # COUNT as a plain function, not an aggregate, so Django adds no GROUP BY.
    total = Subquery(queryset.order_by().values(n=Func("pk", function="COUNT")))
    rows = (
        queryset.annotate(export_total=total)
        .values(*STORED_FIELDS, "export_total")
        .iterator(chunk_size=EXPORT_CHUNK_ROWS)
    )
    first = next(rows, None)
    if first is None:
        return 0, iter(())

    def converted():
        yield _open_data_row(first, url_for)
        for row in rows:
            yield _open_data_row(row, url_for)

    return first["export_total"], converted()


def _in_chunks(pieces: Iterable[str]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= EXPORT_CHUNK_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...) can send the reader's data elsewhere). Such a cell is written with a
# single quote in front, which spreadsheets show as text (OWASP's advice on CSV
# injection). A plain number, such as a negative amount, is a number, not a formula: it
# is written as it is, so an amount is never altered.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: str) -> str:
    """A CSV cell that no spreadsheet will run as a formula."""
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    def lines():
        writer = csv.writer(_Echo())
        yield writer.writerow(OPEN_DATA_FIELDS)
        for row in rows:
            yield writer.writerow([spreadsheet_safe(row[field]) for field in OPEN_DATA_FIELDS])

    return _in_chunks(lines())


def json_document(
    queryset: QuerySet[Publication], describe: Callable[[int], dict]
) -> Iterator[str]:
    """/decisions.json: one object, its `metadata` (`describe(count)` of the decisions),
    then its `decisions`, the queryset's rows as the open data fields, written a row at a
    time. The query runs when the document is first read."""

    def pieces():
        count, rows = counted_open_data_rows(queryset)
        yield '{"metadata": ' + json.dumps(describe(count), ensure_ascii=False)
        yield ',\n"decisions": ['
        for index, row in enumerate(rows):
            yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]}\n"

    return _in_chunks(pieces())
