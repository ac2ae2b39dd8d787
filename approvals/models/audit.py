"""The audit trail: an append-only chain of events (see approvals.audit)."""

from django.conf import settings
from django.db import models

from approvals.models.base import ImmutableModel, ImmutableRecordError
from grants.states import CaseState


class AuditAction(models.TextChoices):
    CASE_CREATED = "case_created", "Case created"
    CASE_EDITED = "case_edited", "Case edited"
    SUBMITTED = "submitted", "Submitted for IAM review"
    MEETING_RECORDED = "meeting_recorded", "IAM meeting recorded"
    ADDED_TO_AGENDA = "added_to_agenda", "Added to an IAM agenda"
    IAM_OUTCOME = "iam_outcome", "IAM outcome recorded"
    SIGNED_OFF = "signed_off", "Signed off"
    READY_FOR_DECISION = "ready_for_decision", "Marked ready for decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned to draft"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UPLOADED = "uploaded", "File uploaded"
    PUBLISHED = "published", "Published"
    PUBLICATION_DEFERRED = "publication_deferred", "Publication deferred"
    STANDING_ACCEPTANCE = "standing_acceptance", "Offer accepted under standing authority"
    RELATED_DECISION = "related_decision", "Related decision linked"
    SIGNATURE_REFUSED = "signature_refused", "Decision signature refused: wrong password"
    CHAIN_KEYED = "chain_keyed", "Audit chain keyed"
    ACCOUNT_CREATED = "account_created", "Account created"
    ACCOUNT_CHANGED = "account_changed", "Account changed"
    ROLES_CHANGED = "roles_changed", "Roles changed"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET = "password_reset", "Password reset by email"
    AUTHENTICATOR_REPLACED = "authenticator_replaced", "Authenticator app replaced"
    AUTHENTICATOR_RESET = "authenticator_reset", "Sign-in reset by an administrator"
    REFERENCES_ADVANCED = "references_advanced", "Decision references moved on"
    QUESTION_ASKED = "question_asked", "Question asked"
    COMMENT_ADDED = "comment_added", "Comment added"
    QUESTION_RESOLVED = "question_resolved", "Question resolved"
    PACK_DOWNLOADED = "pack_downloaded", "IAM meeting pack downloaded"
    IMPORTED = "imported", "Decision imported from the earlier register"
    RATE_ADDED = "rate_added", "Grade added to the rate card"
    RATE_CHANGED = "rate_changed", "Rate card cost changed"
    RATE_REMOVED = "rate_removed", "Grade removed from the rate card"
    OFFER_LETTER_UPLOADED = "offer_letter_uploaded", "Offer letter uploaded"
    OFFER_LETTER_REMOVED = "offer_letter_removed", "Offer letter removed"
    AGREEMENT_REVIEWED = "agreement_reviewed", "Grant agreement reviewed: fit to publish"
    AGREEMENT_REJECTED = "agreement_rejected", "Grant agreement rejected"
    PLANNED = "planned", "Added to the forward plan"
    PLAN_CHANGED = "plan_changed", "Forward plan entry changed"
    UNPLANNED = "unplanned", "Taken off the forward plan"
    WITHDRAWAL_REQUESTED = "withdrawal_requested", "Withdrawal from the register requested"
    WITHDRAWAL_CONFIRMED = "withdrawal_confirmed", "Withdrawn from the register"
    WITHDRAWAL_CANCELLED = "withdrawal_cancelled", "Withdrawal from the register cancelled"


class AuditEvent(models.Model):
    """One entry of the append-only audit trail.

    Each event's hash covers its content and the previous event's hash, so changing,
    removing or reordering any event breaks the chain (see approvals.audit). Nothing
    updates or deletes these rows; on PostgreSQL a trigger refuses it too.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=300)
    action = models.CharField(max_length=30, choices=AuditAction)
    case = models.ForeignKey(
        "grants.GrantCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    version = models.ForeignKey(
        "approvals.CaseVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(max_length=20, choices=CaseState, blank=True)
    to_state = models.CharField(max_length=20, choices=CaseState, blank=True)
    details = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["case", "sequence"])]

    def __str__(self):
        return f"#{self.sequence} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Audit events cannot be deleted.")


class AuditChainHead(models.Model):
    """The last event of the audit chain. Writers lock this single row, so events are
    appended one at a time, in order, each linked to the one before. On PostgreSQL a
    trigger lets nothing but an append move it on, one event at a time."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    keyed_from = models.PositiveBigIntegerField(
        default=0,
        help_text="The first event hashed with AUDIT_KEY; 0 until the chain is keyed.",
    )

    def __str__(self):
        return f"Audit chain at event {self.sequence}"


class AuditAnchor(ImmutableModel):
    """The chain's head (sequence and hash) as the public record holds it: recorded at
    each publication, beside the published revision, and once when the chain was keyed.

    Anyone who keeps a copy of the published anchors can later show that the history
    before them has not been rewritten (`verify_audit --anchors`)."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Decision published"
        KEYED = "keyed", "Audit chain keyed"

    kind = models.CharField(max_length=20, choices=Kind)
    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    revision = models.OneToOneField(
        "approvals.PublishedRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_anchor",
    )

    class Meta:
        ordering = ["sequence", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="keyed", revision__isnull=True)
                | models.Q(kind="published", revision__isnull=False),
                name="anchor_revision_by_kind",
            )
        ]

    def __str__(self):
        return f"Audit anchor at event {self.sequence}"
