"""Signed grant agreements: once the DMPC has approved a case, its grants managers or a
publisher upload the agreement the funder signed, as a PDF. It stays staff-only until a
publisher other than the uploader confirms it is fit to publish (signed, the right
agreement, personal data redacted); then publication puts it on the public register. A
rejected agreement goes back to its uploader with the reason, and waits for a new upload.

An upload is checked and stored as approvals.uploads says of every uploaded PDF: checked
before anything is stored, under a random name, and deleted again if anything fails.
"""

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone

from approvals import audit, notifications, uploads
from approvals.accounts.roles import Role
from approvals.models import (
    AgreementReview,
    AuditAction,
    Decision,
    DecisionOutcome,
    GrantAgreement,
)
from approvals.workflow import CaseChanged, CaseFacts, refusal
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
    trail. It waits for a publisher's review; once reviewed, publication picks it up: with
    the decision, or as a new published revision if the decision is already on the
    register. Earlier uploads and their reviews are kept."""
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
            transaction.on_commit(lambda: _tell_publishers(case, exclude=by))
    except BaseException:
        uploads.discard(agreement.file.storage, stored)
        raise
    return agreement


# What a publisher confirms of an agreement before it is published, each a checkbox.
CHECKLIST = {
    "signed": "It is signed by the funder and by MOPAC",
    "right_agreement": "It is the agreement for this decision: the same funder, grant and amount",
    "redacted": "Personal data is redacted: names, signatures and contact details of "
    "individuals who are not senior officials",
}
TICK_EVERY_CHECK = "Confirm each check before marking the agreement fit to publish"
ENTER_A_REASON = "Enter why the agreement cannot be published, for the person who uploaded it"


def confirm_agreement(agreement: GrantAgreement, *, by, checks) -> GrantAgreement:
    """A publisher confirms an uploaded agreement is fit to publish, having made each check
    of CHECKLIST. Publication then picks it up."""
    if set(checks) != set(CHECKLIST):
        raise AgreementError(TICK_EVERY_CHECK)
    return _review(agreement, by=by, outcome=AgreementReview.REVIEWED, reason="")


def reject_agreement(agreement: GrantAgreement, *, by, reason: str) -> GrantAgreement:
    """A publisher refuses an uploaded agreement, with the reason its uploader is told."""
    if not reason.strip():
        raise AgreementError(ENTER_A_REASON)
    return _review(agreement, by=by, outcome=AgreementReview.REJECTED, reason=reason.strip())


def _review(agreement: GrantAgreement, *, by, outcome: str, reason: str) -> GrantAgreement:
    with transaction.atomic():
        # The case's lock orders two publishers reviewing at once: the second one sees the
        # first one's outcome and is refused.
        case = GrantCase.objects.select_for_update().get(pk=agreement.decision.case_id)
        locked = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
        facts = CaseFacts(case)
        error = refusal(by, "review_agreement", case, facts)
        if error is None and facts.agreement.pk != locked.pk:
            error = CaseChanged(
                "A newer grant agreement was uploaded after you opened this page. Review that "
                "one instead."
            )
        if error is not None:
            raise error
        locked.review = outcome
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.rejection_reason = reason
        locked.save(update_fields=["review", "reviewed_by", "reviewed_at", "rejection_reason"])
        details = {
            "reference": locked.decision.reference,
            "agreement": locked.pk,
            "name": locked.original_name,
            "sha256": locked.sha256,
        }
        if outcome == AgreementReview.REVIEWED:
            action = AuditAction.AGREEMENT_REVIEWED
            details["checks"] = sorted(CHECKLIST)
        else:
            action = AuditAction.AGREEMENT_REJECTED
            details["reason"] = reason
        audit.record(action, actor=by, case=case, version=locked.decision.version, details=details)
        if outcome == AgreementReview.REJECTED:
            uploader = locked.uploaded_by
            transaction.on_commit(
                lambda: notifications.send(
                    case,
                    "had its grant agreement rejected",
                    addresses=[uploader.email] if uploader.email else [],
                    extra=f"The publisher’s reason:\n{reason}\n\nUpload a corrected agreement.",
                )
            )
    return locked


def _tell_publishers(case: GrantCase, *, exclude) -> None:
    """Every publisher but the uploader hears that an agreement waits for their review."""
    addresses = sorted(
        set(
            get_user_model()
            .objects.filter(groups__name=Role.PUBLISHER.value, is_active=True)
            .exclude(pk=exclude.pk)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if addresses:
        notifications.send(case, "has a grant agreement waiting for review", addresses=addresses)


def agreement_response(agreement: GrantAgreement, *, filename: str) -> FileResponse:
    """An agreement from storage, streamed as a download."""
    return uploads.pdf_response(
        agreement,
        filename=filename,
        default="grant-agreement",
        missing="The grant agreement file is missing",
    )
