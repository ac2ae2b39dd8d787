"""The decision workflow's records: versions, IAM meetings, sign-offs, decisions and the
audit trail. Versions and audit events are written once and never changed."""

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from grants.models import CaseState


class ImmutableModel(models.Model):
    """Rows that are written once: saving an existing row or deleting one is refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"{type(self).__name__} records cannot be deleted.")


class ImmutableRecordError(Exception):
    pass


class CaseVersion(ImmutableModel):
    """A case frozen when it was submitted: its document and the document's SHA-256."""

    case = models.ForeignKey("grants.GrantCase", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the whole document.")
    part1_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the publishable document, without Part 2."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Everyone who changed the case before this version was frozen: none of them may
    # endorse, sign off or decide it.
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="version_number_unique")
        ]

    def __str__(self):
        return f"Version {self.number}"


class IamOutcome(models.TextChoices):
    PENDING = "pending", "Not yet considered"
    ENDORSED = "endorsed", "Endorsed"
    ENDORSED_WITH_CONDITIONS = "endorsed_with_conditions", "Endorsed with conditions"
    RETURNED = "returned", "Returned for changes"
    NOT_SUPPORTED = "not_supported", "Not supported"


class IamMeeting(models.Model):
    """A meeting of MOPAC's Investment Advisory & Monitoring board."""

    date = models.DateField()
    attendees = models.TextField()
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"IAM meeting, {self.date:%-d %B %Y}"


class AgendaItem(models.Model):
    """A case on an IAM meeting's agenda, and what the meeting advised."""

    meeting = models.ForeignKey(IamMeeting, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(
        "grants.GrantCase", on_delete=models.PROTECT, related_name="agenda_items"
    )
    version = models.ForeignKey(CaseVersion, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=30, choices=IamOutcome, default=IamOutcome.PENDING)
    note = models.TextField(blank=True, help_text="Conditions, or the reasons for the outcome.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="agenda_version_once"),
        ]

    def __str__(self):
        return f"{self.case} at {self.meeting}"


class ClearanceArea(models.TextChoices):
    FINANCE = "finance", "Finance"
    LEGAL = "legal", "Legal"
    EQUALITIES = "equalities", "Equalities"
    PRIVACY = "privacy", "Privacy"


class SignOff(ImmutableModel):
    """An adviser's advice on, and sign-off of, their own area of one version."""

    version = models.ForeignKey(CaseVersion, on_delete=models.PROTECT, related_name="sign_offs")
    area = models.CharField(max_length=20, choices=ClearanceArea)
    advice = models.TextField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "area"]
        constraints = [
            models.UniqueConstraint(fields=["version", "area"], name="one_sign_off_per_area"),
        ]

    def __str__(self):
        return f"{self.get_area_display()} sign-off of {self.version}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Decision(ImmutableModel):
    """The DMPC's signed decision on one version of a case."""

    case = models.ForeignKey("grants.GrantCase", on_delete=models.PROTECT, related_name="decisions")
    version = models.OneToOneField(CaseVersion, on_delete=models.PROTECT, related_name="decision")
    reference = models.CharField(max_length=30, unique=True)
    outcome = models.CharField(max_length=20, choices=DecisionOutcome)
    reasons = models.TextField()
    alternatives_considered = models.TextField(blank=True)
    interests_declared = models.BooleanField(default=False)
    interests = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interests_declared=False) | ~Q(interests=""),
                name="declared_interests_are_described",
            ),
        ]

    def __str__(self):
        return self.reference


class ReferenceSequence(models.Model):
    """The next number of each decision reference prefix. Numbers are never reused: the
    row is locked while a number is taken and only moves forward."""

    prefix = models.CharField(max_length=10, unique=True)
    next_number = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.prefix} {self.next_number}"


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
        CaseVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    appended one at a time, in order, each linked to the one before."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self):
        return f"Audit chain at event {self.sequence}"


def agreement_path(instance, filename: str) -> str:
    """Uploaded agreements are stored under random names: the name a person gave the file
    never reaches the storage."""
    return f"agreements/{uuid.uuid4().hex}.pdf"


class GrantAgreement(models.Model):
    """The signed grant agreement for an approved decision, as a PDF."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="agreements")
    file = models.FileField(upload_to=agreement_path, max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decision", "-uploaded_at", "-id"]

    def __str__(self):
        return f"Grant agreement for {self.decision}"


class Publication(models.Model):
    """A decision's place on the public register.

    It is due one working day after the decision unless deferred. The fields copied from
    the decision and its version serve the register's list, search, filters and open data
    without reading documents."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="publication")
    slug = models.SlugField(max_length=40, unique=True)
    due_at = models.DateTimeField()
    deferred_until = models.DateTimeField(null=True, blank=True)
    deferral_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    legal_basis = models.TextField()

    reference = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    outcome = models.CharField(max_length=20, choices=DecisionOutcome)
    decision_date = models.DateField()
    funders = models.CharField(max_length=1000, help_text="Funder names, separated by '; '.")
    total_grant_amount = models.DecimalField(max_digits=14, decimal_places=2)
    financial_years = models.CharField(max_length=200, help_text="Like '2023/24; 2024/25'.")
    summary = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The words of the title, summary and recommendations, for the register's search.
    # On PostgreSQL a trigger keeps it up to date (migration 0007) and a GIN index
    # serves it; elsewhere it stays empty and the search reads the fields themselves.
    search_vector = SearchVectorField(null=True, editable=False)
    # Counts changes to what the decision's page shows from later events: offers accepted
    # under its standing authority, and published decisions that cite it
    # (approvals.publication.note_later_events). With the current revision, it says
    # when a cached page must be drawn again.
    later_events = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="publication_register"),
            models.Index(fields=["due_at"], name="publication_due"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def effective_due_at(self):
        """When publish_due will publish it: the deferral date if deferred."""
        return self.deferred_until or self.due_at


class FilterOption(models.Model):
    """A funder or financial year that a published decision has: what the register's
    filters offer. A decision's funders and years are fixed when it is scheduled and a
    published decision stays published, so options are only ever added, when a decision
    is first published (approvals.register.add_filter_options)."""

    class Field(models.TextChoices):
        FUNDER = "funder", "Funder"
        YEAR = "year", "Financial year"

    field = models.CharField(max_length=10, choices=Field)
    value = models.CharField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "value"], name="filter_option_unique"),
        ]

    def __str__(self):
        return f"{self.get_field_display()}: {self.value}"


class PublishedRevision(ImmutableModel):
    """One published form of a decision. A correction is a new revision with a note; the
    earlier ones stay visible."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, help_text="What a correction changed, and why.")
    record = models.JSONField(help_text="The decision record as published.")
    document = models.JSONField(help_text="Part 1 of the approved version: no Part 2 content.")
    document_sha256 = models.CharField(max_length=64)
    agreement = models.ForeignKey(
        GrantAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["publication", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="revision_number_unique")
        ]

    def __str__(self):
        return f"{self.publication} revision {self.number}"


class PublishedPart1(models.Model):
    """A published revision's Part 1, drawn as HTML when it was published, for its
    page: a copy that can always be drawn again from the revision
    (approvals.renderings)."""

    revision = models.OneToOneField(
        PublishedRevision, on_delete=models.CASCADE, related_name="part1"
    )
    renderer = models.CharField(
        max_length=32, help_text="Fingerprint of the templates and code that drew it."
    )
    html = models.TextField()
    drawn_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Part 1 of {self.revision_id}"


class RelatedDecisionKind(models.TextChoices):
    VARIES = "varies", "Varies"
    EXTENDS = "extends", "Extends"
    SUPERSEDES = "supersedes", "Supersedes"


class RelatedDecision(models.Model):
    """A case's typed link to an earlier decision ("PCD 1216 refers")."""

    case = models.ForeignKey(
        "grants.GrantCase", on_delete=models.CASCADE, related_name="related_decisions"
    )
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=RelatedDecisionKind)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "decision"], name="related_decision_once")
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display().lower()} {self.decision}"


class StandingAuthorityAcceptance(models.Model):
    """A later year's offer accepted under an approved standing authority."""

    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="standing_acceptances"
    )
    recommendation = models.PositiveSmallIntegerField(
        help_text="The position of the standing authority among the decision's recommendations."
    )
    funder = models.CharField(max_length=200)
    financial_year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    offer_date = models.DateField()
    note = models.TextField(blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decision", "financial_year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="standing_acceptance_amount_positive"
            )
        ]

    def __str__(self):
        return f"{self.funder} {self.amount} under {self.decision}"
