"""Published revisions' Part 1, drawn as HTML once, when the revision is published.

A published revision never changes, so neither does its Part 1 as a page shows it,
until a release changes how reports are drawn. Each drawing notes the renderer that
made it: a fingerprint of the templates and code that draw a report and of the
libraries they use. A decision's page uses a drawing only if the current renderer made
it, and otherwise draws Part 1 afresh; `manage.py render_published` redraws the out of
date ones after such a release.
"""

import functools
import hashlib
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from approvals.models import PublishedPart1, PublishedRevision
from grants.presentation import report_context

PART1_TEMPLATE = "grants/includes/part1.html"
# What drawing Part 1 depends on, relative to the project's root.
SOURCES = (
    "templates/grants/includes",
    "grants/formatting.py",
    "grants/money.py",
    "grants/presentation.py",
    "grants/templatetags/grant_tags.py",
)
LIBRARIES = ("django", "markdown", "nh3")
REDRAW_BATCH = 100


def _source_files() -> list[Path]:
    root = Path(settings.BASE_DIR)
    files = []
    for name in SOURCES:
        path = root / name
        files.extend(sorted(path.rglob("*")) if path.is_dir() else [path])
    return [path for path in files if path.is_file()]


@functools.cache
def renderer() -> str:
    """The fingerprint of everything that decides how Part 1 is drawn."""
    digest = hashlib.sha256()
    for library in LIBRARIES:
        digest.update(f"{library}=={version(library)}\n".encode())
    root = Path(settings.BASE_DIR)
    for path in _source_files():
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def draw(document: dict) -> SafeString:
    """Part 1 of a published document as the register shows it: figures in £m."""
    context = {**report_context(document), "show_pounds": False}
    return mark_safe(render_to_string(PART1_TEMPLATE, context))


def record(revision: PublishedRevision) -> PublishedPart1:
    """Draw a newly published revision's Part 1 and keep it. Runs in the transaction that
    publishes the revision."""
    return PublishedPart1.objects.create(
        revision=revision, renderer=renderer(), html=draw(revision.document)
    )


def part1_html(revision: PublishedRevision, document: Callable[[], dict]) -> SafeString:
    """The revision's Part 1: its drawing if the current renderer made it, or else drawn
    now from `document()` (so the document is read only when it is needed)."""
    try:
        kept = revision.part1
    except PublishedPart1.DoesNotExist:
        kept = None
    if kept is not None and kept.renderer == renderer():
        return mark_safe(kept.html)
    return draw(document())


def out_of_date():
    """Published revisions with no drawing, or one an earlier renderer made."""
    return PublishedRevision.objects.exclude(part1__renderer=renderer())


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
                    defaults={"renderer": renderer(), "html": draw(revision.document)},
                )
        done += len(batch)
        yield done
