"""Each process reads the register's version and a decision's current revision at most
once every REGISTER_RECHECK_SECONDS for anonymous visitors, and facts about the whole
register once for each version of it (approvals.public_views)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.publication.views import public as public_views
from tests.factories import make_user
from tests.workflow import publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recheck_every_minute(settings, monkeypatch):
    settings.REGISTER_RECHECK_SECONDS = 60
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-register-recheck",
        }
    }
    cache.clear()
    clock = [1000.0]
    monkeypatch.setattr(public_views.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(public_views, "_recent", public_views._Recent(size=3))
    yield clock
    cache.clear()


@pytest.fixture
def first(people):
    return publish(people, title="Organised crime grant")


def test_a_cached_page_is_served_without_a_query_until_the_interval_passes(
    client, first, people, recheck_every_minute, django_assert_num_queries
):
    for url in ("/decisions/", f"/decisions/{first.slug}/"):
        client.get(url)
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200

    publish(people, title="A second grant")
    # Within the interval the list is the one already drawn…
    assert b"1 decision<" in client.get("/decisions/").content
    # …and after it, the register is read again.
    recheck_every_minute[0] += 61
    assert b"2 decisions<" in client.get("/decisions/").content


def test_signed_in_staff_always_see_the_register_as_it_is(client, first, people):
    client.get("/decisions/")
    publish(people, title="A second grant")
    client.force_login(make_user("reader"))
    assert b"2 decisions<" in client.get("/decisions/").content


def test_a_corrected_decision_reaches_visitors_after_the_interval(
    client, first, people, recheck_every_minute
):
    from approvals.publication import services as publishing

    url = f"/decisions/{first.slug}/"
    client.get(url)
    publishing.publish_correction(
        first, by=people.publisher, note="Retitled.", changes={"title": "Retitled grant"}
    )
    assert b"Retitled grant" not in client.get(url).content
    recheck_every_minute[0] += 61
    assert b"Retitled grant" in client.get(url).content


def test_only_the_latest_few_are_kept(client, first):
    for slug in ("made-up-1", "made-up-2", "made-up-3", "made-up-4"):
        assert client.get(f"/decisions/{slug}/").status_code == 404
    assert len(public_views._recent.entries) == 3


def test_no_interval_reads_every_time(client, first, settings, django_assert_num_queries):
    settings.REGISTER_RECHECK_SECONDS = 0
    client.get("/decisions/")
    with django_assert_num_queries(1):
        client.get("/decisions/")
    assert not public_views._recent.entries


def test_the_registers_total_and_filters_are_read_once_a_version(
    client, first, people, settings, django_assert_num_queries
):
    settings.REGISTER_RECHECK_SECONDS = 0
    client.get("/decisions/")
    # The version, then the page's rows: no COUNT, no filter options.
    with CaptureQueriesContext(connection) as again:
        assert b"1 decision<" in client.get("/decisions/?page=1").content
    sql = [query["sql"] for query in again.captured_queries]
    assert len(sql) == 2 and not any("COUNT(" in query for query in sql)
    # A search counts its own matches every time.
    with CaptureQueriesContext(connection) as search:
        client.get("/decisions/", {"q": "organised"})
    assert any("COUNT(" in query["sql"] for query in search.captured_queries)

    publish(people, title="A second grant")
    page = client.get("/decisions/").content
    assert b"2 decisions<" in page and b"Organised crime grant" in page


def test_a_search_reads_its_page_and_its_count_in_one_query(client, first, people, settings):
    settings.REGISTER_RECHECK_SECONDS = 0
    publish(people, title="Organised crime, again")
    client.get("/decisions/")  # the register's own facts, read once for this version
    with CaptureQueriesContext(connection) as search:
        page = client.get("/decisions/", {"q": "organised"}).content
    # The version, then the page's rows with the number that match.
    assert len(search.captured_queries) == 2
    assert b"2 decisions<" in page
    with CaptureQueriesContext(connection) as past_the_end:
        page = client.get("/decisions/", {"q": "organised", "page": "9"}).content
    # A page past the last has no rows to carry the count: it is counted, and the last
    # page shown.
    assert len(past_the_end.captured_queries) == 4
    assert b"There is no page 9. This is the last page, page 1." in page
