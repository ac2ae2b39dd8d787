"""Publication: grant agreements, a decision's place on the public register and its
published revisions."""

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, F, Q

from approvals.models.base import ImmutableModel
from approvals.models.workflow import DecisionOutcome


def agreement_path(instance, filename: str) -> str:
    """Uploaded agreements are stored under random names: the name a person gave the file
    never reaches the storage."""
    return f"agreements/{uuid.uuid4().hex}.pdf"


class AgreementReview(models.TextChoices):
    """Whether a publisher has looked at an uploaded agreement: only a reviewed one is
    ever published."""

    WAITING = "waiting", "Waiting for review"
    REVIEWED = "reviewed", "Reviewed: fit to publish"
    REJECTED = "rejected", "Rejected"


class GrantAgreement(models.Model):
    """The signed grant agreement for an approved decision, as a PDF. It stays staff-only
    until a publisher other than its uploader reviews it; a rejected one goes back to the
    uploader with the reason."""

    decision = models.ForeignKey(
        "approvals.Decision", on_delete=models.PROTECT, related_name="agreements"
    )
    file = models.FileField(upload_to=agreement_path, max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    review = models.CharField(
        max_length=10, choices=AgreementReview, default=AgreementReview.WAITING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["decision", "-uploaded_at", "-id"]

    def __str__(self):
        return f"Grant agreement for {self.decision}"

    @property
    def is_reviewed(self) -> bool:
        return self.review == AgreementReview.REVIEWED

    @property
    def is_rejected(self) -> bool:
        return self.review == AgreementReview.REJECTED

    @property
    def is_waiting(self) -> bool:
        return self.review == AgreementReview.WAITING


class PublicationQuerySet(models.QuerySet):
    def published(self):
        """Publications on the register: a deferred or not yet due one has no published_at,
        and one whose every revision was withdrawn is off it until a new one is published."""
        return self.filter(published_at__isnull=False, withdrawn_at__isnull=True)

    def made_here(self):
        """Publications of decisions made in this service, not imported records."""
        return self.filter(imported=False)


class Publication(models.Model):
    """A decision's place on the public register.

    It is due one working day after the decision unless deferred. The fields copied from
    the decision and its version serve the register's list, search, filters and open data
    without reading documents."""

    decision = models.OneToOneField(
        "approvals.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publication",
    )
    # A decision published on the earlier register and loaded by `manage.py
    # import_decisions` (approvals.publication.historic): it has no decision or case here,
    # only the facts the earlier register gave, and no structured figures.
    imported = models.BooleanField(default=False, editable=False)
    slug = models.SlugField(max_length=40, unique=True)
    due_at = models.DateTimeField()
    deferred_until = models.DateTimeField(null=True, blank=True)
    deferral_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set when the last of its revisions still public is withdrawn (approvals.publication.
    # withdrawal): it leaves the register's lists, search, open data and feed, and its page
    # says only that it was withdrawn, until a new revision is published.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    legal_basis = models.TextField()

    reference = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    # Blank only for an imported record whose outcome the earlier register did not give.
    outcome = models.CharField(max_length=20, choices=DecisionOutcome, blank=True)
    decision_date = models.DateField()
    # Funders and years as published text, for lists and open data; the filters and
    # counts use `filter_options`, rows of the same values.
    funders = models.CharField(max_length=1000, help_text="Funder names, separated by '; '.")
    # None only for an imported record whose total the earlier register did not give.
    total_grant_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
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
    # (approvals.publication.services.note_later_events). With the current revision, it says
    # when a cached page must be drawn again.
    later_events = models.PositiveIntegerField(default=0, editable=False)
    # The funders and financial years the register's filters find it by, linked when it
    # is first published (approvals.publication.register.add_filter_options).
    filter_options = models.ManyToManyField(
        "approvals.FilterOption", related_name="publications", blank=True, editable=False
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="publication_register"),
            models.Index(fields=["due_at"], name="publication_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imported=True) | models.Q(decision__isnull=False),
                name="publication_of_a_decision_unless_imported",
            )
        ]

    def __str__(self):
        return self.reference

    def current_revision(self) -> "PublishedRevision | None":
        """The newest revision, withdrawn or not: what a new revision is numbered after."""
        return self.revisions.current().first()

    def public_revision(self) -> "PublishedRevision | None":
        """The revision the public sees: the newest that was not withdrawn."""
        return self.revisions.not_withdrawn().order_by("-number").first()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def on_register(self) -> bool:
        """What PublicationQuerySet.published() asks of one publication: published, and
        not withdrawn from the register altogether."""
        return self.published_at is not None and self.withdrawn_at is None

    @property
    def effective_due_at(self):
        """When publish_due will publish it: the deferral date if deferred."""
        return self.deferred_until or self.due_at


class FilterOption(models.Model):
    """A funder or financial year that a published decision has: what the register's
    filters offer, and what they find decisions by (Publication.filter_options). A
    decision's funders and years are fixed when it is scheduled and a published decision
    stays published, so options and links are only ever added, when a decision is first
    published (approvals.publication.register.add_filter_options)."""

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


class RegisterCount(models.Model):
    """How many published decisions have a funder, a financial year and an outcome, each
    '' for any: the register's count for every combination of its filters, the
    unfiltered total among them (all three ''). Kept as decisions are first published, in
    the same transaction (approvals.publication.register.add_filter_options); nothing
    ever lowers a count, as a published decision stays published with the funders, years
    and outcome it was published with."""

    funder = models.CharField(max_length=1000, blank=True)
    year = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["funder", "year", "outcome"], name="register_count_unique"
            ),
        ]

    def __str__(self):
        return f"{self.funder or 'any funder'}, {self.year or 'any year'}: {self.count}"


class RegisterEntry(models.Model):
    """A published decision listed under one combination of the register's filters (a
    RegisterCount other than the unfiltered total), with its time: a filtered list reads
    a combination's newest decisions from one index, however many decisions there are.
    Added with the counts, when a decision is first published."""

    combination = models.ForeignKey(RegisterCount, on_delete=models.CASCADE, related_name="+")
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="register_entries"
    )
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["combination", "publication"], name="register_entry_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["combination", "-published_at", "-publication"],
                name="register_entry_newest",
            ),
        ]

    def __str__(self):
        return f"{self.publication_id} under {self.combination_id}"


class PublishedRevisionQuerySet(models.QuerySet):
    def current(self):
        """Each publication's current revision: the one the public sees, the newest."""
        later = PublishedRevision.objects.filter(
            publication=models.OuterRef("publication"), number__gt=models.OuterRef("number")
        )
        return self.filter(~models.Exists(later))

    def public(self):
        """Revisions of decisions on the register."""
        return self.filter(publication__published_at__isnull=False)

    def not_withdrawn(self):
        return self.exclude(
            Exists(Withdrawal.objects.confirmed().filter(revision=models.OuterRef("pk")))
        )

    def shown(self):
        """Each published decision's revision that its page shows: the newest that was not
        withdrawn."""
        later = PublishedRevision.objects.not_withdrawn().filter(
            publication=models.OuterRef("publication"), number__gt=models.OuterRef("number")
        )
        return self.public().not_withdrawn().filter(~models.Exists(later))


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

    objects = PublishedRevisionQuerySet.as_manager()

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
    (approvals.publication.part1)."""

    revision = models.OneToOneField(
        PublishedRevision, on_delete=models.CASCADE, related_name="part1"
    )
    renderer = models.CharField(
        max_length=32, help_text="The layout it was drawn with (approvals.publication.part1)."
    )
    html = models.TextField()
    drawn_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Part 1 of {self.revision_id}"


class WithdrawalQuerySet(models.QuerySet):
    def open(self):
        """Requests waiting for a second publisher."""
        return self.filter(confirmed_at__isnull=True, cancelled_at__isnull=True)

    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class Withdrawal(models.Model):
    """Taking a published revision, or a published grant agreement, off the public
    register, for example because it holds personal data. One publisher asks and a second
    confirms; until then nothing public changes. The revision or agreement itself is never
    changed (published revisions are immutable): this row says that it is withdrawn, and
    the staff can still see it."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Waiting for a second publisher"
        CONFIRMED = "confirmed", "Withdrawn"
        CANCELLED = "cancelled", "Cancelled"

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="withdrawals"
    )
    revision = models.ForeignKey(
        PublishedRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawals",
    )
    agreement = models.ForeignKey(
        GrantAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="withdrawals"
    )
    reason = models.TextField(help_text="Shown on the public register.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = WithdrawalQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["-confirmed_at", "-id"], name="withdrawal_confirmed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revision__isnull=True) ^ Q(agreement__isnull=True),
                name="withdrawal_of_a_revision_or_an_agreement",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("requested_by")),
                name="withdrawal_confirmed_by_a_second_publisher",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="withdrawal_confirmed_or_cancelled",
            ),
            # One request or withdrawal at a time: a cancelled one may be asked again.
            models.UniqueConstraint(
                fields=["revision"],
                condition=Q(revision__isnull=False, cancelled_at__isnull=True),
                name="withdrawal_of_a_revision_once",
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(agreement__isnull=False, cancelled_at__isnull=True),
                name="withdrawal_of_an_agreement_once",
            ),
        ]

    def __str__(self):
        return f"Withdrawal of {self.thing_label} of {self.publication}"

    @property
    def state(self) -> "Withdrawal.State":
        if self.confirmed_at:
            return self.State.CONFIRMED
        if self.cancelled_at:
            return self.State.CANCELLED
        return self.State.REQUESTED

    @property
    def thing_label(self) -> str:
        if self.revision_id:
            return f"revision {self.revision.number}"
        return "the grant agreement"


class PublishedOffer(models.Model):
    """A grant offer as a published decision's Part 1 states it: funder, scheme, financial
    year and amount. Copied from the document when the decision is first published, in the
    same transaction (approvals.publication.totals.add_published_offers), so the register's
    money totals are added up in SQL rather than from every document. A correction
    republishes the same decided version, so its offers never change."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="published_offers"
    )
    funder = models.CharField(max_length=200)
    scheme = models.CharField(max_length=200, blank=True)
    financial_year = models.CharField(max_length=7, help_text="Like '2023/24'.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["publication", "id"]

    def __str__(self):
        return f"{self.funder} {self.financial_year}: {self.amount}"
