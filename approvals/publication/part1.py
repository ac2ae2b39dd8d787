"""Published revisions' Part 1, drawn as HTML once, when the revision is published.

A published revision never changes, so neither does its Part 1 as a page shows it,
until a release changes how reports are drawn. Each drawing notes the LAYOUT it was
drawn with. A decision's page uses a drawing only if it has the current layout, and
otherwise draws Part 1 afresh; `manage.py render_published` redraws the out of date
ones after such a release.
"""

from collections.abc import Callable, Iterator

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from approvals.models import PublishedPart1, PublishedRevision
from grants.presentation import report_context

PART1_TEMPLATE = "includes/part1.html"
# Change this whenever a change to the Part 1 templates, grants.presentation, the
# formatting of text, money or dates, or the libraries behind them changes how a published
# Part 1 is drawn; then every drawing is out of date until render_published runs.
LAYOUT = "2026-12-04"
REDRAW_BATCH = 100


def draw(document: dict) -> SafeString:
    """Part 1 of a published document as the register shows it: figures in £m."""
    context = {**report_context(document), "show_pounds": False}
    return mark_safe(render_to_string(PART1_TEMPLATE, context))


def record(revision: PublishedRevision) -> PublishedPart1:
    """Draw a newly published revision's Part 1 and keep it. Runs in the transaction that
    publishes the revision."""
    return PublishedPart1.objects.create(
        revision=revision, renderer=LAYOUT, html=draw(revision.document)
    )


def part1_html(revision: PublishedRevision, document: Callable[[], dict]) -> SafeString:
    """The revision's Part 1: its drawing if it has the current layout, or else drawn
    now from `document()` (so the document is read only when it is needed)."""
    try:
        kept = revision.part1
    except PublishedPart1.DoesNotExist:
        kept = None
    if kept is not None and kept.renderer == LAYOUT:
        return mark_safe(kept.html)
    return draw(document())


def out_of_date():
    """Published revisions with no drawing, or one drawn with an earlier layout. An
    imported record has no Part 1 to draw."""
    return PublishedRevision.objects.exclude(part1__renderer=LAYOUT).exclude(
        publication__imported=True
    )


def redraw(revisions=None) -> Iterator[int]:
    """Draw again the revisions given (by default, those out of date), a batch at a time;
    yields how many have been drawn so far."""
    pks = list((revisions if revisions is not None else out_of_date()).values_list("pk", flat=True))
    done = 0
    for start in range(0, len(pks), REDRAW_BATCH):
        batch = pks[start : start + REDRAW_BATCH]
        with transaction.atomic():
            for revision in PublishedRevision.objects.filter(pk__in=batch).only("document"):
                PublishedPart1.objects.update_or_create(
                    revision=revision,
                    defaults={"renderer": LAYOUT, "html": draw(revision.document)},
                )
        done += len(batch)
        yield done
