"""The benchmark's views (tests/bench/views.py), served only by the benchmark's own
URLconf (tests/bench/urls.py), and the cache of rendered published pages that the
benchmark measures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from approvals.publication import services as publishing
from tests.factories import make_user
from tests.workflow import bulk_publish, publish

pytestmark = pytest.mark.django_db

BENCH_URLCONF = "tests.bench.urls"


@pytest.fixture
def bench_urls():
    with override_settings(ROOT_URLCONF=BENCH_URLCONF):
        yield


@pytest.fixture
def first(people):
    return publish(people, title="Organised crime grant")


# ---- The benchmark's views -----------------------------------------------------------


def test_production_settings_use_the_service_urls():
    from config import settings as production

    assert production.ROOT_URLCONF == "config.urls"


def test_the_benchmark_settings_use_the_benchmark_urls():
    from tests.bench import settings as bench

    assert bench.ROOT_URLCONF == BENCH_URLCONF


@pytest.mark.parametrize("path", ["/bench/plaintext", "/bench/reference/"])
def test_the_bench_views_are_not_in_the_service_urls(client, first, path):
    with override_settings(ROOT_URLCONF="config.urls"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("name", ["bench-plaintext", "bench-reference"])
def test_the_bench_views_cannot_be_reversed_in_the_service_urls(name):
    with pytest.raises(NoReverseMatch):
        reverse(name, urlconf="config.urls")
    assert reverse(name, urlconf=BENCH_URLCONF).startswith("/bench/")


def test_the_bench_urls_still_serve_the_register(client, first, bench_urls):
    assert client.get("/decisions/").status_code == 200
    assert client.get(f"/decisions/{first.slug}/").status_code == 200


def test_the_plaintext_view_returns_13_bytes(client, bench_urls):
    response = client.get(reverse("bench-plaintext", urlconf=BENCH_URLCONF))
    assert response.status_code == 200
    assert response.content == b"Hello, world!" and len(response.content) == 13
    assert response["Content-Type"] == "text/plain"


@pytest.mark.parametrize("total", [1, 45])
def test_the_reference_view_runs_a_count_and_one_joined_query(
    client, bench_urls, first, total, django_assert_num_queries
):
    bulk_publish(first, total - 1)
    with django_assert_num_queries(2) as captured:
        response = client.get(reverse("bench-reference", urlconf=BENCH_URLCONF))
    assert response.status_code == 200
    assert "COUNT(" in captured.captured_queries[0]["sql"]
    assert "JOIN" in captured.captured_queries[1]["sql"]
    assert response.content.count(b"<tr>") == min(total, 20) + 1
    assert "no-cache" not in response.get("Cache-Control", "")


# ---- Rendered published pages, cached -----------------------------------------------


def test_a_repeat_anonymous_request_of_a_decision_is_served_from_the_cache(
    client, first, django_assert_max_num_queries
):
    url = f"/decisions/{first.slug}/"
    rendered = client.get(url)
    assert rendered.status_code == 200
    # The current revision, with a fingerprint of the page's later events: one query.
    with django_assert_max_num_queries(1):
        repeat = client.get(url)
    assert repeat.status_code == 200
    assert repeat.content == rendered.content
    assert repeat["ETag"] == rendered["ETag"]
    assert "public" in repeat["Cache-Control"] and "max-age=300" in repeat["Cache-Control"]


def test_a_correction_changes_the_cached_decision_page_and_lists(client, first, people):
    detail, listing = f"/decisions/{first.slug}/", "/decisions/"
    before = client.get(detail).content, client.get(listing).content
    publishing.publish_correction(
        first, by=people.publisher, note="Retitled.", changes={"title": "Retitled grant"}
    )
    after = client.get(detail).content, client.get(listing).content
    assert after[0] != before[0] and after[1] != before[1]
    assert b"Retitled grant" in after[0] and b"Retitled grant" in after[1]
    assert b"Retitled." in after[0]


def test_a_new_publication_changes_the_cached_list(client, first, people):
    assert b"1 decision<" in client.get("/decisions/").content
    publish(people, title="Another grant")
    assert b"2 decisions<" in client.get("/decisions/").content


def test_a_repeat_request_of_the_list_runs_no_query(client, first, django_assert_num_queries):
    bulk_publish(first, 30)
    for params in ({}, {"page": "2"}, {"q": "crime", "outcome": "approved"}):
        rendered = client.get("/decisions/", params)
        # The register's version and the page are both kept in the cache.
        with django_assert_num_queries(0):
            repeat = client.get("/decisions/", params)
        assert repeat.content == rendered.content


def test_pages_for_signed_in_staff_are_never_cached(client, first):
    url = f"/decisions/{first.slug}/"
    public = client.get(url)
    client.force_login(make_user("reader"))
    staff = client.get(url)
    assert b"Sign out" in staff.content and b"Sign out" not in public.content
    assert "private" in staff["Cache-Control"]
    client.logout()
    # Nor did the staff page reach the cache for anyone else.
    assert client.get(url).content == public.content


@pytest.mark.parametrize("query", ["?utm_source=x", "?page=1&page=2"])
def test_query_strings_the_register_does_not_read_are_rendered_afresh(client, first, query):
    client.get(f"/decisions/{query}")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/decisions/{query}").status_code == 200
    # Drawn again: its rows are read (a page served from the cache reads nothing).
    assert len(captured.captured_queries) >= 1
