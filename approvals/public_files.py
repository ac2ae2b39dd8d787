"""Published files: a decision's record and Part 1 as a PDF, and its signed grant
agreement. Anyone may download them once the decision is published; until then, and for
anything its current revision does not include, the answer is 404.

Both come from the current published revision, so a correction or a newly added
agreement changes the ETag and caches fetch the new file.
"""

import logging

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from approvals.models import GrantAgreement, PublishedRevision
from approvals.pdf import LAYOUT, render_decision_pdf

logger = logging.getLogger(__name__)

# Published files change only by a new revision, which changes their ETag; caches may keep
# them a few minutes and then check the ETag.
PUBLIC_MAX_AGE = 300


def current_revision(slug: str) -> PublishedRevision:
    """The revision the public sees now; 404 until the decision is published."""
    revision = (
        PublishedRevision.objects.filter(
            publication__slug=slug, publication__published_at__isnull=False
        )
        .select_related("publication", "agreement")
        .order_by("-number")
        .first()
    )
    if revision is None:
        raise Http404("No published decision has that reference")
    return revision


def _published_agreement(slug: str) -> tuple[PublishedRevision, GrantAgreement]:
    revision = current_revision(slug)
    if revision.agreement is None:
        raise Http404("No grant agreement has been published for this decision")
    return revision, revision.agreement


def agreement_response(agreement: GrantAgreement, *, filename: str) -> FileResponse:
    """An agreement from storage, streamed. Sent as a download, not shown inline: the file
    came from outside, and only its structure was checked."""
    try:
        handle = default_storage.open(agreement.file.name, "rb")
    except FileNotFoundError:
        logger.error("The stored file of agreement %s is missing", agreement.pk)
        raise Http404("The grant agreement file is missing") from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Content-Length"] = agreement.size
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _agreement_etag(request, slug):
    revision, agreement = _published_agreement(slug)
    return f"{revision.number}-{agreement.sha256}"


def _pdf_etag(request, slug):
    revision = current_revision(slug)
    # Weak: the PDF is rebuilt on each request, and the same revision may not come out
    # byte for byte the same (its creation time differs).
    return f'W/"{revision.number}-{revision.document_sha256}-{LAYOUT}"'


# A refusal (404) is raised, not returned, so it is never marked public.
public = cache_control(public=True, max_age=PUBLIC_MAX_AGE)


@require_safe
@public
@condition(etag_func=_agreement_etag)
def agreement_pdf(request, slug):
    _, agreement = _published_agreement(slug)
    return agreement_response(agreement, filename=f"{slug}-grant-agreement.pdf")


@require_safe
@public
@condition(etag_func=_pdf_etag)
def decision_pdf(request, slug):
    revision = current_revision(slug)
    response = HttpResponse(render_decision_pdf(revision), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"{slug}-decision.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
