"""Signed grant agreements: once the DMPC has approved a case, its grants managers upload
the agreement the funder signed, as a PDF, and publication puts it on the public register.

An upload is checked before anything is stored: its size first, without reading it, then
its content (a PDF that can be opened, with pages and without a password), never its
name or the type the browser claimed. It is stored under a random name; the name it came
with is kept for display only. If anything fails once the file is in storage, the file
is deleted again, so a refused or failed upload leaves nothing behind.
"""

import hashlib
import logging
import re

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from pypdf import PdfReader

from approvals import audit
from approvals.models import AuditAction, Decision, DecisionOutcome, GrantAgreement
from approvals.workflow import refusal
from grants.models import GrantCase

logger = logging.getLogger(__name__)

PDF_SIGNATURE = b"%PDF-"
NAME_LIMIT = GrantAgreement._meta.get_field("original_name").max_length
# Control characters (NUL above all) have no place in a file name: browsers never send
# them, so a name holding one was made by hand.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

SELECT_A_FILE = "Select the signed grant agreement"
EMPTY = "The selected file is empty"
NOT_A_PDF = "The selected file must be a PDF"
DAMAGED = (
    "The selected file could not be opened as a PDF. It may be damaged: save it as a PDF "
    "again and upload that copy"
)
PASSWORD_PROTECTED = (
    "The selected PDF is password protected. Upload a copy without a password or other protection"
)
NO_PAGES = "The selected PDF has no pages"
BAD_NAME = (
    "The selected file’s name contains characters that are not allowed. Rename the file "
    "and select it again"
)
NOT_STORED = (
    "The grant agreement could not be saved. Try again. If it keeps happening, contact "
    "the service team"
)


class AgreementError(Exception):
    """An upload that is refused; the message says why, to the person uploading."""


def size_label(size: int) -> str:
    """A size as the GOV.UK Design System writes it: 20MB, 500KB, 900 bytes."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + unit
    return f"{size:,} bytes"


def too_large_message() -> str:
    return f"The selected file must be smaller than {size_label(settings.AGREEMENT_MAX_BYTES)}"


def approved_decision(case: GrantCase) -> Decision | None:
    """The decision an agreement belongs to: the DMPC's approval of the case."""
    return case.decisions.filter(outcome=DecisionOutcome.APPROVED).select_related("version").first()


def display_name(name: str | None) -> str:
    """The name to show for an upload: its last path part only (some browsers send the
    whole path), never used to store the file."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if _CONTROL_CHARACTERS.search(name):
        raise AgreementError(BAD_NAME)
    if name in ("", ".", ".."):
        return "grant-agreement.pdf"
    if len(name) > NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > 10:
            return name[:NAME_LIMIT]
        return stem[: NAME_LIMIT - len(extension) - 1] + "." + extension
    return name


def _declared_size(uploaded_file: File) -> int | None:
    try:
        return uploaded_file.size
    except (AttributeError, OSError):  # a stream that cannot say: counted while reading
        return None


def check_pdf(uploaded_file: File) -> tuple[int, str]:
    """Refuse anything but a readable PDF within the size limit; return its size in bytes
    and its SHA-256."""
    limit = settings.AGREEMENT_MAX_BYTES
    declared = _declared_size(uploaded_file)
    if declared == 0:
        raise AgreementError(EMPTY)
    if declared is not None and declared > limit:
        raise AgreementError(too_large_message())

    # Counted again while reading, in case the declared size was wrong.
    digest, size, start = hashlib.sha256(), 0, b""
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > limit:
            raise AgreementError(too_large_message())
        if len(start) < len(PDF_SIGNATURE):
            start += chunk[: len(PDF_SIGNATURE)]
        digest.update(chunk)
    if size == 0:
        raise AgreementError(EMPTY)
    if not start.startswith(PDF_SIGNATURE):
        raise AgreementError(NOT_A_PDF)

    uploaded_file.seek(0)
    try:
        reader = PdfReader(uploaded_file)
        if reader.is_encrypted:
            raise AgreementError(PASSWORD_PROTECTED)
        pages = len(reader.pages)
    except AgreementError:
        raise
    except Exception as error:  # pypdf raises many kinds of error on damaged files
        logger.info("Refused an agreement pypdf cannot read: %r", error)
        raise AgreementError(DAMAGED) from error
    finally:
        uploaded_file.seek(0)
    if pages == 0:
        raise AgreementError(NO_PAGES)
    return size, digest.hexdigest()


def _discard(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:
        # The original error matters more to the person uploading; the orphaned file is
        # logged with its name so that it can be removed by hand.
        logger.exception("Could not delete the stored file %s", name)


def upload_agreement(decision: Decision, uploaded_file: File, *, by) -> GrantAgreement:
    """Store a signed grant agreement for an approved decision and record it in the audit
    trail. Publication picks it up: with the decision, or as a new published revision if
    the decision is already on the register."""
    error = refusal(by, "upload_agreement", decision.case)
    if error is not None:
        raise AgreementError(str(error))
    name = display_name(uploaded_file.name)
    size, sha256 = check_pdf(uploaded_file)

    agreement = GrantAgreement(
        decision=decision, original_name=name, size=size, sha256=sha256, uploaded_by=by
    )
    field = agreement.file.field
    stored = field.generate_filename(agreement, name)  # agreement_path's random name
    # Stored before the transaction, so that a slow upload to object storage does not
    # hold the case's lock; every failure from here on deletes it again. on_commit could
    # not do that: it runs only when the transaction succeeds.
    try:
        stored = field.storage.save(stored, uploaded_file, max_length=field.max_length)
    except Exception as error:
        logger.exception("Could not store a grant agreement for %s", decision.reference)
        _discard(field.storage, stored)  # whatever part of it was written
        raise AgreementError(NOT_STORED) from error
    agreement.file.name = stored
    try:
        with transaction.atomic():
            case = GrantCase.objects.select_for_update().get(pk=decision.case_id)
            error = refusal(by, "upload_agreement", case)
            if error is not None:
                raise AgreementError(str(error))
            agreement.save()
            audit.record(
                AuditAction.UPLOADED,
                actor=by,
                case=case,
                version=decision.version,
                details={
                    "reference": decision.reference,
                    "agreement": agreement.pk,
                    "name": name,
                    "size": size,
                    "sha256": sha256,
                },
            )
    except BaseException:
        _discard(field.storage, stored)
        raise
    return agreement


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
