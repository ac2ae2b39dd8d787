"""robots.txt and the sitemap of published decisions: what crawlers are told, and that the
sitemap lists every published decision, imported ones too, and nothing else."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import Publication
from approvals.publication import historic, sitemap
from tests.publication.historic_files import csv_bytes, historic_row
from tests.workflow import decide_only, publish

pytestmark = pytest.mark.django_db

NS = {"s": sitemap.NAMESPACE}
SITE = "https://decisions.example.gov.uk"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def parsed(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.content)


def test_robots_txt_lets_crawlers_read_the_register_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    for path in ("/staff/", "/accounts/", "/admin/"):
        assert f"Disallow: {path}" in lines
    assert not any(line == "Disallow: /decisions/" for line in lines)
    assert lines[-1] == f"Sitemap: {SITE}/sitemap.xml"


def test_the_sitemap_lists_every_published_decision_and_nothing_else(client, people):
    published = publish(people, title="A published grant")
    unpublished = decide_only(people, title="Not yet published")
    historic.import_decisions(csv_bytes([historic_row(7001)]))
    imported = Publication.objects.get(imported=True)

    index = parsed(client.get("/sitemap.xml"))
    assert index.tag == f"{{{sitemap.NAMESPACE}}}sitemapindex"
    pages = [entry.find("s:loc", NS).text for entry in index.findall("s:sitemap", NS)]
    numbers = sorted({sitemap.page_number(p.pk) for p in (published, imported)})
    assert pages == [f"{SITE}/sitemap-{number}.xml" for number in numbers]
    lastmods = [entry.find("s:lastmod", NS).text for entry in index.findall("s:sitemap", NS)]
    assert all(lastmod.endswith("+00:00") for lastmod in lastmods)

    listed = {}
    for number in numbers:
        urlset = parsed(client.get(f"/sitemap-{number}.xml"))
        assert urlset.tag == f"{{{sitemap.NAMESPACE}}}urlset"
        listed |= {url.find("s:loc", NS).text: url.find("s:lastmod", NS).text for url in urlset}
    assert set(listed) == {
        f"{SITE}/decisions/{published.slug}/",
        f"{SITE}/decisions/{imported.slug}/",
    }
    assert f"{SITE}/decisions/{unpublished.publication.slug}/" not in listed
    changed = max(published.published_at, published.updated_at)
    assert listed[f"{SITE}/decisions/{published.slug}/"] == changed.isoformat(timespec="seconds")


def test_decisions_are_paged_by_blocks_of_ids_each_in_the_same_queries(client, people, monkeypatch):
    monkeypatch.setattr(sitemap, "BLOCK", 2)
    made = [publish(people, title=f"Grant {number}") for number in range(5)]
    ids = sorted(p.pk for p in made)
    blocks = sorted({(pk - 1) // 2 + 1 for pk in ids})

    index = parsed(client.get("/sitemap.xml"))
    locs = [entry.find("s:loc", NS).text for entry in index.findall("s:sitemap", NS)]
    assert locs == [f"{SITE}/sitemap-{number}.xml" for number in blocks]

    seen, queries = [], set()
    by_pk = {p.pk: p.slug for p in made}
    for number in blocks:
        with CaptureQueriesContext(connection) as captured:
            urlset = parsed(client.get(f"/sitemap-{number}.xml"))
        queries.add(len(captured))
        page = [url.find("s:loc", NS).text for url in urlset]
        assert len(page) <= 2
        assert page == [
            f"{SITE}/decisions/{by_pk[pk]}/" for pk in ids if (pk - 1) // 2 + 1 == number
        ]
        seen += page
    assert sorted(seen) == sorted(f"{SITE}/decisions/{p.slug}/" for p in made)
    assert len(queries) == 1


@pytest.mark.parametrize("offset", [None, 1, 10**15])
def test_a_page_with_no_published_decision_is_not_found(client, people, offset):
    """Page 0, the page after the published decision's, and one far beyond the last."""
    page = sitemap.page_number(publish(people).pk)
    number = 0 if offset is None else page + offset
    assert client.get(f"/sitemap-{page}.xml").status_code == 200
    assert client.get(f"/sitemap-{number}.xml").status_code == 404


def test_an_empty_register_has_an_empty_index(client):
    index = parsed(client.get("/sitemap.xml"))
    assert index.findall("s:sitemap", NS) == []


def test_the_sitemap_is_cached_like_the_register(client, people):
    number = sitemap.page_number(publish(people).pk)
    first = client.get("/sitemap.xml")
    assert first["Cache-Control"] == "public, max-age=300"
    assert client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    page = client.get(f"/sitemap-{number}.xml")
    assert page["ETag"] == first["ETag"]
    # A new publication changes it.
    publish(people, title="Another")
    assert client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
