"""Open data: /decisions.csv and /decisions.json (DESIGN.md §6's fields, in order, read
with the standard library), and the Atom feed."""

import csv
import datetime
import io
import json
import tracemalloc
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from approvals.models import Publication
from approvals.publication import register
from approvals.publication import services as publishing
from tests.workflow import bulk_publish, decide_only, publish

pytestmark = pytest.mark.django_db

FIELDS = [
    "reference",
    "title",
    "outcome",
    "decision_date",
    "published_at",
    "funders",
    "total_grant_amount",
    "financial_years",
    "url",
]
ATOM = "{http://www.w3.org/2005/Atom}"


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(body(response), newline=""))
    assert reader.fieldnames == FIELDS
    return list(reader)


def json_document(response) -> dict:
    document = json.loads(body(response))
    assert list(document) == ["metadata", "decisions"]
    return document


def json_rows(response) -> list[dict[str, str]]:
    document = json_document(response)
    rows = document["decisions"]
    assert isinstance(rows, list)
    for row in rows:
        assert list(row) == FIELDS
    assert document["metadata"]["count"] == len(rows)
    return rows


@pytest.fixture
def decisions(people, settings):
    settings.SITE_URL = "https://decisions.example.org"
    first = publish(people, title='Knife crime, "county lines" and more')
    second = publish(people, title="Violence reduction", outcome="reject")
    Publication.objects.filter(pk=second.pk).update(
        funders="Home Office; Youth Endowment Fund",
        financial_years="2024/25; 2025/26",
        total_grant_amount=Decimal("1701000.50"),
    )
    # As if those had been its funders and years when it was published.
    second = Publication.objects.get(pk=second.pk)
    register.add_filter_options([second])
    return first, second


def expected(publication: Publication) -> dict[str, str]:
    published_at = publication.published_at.astimezone(datetime.UTC).replace(microsecond=0)
    return {
        "reference": publication.reference,
        "title": publication.title,
        "outcome": publication.outcome,
        "decision_date": publication.decision_date.isoformat(),
        "published_at": published_at.isoformat(),
        "funders": publication.funders,
        "total_grant_amount": f"{publication.total_grant_amount:.2f}",
        "financial_years": publication.financial_years,
        "url": f"https://decisions.example.org/decisions/{publication.slug}/",
    }


@pytest.mark.parametrize(
    ("url", "read"), [("/decisions.csv", csv_rows), ("/decisions.json", json_rows)]
)
def test_each_file_has_the_contract_fields_in_order_newest_first(client, decisions, url, read):
    first, second = decisions
    assert read(client.get(url)) == [expected(second), expected(first)]


def test_the_values_are_in_the_documented_formats(client, decisions):
    _, second = decisions
    row = json_rows(client.get("/decisions.json"))[0]
    assert row["reference"] == "PCD 2"
    assert row["outcome"] == "rejected"
    assert row["total_grant_amount"] == "1701000.50"
    assert row["funders"] == "Home Office; Youth Endowment Fund"
    assert row["financial_years"] == "2024/25; 2025/26"
    assert row["url"] == "https://decisions.example.org/decisions/pcd-2/"
    assert datetime.date.fromisoformat(row["decision_date"]) == second.decision_date
    published_at = datetime.datetime.fromisoformat(row["published_at"])
    assert published_at.utcoffset() == datetime.timedelta(0)
    assert row["published_at"].endswith("+00:00")
    assert abs(published_at - second.published_at) < datetime.timedelta(seconds=1)


def test_the_csv_quotes_what_needs_quoting(client, decisions):
    text = body(client.get("/decisions.csv"))
    assert text.startswith("reference,title,outcome,decision_date,published_at,funders,")
    assert '"Knife crime, ""county lines"" and more"' in text
    assert text.endswith("\r\n")


@pytest.mark.parametrize(
    ("url", "content_type", "filename"),
    [
        ("/decisions.csv", "text/csv; charset=utf-8; header=present", "grant-decisions.csv"),
        ("/decisions.json", "application/json", "grant-decisions.json"),
    ],
)
def test_the_files_are_streamed_downloads(client, decisions, url, content_type, filename):
    response = client.get(url)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body(response)


@pytest.mark.parametrize(
    ("params", "expected_references"),
    [
        ({"q": "knife"}, ["PCD 1"]),
        ({"outcome": "rejected"}, ["PCD 2"]),
        ({"outcome": "approved"}, ["PCD 1"]),
        ({"funder": "Youth Endowment Fund"}, ["PCD 2"]),
        ({"year": "2024-25"}, ["PCD 2"]),
        ({"year": "2025/26"}, ["PCD 2", "PCD 1"]),
        ({"year": "2030/31"}, []),
        ({"page": "2"}, ["PCD 2", "PCD 1"]),  # the files are never paged
    ],
)
def test_the_register_filters_apply_to_both_files(client, decisions, params, expected_references):
    csv_references = [row["reference"] for row in csv_rows(client.get("/decisions.csv", params))]
    json_references = [row["reference"] for row in json_rows(client.get("/decisions.json", params))]
    assert csv_references == json_references == expected_references


@pytest.mark.parametrize("url", ["/decisions.csv", "/decisions.json"])
@pytest.mark.parametrize(
    "params", [{"year": "banana"}, {"outcome": "maybe"}, {"q": "x" * 500}, {"q": "a\x00"}]
)
def test_a_bad_filter_is_a_plain_400(client, decisions, url, params):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().strip()


def test_with_nothing_published_the_files_are_still_valid(client, db):
    assert json_document(client.get("/decisions.json"))["decisions"] == []
    assert json_document(client.get("/decisions.json"))["metadata"]["count"] == 0
    assert csv_rows(client.get("/decisions.csv")) == []


def test_unpublished_decisions_are_not_in_the_files(client, decisions, people):
    decide_only(people, title="Not yet")
    assert len(json_rows(client.get("/decisions.json"))) == 2
    assert "Not yet" not in body(client.get("/decisions.csv"))


@pytest.mark.parametrize("url", ["/decisions.csv", "/decisions.json"])
def test_a_head_request_runs_no_export_query(client, decisions, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.head(url)
        assert b"".join(response.streaming_content) == b""
    assert response.status_code == 200
    assert not any("total_grant_amount" in q["sql"] for q in queries.captured_queries)


def test_memory_stays_flat_however_many_rows_are_exported(client, decisions, monkeypatch):
    """Streaming 5,000 rows takes no more memory than streaming 500."""
    first, _ = decisions
    monkeypatch.setattr(register, "EXPORT_CHUNK_ROWS", 250)

    def stream(url) -> tuple[int, int]:
        response = client.get(url)
        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in response.streaming_content)
            return size, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    for url in ("/decisions.csv", "/decisions.json"):
        stream(url)  # First use imports and compiles things once.
    copies = bulk_publish(first, 498)
    small = {url: stream(url) for url in ("/decisions.csv", "/decisions.json")}
    bulk_publish(copies[-1], 4500)
    for url, (small_size, small_peak) in small.items():
        size, peak = stream(url)
        assert size > 9 * small_size
        assert peak < small_peak + 200_000, (url, small_peak, peak)


# ---- The Atom feed -----------------------------------------------------------------------


def test_the_feed_is_atom_with_the_newest_fifty_decisions(client, decisions, settings):
    first, second = decisions
    bulk_publish(first, 60)
    response = client.get("/decisions/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Grant decisions – MOPAC"
    assert feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}updated")
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == "https://decisions.example.org/decisions/feed/"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    newest = entries[0]
    assert newest.findtext(f"{ATOM}title") == "PCD 2: Violence reduction"
    link = newest.find(f"{ATOM}link")
    assert link.get("href") == "https://decisions.example.org/decisions/pcd-2/"
    updated = datetime.datetime.fromisoformat(newest.findtext(f"{ATOM}updated"))
    assert abs(updated - second.published_at) < datetime.timedelta(seconds=1)
    summary = newest.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text.startswith("<p>Rejected.</p>")
    assert "Summary." in summary.text
    assert entries[1].findtext(f"{ATOM}title") == 'PCD 1: Knife crime, "county lines" and more'
    assert [c.get("term") for c in newest.findall(f"{ATOM}category")] == [
        "Home Office",
        "Youth Endowment Fund",
    ]


def test_the_feed_shows_a_corrected_title(client, decisions, people):
    first, _ = decisions
    publishing.publish_correction(
        first, by=people.publisher, note="Retitled.", changes={"title": "Knife crime"}
    )
    feed = ET.fromstring(client.get("/decisions/feed/").content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles == ["PCD 2: Violence reduction", "PCD 1: Knife crime"]


def test_the_feed_refuses_to_be_posted_to(client, db):
    assert client.post("/decisions/feed/").status_code == 405


# Formulas in the CSV ------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_quote_in_front(start):
    value = f"{start}SUM(A1:A9)"
    assert register.spreadsheet_safe(value) == f"'{value}"


@pytest.mark.parametrize(
    "value", ["Knife crime", "", "'quoted", " =SUM(A1)", "A=B", "1701000.50", "-250.00", "-3"]
)
def test_text_and_plain_numbers_are_written_as_they_are(value):
    assert register.spreadsheet_safe(value) == value


@pytest.mark.parametrize("value", ["-1+2", "+44", "-2.5.1", "-", "=1"])
def test_a_number_that_is_more_than_a_number_still_gets_a_quote(value):
    assert register.spreadsheet_safe(value) == f"'{value}"


def test_a_hostile_title_reaches_the_csv_as_text_and_the_json_unchanged(people, client, settings):
    title = '=HYPERLINK("http://x","y")'
    publication = publish(people, title=title)
    Publication.objects.filter(pk=publication.pk).update(funders="@Funder; Home Office")

    [row] = csv_rows(client.get("/decisions.csv"))
    assert row["title"] == "'" + title
    assert row["funders"] == "'@Funder; Home Office"
    assert row["total_grant_amount"] == f"{publication.total_grant_amount:.2f}"
    assert row["reference"] == publication.reference
    # JSON is not opened as a spreadsheet: it keeps the title exactly.
    [entry] = json_rows(client.get("/decisions.json"))
    assert entry["title"] == title
