"""A new publication or correction reaches every visitor at once: each response depends
on a version (the register's, or a decision's current revision), kept in Django's cache
and forgotten when it changes, and a rendered page is kept only under its version
(approvals.publication.cache, approvals.publication.register)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.publication import services as publishing
from tests.factories import make_user
from tests.workflow import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(people):
    return publish(people, title="Organised crime grant")


def test_a_kept_page_costs_no_query_and_a_new_publication_shows_at_once(
    client, first, people, django_assert_num_queries
):
    for url in ("/decisions/", f"/decisions/{first.slug}/"):
        client.get(url)
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200

    publish(people, title="A second grant")
    # The very next request reads the new version, and draws the register again.
    assert b"2 decisions<" in client.get("/decisions/").content


def test_signed_in_staff_always_see_the_register_as_it_is(client, first, people):
    client.get("/decisions/")
    publish(people, title="A second grant")
    client.force_login(make_user("reader"))
    assert b"2 decisions<" in client.get("/decisions/").content


def test_a_corrected_decision_reaches_visitors_at_once(client, first, people):
    url = f"/decisions/{first.slug}/"
    assert b"Retitled grant" not in client.get(url).content
    publishing.publish_correction(
        first, by=people.publisher, note="Retitled.", changes={"title": "Retitled grant"}
    )
    assert b"Retitled grant" in client.get(url).content


def test_a_made_up_slug_keeps_nothing(client, first):
    for slug in ("made-up-1", "made-up-2"):
        assert client.get(f"/decisions/{slug}/").status_code == 404
    assert not any("made-up" in str(key) for key in cache._cache)


def test_an_unfiltered_register_page_reads_the_version_options_total_and_rows(
    client, first, people
):
    # Drawn afresh (a page number the cache has not seen): the version, the filter
    # options, the total and the page's rows. Then the version and the register's facts
    # are kept, and a search counts its own matches with its rows, in one query.
    with CaptureQueriesContext(connection) as drawn:
        assert b"1 decision<" in client.get("/decisions/?page=1").content
    assert len(drawn.captured_queries) == 4
    with CaptureQueriesContext(connection) as search:
        client.get("/decisions/", {"q": "organised"})
    assert len(search.captured_queries) == 1
    assert sum("COUNT(" in query["sql"] for query in search.captured_queries) == 1


def test_a_search_reads_its_page_and_its_count_in_one_query(client, first, people):
    publish(people, title="Organised crime, again")
    with CaptureQueriesContext(connection) as search:
        page = client.get("/decisions/", {"q": "organised"}).content
    # The version, the filter options, then the page's rows with the number that match.
    assert len(search.captured_queries) == 3
    assert b"2 decisions<" in page
    with CaptureQueriesContext(connection) as past_the_end:
        page = client.get("/decisions/", {"q": "organised", "page": "9"}).content
    # The search's count is kept for this version: a page past the last is known to be
    # one, and the last page's rows are read.
    assert len(past_the_end.captured_queries) == 1
    assert b"There is no page 9. This is the last page, page 1." in page
