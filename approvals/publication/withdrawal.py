"""Taking down what was published in error: a published revision, or a published grant
agreement, withdrawn from the public register (for example because it holds personal
data), by one publisher with a second publisher's confirmation.

Nothing public changes until the second publisher confirms. Then:
- a withdrawn revision leaves the decision's page, its document.json and decision.pdf:
  the page shows the newest revision that was not withdrawn, and says which revision
  was withdrawn, when and why. If every revision is withdrawn, the page says only the
  reference and that it was withdrawn, when and why; document.json and decision.pdf
  answer 410 Gone, and the decision leaves the register's list, search, counts, open
  data and feed (Publication.withdrawn_at) until a new revision is published.
- a withdrawn agreement's agreement.pdf answers 410 Gone, and the page says it was
  withdrawn, when and why. A newer agreement, once uploaded, is published as usual.
The revision or agreement itself is never changed, and the staff can still see it.
"""

from django.db import transaction
from django.utils import timezone

from approvals import audit
from approvals.models import (
    AuditAction,
    GrantAgreement,
    Publication,
    PublishedRevision,
    RelatedDecision,
    Withdrawal,
)
from approvals.publication import register
from approvals.publication.services import PublicationError, note_later_events
from approvals.workflow import refusal, withdrawal_refusal
from grants.models import GrantCase

MAX_REASON_LENGTH = 1000
ENTER_A_REASON = "Enter why it is being withdrawn"
REASON_TOO_LONG = f"The reason must be {MAX_REASON_LENGTH} characters or fewer"


class WithdrawalError(PublicationError):
    """A withdrawal step that cannot be taken; the message says why."""


def _locked_publication(pk: int) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("decision__version", "decision__case")
        .get(pk=pk)
    )


def _publication_of(thing: PublishedRevision | GrantAgreement) -> Publication:
    if isinstance(thing, PublishedRevision):
        return thing.publication
    if isinstance(thing, GrantAgreement):
        publication = Publication.objects.filter(decision_id=thing.decision_id).first()
        if publication is None:
            raise WithdrawalError(NOT_PUBLISHED_AGREEMENT)
        return publication
    raise TypeError("Only a published revision or a grant agreement can be withdrawn.")


NOT_PUBLISHED_AGREEMENT = (
    "This grant agreement has not been published: there is nothing to withdraw."
)


def _case(publication: Publication) -> GrantCase:
    if publication.decision is None:
        raise WithdrawalError(
            f"{publication.reference} is an imported record of the earlier register: it is "
            "not withdrawn here."
        )
    return GrantCase.objects.select_for_update().get(pk=publication.decision.case_id)


def _details(withdrawal: Withdrawal, publication: Publication) -> dict:
    details = {"reference": publication.reference, "withdrawal": withdrawal.pk}
    if withdrawal.revision_id:
        details["revision"] = withdrawal.revision.number
    else:
        details["agreement"] = withdrawal.agreement.sha256
    details["reason"] = withdrawal.reason
    return details


def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WithdrawalError(ENTER_A_REASON)
    if len(reason) > MAX_REASON_LENGTH:
        raise WithdrawalError(REASON_TOO_LONG)
    return reason


def request_withdrawal(thing: PublishedRevision | GrantAgreement, *, by, reason: str) -> Withdrawal:
    """A publisher asks for a published revision or agreement to be withdrawn; a second
    publisher must confirm it before anything public changes."""
    reason = clean_reason(reason)
    publication = _publication_of(thing)
    with transaction.atomic():
        locked = _locked_publication(publication.pk)
        case = _case(locked)
        error = refusal(by, "request_withdrawal", case)
        if error is not None:
            raise WithdrawalError(str(error))
        if isinstance(thing, PublishedRevision):
            kind = {"revision": thing}
            label = f"Revision {thing.number}"
        else:
            if not locked.revisions.filter(agreement=thing).exists():
                raise WithdrawalError(NOT_PUBLISHED_AGREEMENT)
            kind = {"agreement": thing}
            label = "The grant agreement"
        earlier = Withdrawal.objects.filter(cancelled_at__isnull=True, **kind).first()
        if earlier is not None and earlier.confirmed_at:
            raise WithdrawalError(f"{label} is already withdrawn.")
        if earlier is not None:
            raise WithdrawalError(
                f"{label} is already waiting for a second publisher to confirm its withdrawal."
            )
        withdrawal = Withdrawal.objects.create(
            publication=locked,
            reason=reason,
            requested_by=by,
            requested_at=timezone.now(),
            **kind,
        )
        audit.record(
            AuditAction.WITHDRAWAL_REQUESTED,
            actor=by,
            case=case,
            version=locked.decision.version,
            details=_details(withdrawal, locked),
        )
    return withdrawal


def _locked_withdrawal(withdrawal: Withdrawal) -> tuple[Publication, GrantCase, Withdrawal]:
    # The publication first, as every publication step locks it, then the request.
    locked = _locked_publication(withdrawal.publication_id)
    case = _case(locked)
    row = (
        Withdrawal.objects.select_for_update(of=("self",))
        .select_related("revision", "agreement")
        .get(pk=withdrawal.pk)
    )
    return locked, case, row


def confirm_withdrawal(withdrawal: Withdrawal, *, by) -> Withdrawal:
    """A second publisher confirms the withdrawal: it leaves every public URL now."""
    with transaction.atomic():
        publication, case, locked = _locked_withdrawal(withdrawal)
        reason = withdrawal_refusal(by, locked, case=case)
        if reason is not None:
            raise WithdrawalError(reason)
        now = timezone.now()
        locked.confirmed_by, locked.confirmed_at = by, now
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        _take_down(publication, now)
        audit.record(
            AuditAction.WITHDRAWAL_CONFIRMED,
            actor=by,
            case=case,
            version=publication.decision.version,
            details={**_details(locked, publication), "requested_by": locked.requested_by_id},
        )
    return locked


def _take_down(publication: Publication, now) -> None:
    """What the register lists of the publication follows the revision it now shows."""
    shown = publication.public_revision()
    if shown is None and publication.withdrawn_at is None and publication.published_at:
        publication.withdrawn_at = now
        publication.save(update_fields=["withdrawn_at", "updated_at"])
        register.remove_from_counts(publication)
    elif shown is not None:
        # A withdrawn correction may have changed the title or legal basis: the register
        # lists what the shown revision says.
        publication.title = shown.record.get("title", publication.title)
        publication.legal_basis = shown.record.get("legal_basis", publication.legal_basis)
        publication.save(update_fields=["title", "legal_basis", "updated_at"])
    # Its page, files and the register are drawn afresh; decisions it cites list it.
    cited = RelatedDecision.objects.filter(case_id=publication.decision.case_id)
    note_later_events([publication.decision_id, *cited.values_list("decision_id", flat=True)])


def cancel_withdrawal(withdrawal: Withdrawal, *, by) -> Withdrawal:
    """A publisher (the one who asked, or another) cancels a request not yet confirmed."""
    with transaction.atomic():
        publication, case, locked = _locked_withdrawal(withdrawal)
        error = refusal(by, "request_withdrawal", case)
        if error is not None:
            raise WithdrawalError(str(error))
        if locked.confirmed_at or locked.cancelled_at:
            raise WithdrawalError(
                "This withdrawal request is no longer open: someone else may have acted first."
            )
        locked.cancelled_by, locked.cancelled_at = by, timezone.now()
        locked.save(update_fields=["cancelled_by", "cancelled_at"])
        audit.record(
            AuditAction.WITHDRAWAL_CANCELLED,
            actor=by,
            case=case,
            version=publication.decision.version,
            details=_details(locked, publication),
        )
    return locked
