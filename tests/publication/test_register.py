"""The public register: the list, search, filters, pages, the decision page, its query
bounds, 404s for what is not published, corrections and conditional GET.

`publish` and `bulk_publish` (tests/workflow.py) make the published decisions."""

import datetime
import hashlib
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.utils import timezone

from approvals.models import AgreementReview, GrantAgreement, Publication
from approvals.publication import services as publishing
from tests.factories import make_case, make_user
from tests.workflow import approve, bulk_publish, decide_only, publish, to_ready

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    """The page's text without tags, with white space collapsed, for phrase checks."""
    text = unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return " ".join(text.split())


def listed_references(response) -> list[str]:
    return re.findall(r'href="/decisions/(pcd-\d+)/"', response.content.decode())


@pytest.fixture
def first(people):
    return publish(people, title="Organised crime grant")


# ---- The list ----------------------------------------------------------------------------


def test_the_home_page_leads_to_the_register_and_its_open_data(client, db):
    html = client.get("/").content.decode()
    assert 'href="/decisions/" role="button"' in html
    for url in ("/decisions.csv", "/decisions.json", "/decisions/feed/"):
        assert f'href="{url}"' in html


def test_the_register_lists_published_decisions_newest_first(client, people):
    older = publish(people, title="Knife crime prevention")
    newer = publish(people, title="Violence reduction")
    decide_only(people, title="Not yet published")
    response = client.get("/decisions/")
    assert response.status_code == 200
    assert listed_references(response) == [newer.slug, older.slug]
    text = page_text(response)
    assert "2 decisions" in text
    assert f"{newer.reference}: Violence reduction" in text
    assert "Not yet published" not in text
    assert "Decision: Approved" in text and "Funders: Home Office" in text
    assert "Grant: £1,000.00 for 2025/26" in text


def test_an_empty_register_says_so(client, db):
    response = client.get("/decisions/")
    assert response.status_code == 200
    assert "0 decisions" in page_text(response)
    assert "No decisions have been published yet." in page_text(response)


def test_it_shows_twenty_a_page_with_govuk_pagination(client, first):
    bulk_publish(first, 44)
    page1 = client.get("/decisions/")
    assert len(listed_references(page1)) == 20
    assert listed_references(page1)[0] == first.slug
    assert "45 decisions" in page_text(page1)
    html = page1.content.decode()
    assert 'class="govuk-pagination"' in html
    assert 'href="/decisions/?page=2" rel="next"' in html
    assert 'aria-label="Page 1" aria-current="page"' in html
    assert "(page 1 of 3)" in html
    page3 = client.get("/decisions/?page=3")
    assert len(listed_references(page3)) == 5
    assert 'href="/decisions/?page=2" rel="prev"' in page3.content.decode()
    all_pages = [client.get(f"/decisions/?page={n}") for n in (1, 2, 3)]
    seen = [ref for page in all_pages for ref in listed_references(page)]
    assert len(seen) == len(set(seen)) == 45


def test_pagination_keeps_the_filters(client, first):
    bulk_publish(first, 25)
    html = client.get("/decisions/?funder=Home+Office&year=2025-26").content.decode()
    assert 'href="/decisions/?year=2025%2F26&amp;funder=Home+Office&amp;page=2"' in html


# ---- Search ------------------------------------------------------------------------------


@pytest.fixture
def searchable(people):
    return {
        "title": publish(people, title="Helicopter support for the Thames"),
        "summary": publish(
            people, title="Second grant", executive_summary="Funding for drones over London."
        ),
        "recommendation": publish(
            people, title="Third grant", recommendation="Accept the bicycle patrol grant."
        ),
        "other": publish(people, title="Fourth grant"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("helicopter", ["title"]),
        ("HELICOPTER Thames", ["title"]),
        ("drones", ["summary"]),
        ("bicycle", ["recommendation"]),
        ("grant", ["title", "summary", "recommendation", "other"]),
        ("london", ["summary"]),
        ("nothing-like-this", []),
    ],
)
def test_search_covers_titles_summaries_and_recommendations(client, searchable, q, expected):
    response = client.get("/decisions/", {"q": q})
    assert response.status_code == 200
    wanted = [searchable[name].slug for name in expected]
    assert sorted(listed_references(response)) == sorted(wanted)
    count = len(expected)
    assert f"{count} decision{'' if count == 1 else 's'}" in page_text(response)


def test_search_finds_a_decision_by_its_reference(client, searchable):
    target = searchable["summary"]
    for q in (target.reference, target.reference.lower(), target.slug):
        assert listed_references(client.get("/decisions/", {"q": q})) == [target.slug]


def test_the_search_uses_full_text_search_on_postgresql(client, searchable):
    response = client.get("/decisions/", {"q": "helicopters"})
    if connection.vendor == "postgresql":
        # Stemming: the plural finds the singular.
        assert listed_references(response) == [searchable["title"].slug]
    else:
        assert listed_references(response) == []


def test_the_results_say_what_they_match_and_how_to_remove_it(client, searchable):
    response = client.get("/decisions/", {"q": "drones", "outcome": "approved"})
    text = page_text(response)
    assert "Search: drones" in text and "Decision: Approved" in text
    html = response.content.decode()
    assert 'href="/decisions/?outcome=approved">Remove' in html
    assert 'href="/decisions/?q=drones">Remove' in html
    assert 'href="/decisions.csv?q=drones&amp;outcome=approved"' in html


# ---- Filters -----------------------------------------------------------------------------


@pytest.fixture
def varied(people):
    base = publish(people, title="Base grant")
    extra = bulk_publish(
        base,
        [
            {"funders": "Youth Endowment Fund", "financial_years": "2023/24"},
            {"funders": "Home Office; Youth Endowment Fund", "financial_years": "2023/24; 2024/25"},
            {"outcome": "rejected", "title": "A rejected grant"},
            {"funders": "Home Office Plus", "financial_years": "2022/23"},
        ],
    )
    return [base, *extra]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"year": "2023/24"}, [1, 2]),
        ({"year": "2023-24"}, [1, 2]),
        ({"year": "2024/25"}, [2]),
        ({"year": "2019/20"}, []),
        ({"funder": "Youth Endowment Fund"}, [1, 2]),
        ({"funder": "Home Office"}, [0, 2, 3]),
        ({"funder": "Home Office Plus"}, [4]),
        ({"outcome": "rejected"}, [3]),
        ({"outcome": "approved"}, [0, 1, 2, 4]),
        ({"funder": "Home Office", "year": "2023/24", "outcome": "approved"}, [2]),
    ],
)
def test_filters_narrow_the_list(client, varied, params, expected):
    response = client.get("/decisions/", params)
    assert response.status_code == 200
    assert listed_references(response) == [varied[n].slug for n in expected]
    assert f"{len(expected)} decision" in page_text(response)


def test_the_funder_select_lists_funders_with_published_decisions(client, varied):
    html = client.get("/decisions/").content.decode()
    options = re.findall(r'<option value="([^"]*)"', html.split('name="funder"')[1])
    assert options[:4] == ["", "Home Office", "Home Office Plus", "Youth Endowment Fund"]
    years = re.findall(r'<option value="([^"]*)"', html.split('name="year"')[1])
    assert years[:5] == ["", "2025/26", "2024/25", "2023/24", "2022/23"]


def test_a_chosen_filter_stays_selected(client, varied):
    html = client.get("/decisions/", {"year": "2023-24", "outcome": "rejected"}).content.decode()
    assert re.search(r'<option value="2023/24"\s+selected>', html)
    assert re.search(r'value="rejected"\s+checked', html)


# ---- Bad parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"page": "abc"}, 200, "Page numbers are whole numbers, like 2. This is page 1."),
        ({"page": "-1"}, 200, "Page numbers are whole numbers"),
        ({"page": "0"}, 200, "Page numbers are whole numbers"),
        ({"page": "1.5"}, 200, "Page numbers are whole numbers"),
        ({"page": "²"}, 200, "Page numbers are whole numbers"),
        ({"page": "9" * 5000}, 200, "Page numbers are whole numbers"),
        ({"page": "99999"}, 200, "There is no page 99999. This is the last page, page 1."),
        ({"year": "banana"}, 400, "Enter a financial year like 2023/24"),
        ({"year": "2023/25"}, 400, "Enter a financial year like 2023/24"),
        ({"year": "2023/24\x00"}, 400, "Enter a financial year like 2023/24"),
        ({"outcome": "maybe"}, 400, "Select approved, rejected or any decision"),
        ({"funder": "Nobody"}, 400, "Select a funder from the list"),
        ({"funder": "Home\x00Office"}, 400, "Select a funder from the list"),
        ({"q": "x" * 1000}, 400, "Search terms must be 200 characters or fewer"),
        ({"q": "grant\x00"}, 400, "Search terms must not contain control characters"),
    ],
)
def test_bad_parameters_get_a_normal_page_with_a_clear_message(
    client, first, params, status, message
):
    response = client.get("/decisions/", params)
    assert response.status_code == status
    text = page_text(response)
    assert message in text
    # The other filters and the results still show.
    assert listed_references(response) == [first.slug]
    if status == 400:
        assert "There is a problem" in text
        assert response.content.decode().count("<title>Error: ") == 1


def test_odd_search_text_never_breaks_the_search(client, first):
    for q in ["'", '"', "!!!", "a & b | c", "-", "(", ":*", "or", "the", "%", "_", "\\"]:
        assert client.get("/decisions/", {"q": q}).status_code == 200


def test_a_flood_of_parameters_is_a_bad_request(client, first):
    query = "&".join(f"x{n}=1" for n in range(2000))
    assert client.get(f"/decisions/?{query}").status_code == 400


def test_a_bad_filter_is_ignored_while_the_good_ones_apply(client, varied):
    response = client.get("/decisions/", {"year": "banana", "outcome": "rejected"})
    assert response.status_code == 400
    assert listed_references(response) == [varied[3].slug]


def test_the_register_refuses_to_be_posted_to(client, db):
    assert client.post("/decisions/").status_code == 405


# ---- Query bounds ------------------------------------------------------------------------


@pytest.mark.parametrize("total", [20, 2000])
def test_the_list_runs_at_most_six_queries_however_many_are_published(
    client, first, total, django_assert_max_num_queries
):
    bulk_publish(first, total - 1)
    for params in ({}, {"page": "3"}, {"q": "grant", "funder": "Home Office", "year": "2025/26"}):
        with django_assert_max_num_queries(6):
            response = client.get("/decisions/", params)
        assert response.status_code == 200
    assert f"{total:,} decisions" in page_text(client.get("/decisions/"))


@pytest.mark.parametrize("total", [20, 2000])
def test_the_decision_page_runs_at_most_eight_queries(
    client, first, total, django_assert_max_num_queries
):
    copies = bulk_publish(first, total - 1)
    for publication in (first, copies[-1]):
        with django_assert_max_num_queries(8):
            response = client.get(f"/decisions/{publication.slug}/")
        assert response.status_code == 200


# ---- The decision page -------------------------------------------------------------------


def test_the_decision_page_shows_the_record_and_part_1(client, people):
    publication = publish(
        people,
        title="Organised crime grant",
        part2_content="Exempt detail.",
        part2_exemption_reason="Operations.",
    )
    revision = publication.revisions.get()
    response = client.get(f"/decisions/{publication.slug}/")
    assert response.status_code == 200
    text = page_text(response)
    for phrase in [
        "PCD 1 Organised crime grant",
        "Reference PCD 1",
        "Decision Approved",
        f"Date of decision {publication.decision_date:%-d %B %Y}",
        "Decided by Dmpc, Deputy Mayor for Policing and Crime",
        "Funders Home Office",
        "Total grant offered £1,000.00",
        "Financial years 2025/26",
        "Exempt information (Part 2) Yes. Part 2 of the report holds exempt information.",
        "Legal basis for publication Published under the Elected Local Policing Bodies",
        "Reasons for the decision Good value.",
        "Alternatives considered None recorded.",
        "Declaration of interests None",
        f"Published {publication.published_at:%-d %B %Y}",
        # Part 1, rendered from the published document.
        "Part 1 – This section of the report will be published by MOPAC.",
        "Executive summary Summary.",
        "Recommendations",
        "Approve the grant.",
        revision.document_sha256,
        "sha256sum",
    ]:
        assert phrase in text, phrase
    # Part 2's exemption ground is published with the decision; its content never is.
    assert "Exempt detail." not in text
    assert "Why Part 2 is exempt Operations." in text
    html = response.content.decode()
    assert 'href="/decisions/pcd-1/decision.pdf"' in html
    assert 'href="/decisions/pcd-1/document.json"' in html
    assert "agreement.pdf" not in html
    assert "History of this record" not in text


def test_a_decision_without_part_2_says_so(client, first):
    text = page_text(client.get(f"/decisions/{first.slug}/"))
    assert "Exempt information (Part 2) No. The whole report is published." in text


def test_a_declared_interest_and_a_rejection_are_shown(client, people):
    case = make_case(people.manager, title="Declared")
    to_ready(case, people)
    decision = approve(
        case,
        people,
        interests_declared=True,
        interests="I chair the funder's board.",
        alternatives_considered="Not accepting the grant.",
    )
    publishing.publish_now(decision.publication, by=people.publisher)
    text = page_text(client.get(f"/decisions/{decision.publication.slug}/"))
    assert "Declaration of interests I chair the funder's board." in text
    assert "Alternatives considered Not accepting the grant." in text
    rejected = publish(people, title="Turned down", outcome="reject")
    text = page_text(client.get(f"/decisions/{rejected.slug}/"))
    assert "Decision Rejected" in text and "Reasons for the decision Poor value." in text


def test_the_signed_agreement_is_linked_once_it_is_published(client, people, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    decision = decide_only(people, title="With an agreement")
    GrantAgreement.objects.create(
        decision=decision,
        file=ContentFile(b"%PDF-1.4 agreement", name="agreement.pdf"),
        original_name="Signed agreement.pdf",
        size=2048,
        sha256=hashlib.sha256(b"%PDF-1.4 agreement").hexdigest(),
        uploaded_by=people.manager,
        review=AgreementReview.REVIEWED,  # only a reviewed agreement is published
    )
    publishing.publish_now(decision.publication, by=people.publisher)
    html = client.get(f"/decisions/{decision.publication.slug}/").content.decode()
    assert f'href="/decisions/{decision.publication.slug}/agreement.pdf"' in html
    assert "Signed grant agreement (PDF, 2.0\xa0KB)" in html
    assert "Signed agreement.pdf" not in html


def test_a_correction_shows_its_note_and_the_history(client, first, people):
    publishing.publish_correction(
        first,
        by=people.publisher,
        note="Corrected a typing error in the reasons.",
        changes={"reasons": "Represents good value for London.", "title": "Organised crime"},
    )
    response = client.get(f"/decisions/{first.slug}/")
    text = page_text(response)
    assert "Reasons for the decision Represents good value for London." in text
    assert "Good value." not in text
    assert "PCD 1 Organised crime Approved" in text
    assert "Correction This record was updated on" in text
    history = text.split("History of this record")[2]
    when = timezone.localdate(first.published_at)
    assert (
        f"Version 2 (this version) Published {when:%-d %B %Y} "
        "Corrected a typing error in the reasons."
    ) in history
    assert f"Version 1 Published {when:%-d %B %Y} First published." in history
    assert listed_references(client.get("/decisions/", {"q": "Organised crime"})) == [first.slug]


@pytest.mark.parametrize("path", ["/decisions/{}/", "/decisions/{}/document.json"])
def test_unpublished_deferred_and_unknown_decisions_are_not_found(client, people, path):
    deferred = decide_only(people, title="Deferred").publication
    publishing.defer(
        deferred,
        by=people.publisher,
        until=timezone.now() + datetime.timedelta(days=30),
        reason="An operation is under way.",
    )
    # Due by now, but deferred: publish_due leaves it.
    publishing.publish_due(deferred.due_at + datetime.timedelta(minutes=1))
    assert Publication.objects.get(pk=deferred.pk).published_at is None
    scheduled = decide_only(people, title="Scheduled").publication
    for slug in (scheduled.slug, deferred.slug, "pcd-999", "x" * 300):
        response = client.get(path.format(slug))
        assert response.status_code == 404, slug
        assert "Page not found" in response.content.decode() or path.endswith(".json")


# ---- document.json -----------------------------------------------------------------------


def test_document_json_is_the_published_document_byte_for_byte(client, people):
    publication = publish(
        people, title="Hashed", part2_content="Exempt.", part2_exemption_reason="Operations."
    )
    revision = publication.revisions.get()
    response = client.get(f"/decisions/{publication.slug}/document.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert hashlib.sha256(response.content).hexdigest() == revision.document_sha256
    page = client.get(f"/decisions/{publication.slug}/").content.decode()
    assert revision.document_sha256 in page
    assert b'"part2"' not in response.content and b"Exempt." not in response.content
    assert response["ETag"] == f'"{revision.document_sha256}"'


# ---- Conditional GET and caching ---------------------------------------------------------

URLS = [
    "/decisions/",
    "/decisions/?q=grant&page=1",
    "/decisions/pcd-1/",
    "/decisions/pcd-1/document.json",
    "/decisions.csv",
    "/decisions.json",
    "/decisions/feed/",
]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", URLS)
def test_each_url_answers_conditional_gets_with_304(client, first, people, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert _body(response)

    unchanged = client.get(url, headers={"if-none-match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert "max-age=300" in unchanged["Cache-Control"]
    assert client.get(url, headers={"if-modified-since": last_modified}).status_code == 304

    # A correction changes the decision, the lists and the feed.
    publishing.publish_correction(
        first, by=people.publisher, note="Retitled.", changes={"title": "Retitled grant"}
    )
    changed = client.get(url, headers={"if-none-match": etag})
    if url.endswith("document.json"):
        # The document itself is unchanged by a correction to the record.
        assert changed.status_code == 304
    else:
        assert changed.status_code == 200
        assert changed["ETag"] != etag


def test_a_new_publication_changes_the_register_etag(client, first, people):
    etag = client.get("/decisions/")["ETag"]
    publish(people, title="Another")
    assert client.get("/decisions/", headers={"if-none-match": etag}).status_code == 200


def test_signed_in_staff_are_not_served_from_shared_caches(client, first, people):
    public = client.get("/decisions/")
    client.force_login(make_user("reader"))
    staff = client.get("/decisions/")
    assert "private" in staff["Cache-Control"] and "public" not in staff["Cache-Control"]
    assert staff["ETag"] != public["ETag"]
    assert client.get("/decisions/", headers={"if-none-match": public["ETag"]}).status_code == 200


def test_not_found_pages_are_not_cached(client, db):
    response = client.get("/decisions/pcd-404/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


def test_the_detail_etag_follows_the_current_revision(client, first, people):
    before = client.get("/decisions/pcd-1/")
    publishing.publish_correction(
        first, by=people.publisher, note="Reasons.", changes={"reasons": "Better reasons."}
    )
    after = client.get("/decisions/pcd-1/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "Better reasons." in page_text(after)


def test_money_is_shown_in_pounds_and_pence(client, first):
    Publication.objects.filter(pk=first.pk).update(total_grant_amount=Decimal("1701000.5"))
    assert "Grant: £1,701,000.50 for 2025/26" in page_text(client.get("/decisions/"))


def test_a_partly_approved_decision_says_which_recommendations_on_its_page_and_open_data(
    client, people
):
    from approvals.publication.record import decision_facts
    from approvals.publication.register import open_data_rows
    from tests.workflow import decide_each

    case = make_case(people.manager, title="Partly approved grant")
    case.recommendations.create(position=2, text="Accept future offers.")
    to_ready(case, people)
    decision = decide_each(case, people, {1: True, 2: False})
    revision = publishing.publish_now(decision.publication, by=people.publisher)
    facts = {fact.label: fact.text for fact in decision_facts(revision.record)}
    assert facts["Decision"] == "Partly approved"
    assert facts["Recommendations approved"] == "Approved: 1. Not approved: 2."
    rows = list(open_data_rows(Publication.objects.filter(pk=decision.publication.pk)))
    assert [row["outcome"] for row in rows] == ["partly approved"]
    page = unescape(client.get(f"/decisions/{decision.publication.slug}/").content.decode())
    assert "Partly approved" in page
    assert "Recommendations approved" in page


def test_the_conditions_iam_endorsed_with_are_on_the_published_record(client, people):
    from approvals import services
    from approvals.models import IamOutcome
    from approvals.publication.record import decision_facts
    from tests.workflow import sign_all, to_iam

    case = make_case(people.manager, title="Conditionally endorsed grant")
    to_iam(case, people)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.ENDORSED_WITH_CONDITIONS,
        note="Report quarterly on the overtime spent.",
    )
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    decision = approve(case, people)
    revision = publishing.publish_now(decision.publication, by=people.publisher)
    facts = {fact.label: fact.text for fact in decision_facts(revision.record)}
    assert facts["Conditions set by IAM"] == "Report quarterly on the overtime spent."
    page = unescape(client.get(f"/decisions/{decision.publication.slug}/").content.decode())
    assert "Conditions set by IAM" in page
    assert "Report quarterly on the overtime spent." in page


def test_a_record_without_iam_conditions_shows_no_conditions(people):
    from approvals.publication.record import decision_facts

    record = publish(people, title="Endorsed outright").current_revision().record
    assert record["iam_conditions"] == ""
    assert "Conditions set by IAM" not in {fact.label for fact in decision_facts(record)}
