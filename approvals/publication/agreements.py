"""Signed grant agreements: once the DMPC has approved a case, its grants managers upload
the agreement the funder signed, as a PDF, and publication puts it on the public register.

An upload is checked and stored as approvals.uploads says of every uploaded PDF: checked
before anything is stored, under a random name, and deleted again if anything fails.
"""

from django.core.files import File
from django.db import transaction
from django.http import FileResponse

from approvals import audit, uploads
from approvals.models import AuditAction, Decision, DecisionOutcome, GrantAgreement
from approvals.workflow import refusal
from grants.models import GrantCase

# An agreement refused, by any of the checks of approvals.uploads or by the workflow.
AgreementError = uploads.UploadError

SELECT_A_FILE = "Select the signed grant agreement"
NOT_STORED = (
    "The grant agreement could not be saved. Try again. If it keeps happening, contact "
    "the service team"
)


def approved_decision(case: GrantCase) -> Decision | None:
    """The decision an agreement belongs to: the DMPC's approval of the case."""
    return (
        case.decisions.exclude(outcome=DecisionOutcome.REJECTED).select_related("version").first()
    )


def upload_agreement(decision: Decision, uploaded_file: File, *, by) -> GrantAgreement:
    """Store a signed grant agreement for an approved decision and record it in the audit
    trail. Publication picks it up: with the decision, or as a new published revision if
    the decision is already on the register."""
    error = refusal(by, "upload_agreement", decision.case)
    if error is not None:
        raise AgreementError(str(error))
    name = uploads.display_name(uploaded_file.name, "grant-agreement")
    size, sha256 = uploads.check_pdf(uploaded_file)

    agreement = GrantAgreement(
        decision=decision, original_name=name, size=size, sha256=sha256, uploaded_by=by
    )
    stored = uploads.store(agreement, uploaded_file, refused=NOT_STORED)
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
        uploads.discard(agreement.file.storage, stored)
        raise
    return agreement


def agreement_response(agreement: GrantAgreement, *, filename: str) -> FileResponse:
    """An agreement from storage, streamed as a download."""
    return uploads.pdf_response(
        agreement,
        filename=filename,
        default="grant-agreement",
        missing="The grant agreement file is missing",
    )
