"""A published revision's Part 1 is drawn when it is published, and drawn again only
when a release changes how reports are drawn (approvals.publication.part1.LAYOUT)."""

import io

import pytest
from django.core.management import call_command

from approvals.models import PublishedPart1, PublishedRevision
from approvals.publication import part1 as renderings
from tests.workflow import bulk_publish, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(people):
    return publish(people, title="Organised crime grant")


def current(publication) -> PublishedRevision:
    return publication.revisions.order_by("-number").first()


def test_publishing_draws_part1_with_the_current_layout(first):
    revision = current(first)
    drawing = PublishedPart1.objects.get(revision=revision)
    assert drawing.renderer == renderings.LAYOUT
    assert drawing.html == renderings.draw(revision.document)


def test_the_decision_page_shows_the_drawing_without_reading_the_document(
    client, first, django_assert_num_queries
):
    revision = current(first)
    PublishedPart1.objects.filter(revision=revision).update(html="<p>THE DRAWING</p>")
    # The current revision, the revision with its drawing: no document, no later events.
    with django_assert_num_queries(2) as captured:
        page = client.get(f"/decisions/{first.slug}/").content.decode()
    assert "<p>THE DRAWING</p>" in page
    assert not any('"document"' in query["sql"] for query in captured.captured_queries)


def test_a_drawing_by_an_earlier_renderer_is_not_shown(client, first):
    revision = current(first)
    PublishedPart1.objects.filter(revision=revision).update(
        renderer="an-earlier-release", html="<p>OUT OF DATE</p>"
    )
    page = client.get(f"/decisions/{first.slug}/").content.decode()
    assert "OUT OF DATE" not in page
    assert renderings.draw(revision.document) in page


def test_a_revision_never_drawn_is_drawn_for_its_page(client, first):
    revision = current(first)
    PublishedPart1.objects.filter(revision=revision).delete()
    page = client.get(f"/decisions/{first.slug}/").content.decode()
    assert renderings.draw(revision.document) in page


def test_a_new_layout_makes_every_drawing_out_of_date_until_it_is_redrawn(
    client, first, monkeypatch
):
    revision = current(first)
    PublishedPart1.objects.filter(revision=revision).update(html="<p>KEPT DRAWING</p>")
    url = f"/decisions/{first.slug}/"
    assert b"KEPT DRAWING" in client.get(url).content

    monkeypatch.setattr(renderings, "LAYOUT", "a-later-layout")
    assert list(renderings.out_of_date()) == [revision]
    # The page draws Part 1 afresh rather than show a drawing of the old layout.
    page = client.get(url).content
    assert b"KEPT DRAWING" not in page and b"Organised crime grant" in page

    call_command("render_published", stdout=io.StringIO())
    drawing = PublishedPart1.objects.get(revision=revision)
    assert drawing.renderer == "a-later-layout"
    assert drawing.html == renderings.draw(revision.document)
    assert not renderings.out_of_date().exists()


def test_render_published_draws_what_is_missing_or_out_of_date(first):
    made = bulk_publish(first, 3, drawings=False)  # revisions with no drawing
    stale = current(first)
    PublishedPart1.objects.filter(revision=stale).update(renderer="old", html="old")
    out = io.StringIO()
    call_command("render_published", stdout=out)
    assert "Drawing Part 1 of 4 published revisions" in out.getvalue()
    for publication in [first, *made]:
        revision = current(publication)
        drawing = PublishedPart1.objects.get(revision=revision)
        assert drawing.renderer == renderings.LAYOUT
        assert drawing.html == renderings.draw(revision.document)

    again = io.StringIO()
    call_command("render_published", stdout=again)
    assert "up to date" in again.getvalue()
    everything = io.StringIO()
    call_command("render_published", "--all", stdout=everything)
    assert "Drew 4" in everything.getvalue()
