"""PDFs drawn from the same templates as the pages, with WeasyPrint.

Every PDF is tagged for PDF/UA-1: a structure tree from the HTML, the document's title
and language (en-GB), embedded fonts, bookmarks from its headings, links that work (a
link to the service is made absolute with SITE_URL) and tables with header cells. Its
look is the print stylesheet static/src/document.css; it fetches nothing else, so a
report's text cannot make the server fetch anything.

A published revision's PDF and a signed decision form never change: `stored` draws them
once, into the same storage as grant agreements, and serves them from there with their
SHA-256 (approvals.models.DrawnPdf). Drafts are drawn on each request.
"""

import functools
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.urls import FatalURLFetchingError

logger = logging.getLogger(__name__)

STYLESHEET = Path(settings.BASE_DIR) / "static" / "src" / "document.css"
WRAPPER = "documents/pdf.html"


class _NoFetching(URLFetcher):
    """Refuses every URL: a document is drawn from its HTML and stylesheet alone."""

    def fetch(self, url, headers=None):
        raise FatalURLFetchingError(f"Documents fetch nothing: {url}")


@functools.cache
def _stylesheet() -> CSS:
    return CSS(string=STYLESHEET.read_text(encoding="utf-8"))


def draw(template: str, context: dict, *, title: str) -> bytes:
    """`template` rendered inside the PDF wrapper (which sets the language and title),
    drawn as a tagged PDF."""
    html = render_to_string(WRAPPER, {**context, "body_template": template, "title": title})
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=_NoFetching())
    return document.write_pdf(stylesheets=[_stylesheet()], pdf_variant="pdf/ua-1")


def response(content: bytes, *, filename: str) -> HttpResponse:
    """A drawn PDF, shown in the browser under `filename`."""
    reply = HttpResponse(content, content_type="application/pdf")
    reply["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=filename
    )
    reply["X-Content-Type-Options"] = "nosniff"
    return reply


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def keep(drawn, content: bytes, name: str):
    """Store `content` as the file of the unsaved DrawnPdf `drawn` and save it. If
    another request kept one first, that one stands and this file is removed."""
    drawn.size = len(content)
    drawn.sha256 = sha256(content)
    # Stored before its row is saved, so a slow store holds no lock; removed again if the
    # row cannot be saved.
    drawn.file.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            drawn.save()
    except IntegrityError:
        drawn.file.storage.delete(drawn.file.name)
        return None
    except BaseException:
        drawn.file.storage.delete(drawn.file.name)
        raise
    return drawn


def stored_response(drawn, *, filename: str) -> FileResponse:
    """A kept PDF streamed from storage, with its SHA-256 in a Digest header."""
    try:
        handle = drawn.file.storage.open(drawn.file.name, "rb")
    except FileNotFoundError:
        logger.error("The stored file of drawn PDF %s is missing", drawn.pk)
        raise Http404("The PDF file is missing") from None
    reply = FileResponse(handle, content_type="application/pdf", filename=filename)
    reply["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=filename
    )
    reply["Content-Length"] = drawn.size
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Digest"] = f"sha-256={drawn.sha256}"
    return reply
