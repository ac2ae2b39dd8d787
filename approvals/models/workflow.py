"""The decision workflow's records: versions, IAM meetings, sign-offs, decisions, related
decisions and standing-authority acceptances. Versions and decisions are written once and
never changed."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.models.base import ImmutableModel
from grants.formatting import long_date


class CaseVersionQuerySet(models.QuerySet):
    def current(self):
        """Each case's current version: the one with the highest number."""
        later = CaseVersion.objects.filter(
            case=models.OuterRef("case"), number__gt=models.OuterRef("number")
        )
        return self.filter(~models.Exists(later))


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

    objects = CaseVersionQuerySet.as_manager()

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="version_number_unique")
        ]

    def __str__(self):
        return f"Version {self.number}"

    def iam_advice(self) -> "AgendaItem | None":
        """The IAM meeting's recorded outcome on this version, if it has one."""
        return (
            AgendaItem.objects.filter(version=self)
            .exclude(outcome=IamOutcome.PENDING)
            .select_related("meeting", "recorded_by")
            .order_by("-recorded_at")
            .first()
        )


class IamOutcome(models.TextChoices):
    PENDING = "pending", "Not yet considered"
    ENDORSED = "endorsed", "Endorsed"
    ENDORSED_WITH_CONDITIONS = "endorsed_with_conditions", "Endorsed with conditions"
    RETURNED = "returned", "Returned for changes"
    NOT_SUPPORTED = "not_supported", "Not supported"


class IamMeeting(models.Model):
    """A meeting of MOPAC's Investment Advisory & Monitoring board."""

    date = models.DateField()
    time = models.TimeField()
    place = models.CharField(max_length=200)
    invitees = models.TextField(help_text="Who is invited, one a line.")
    # Recorded with the meeting's first outcome: who was there is known only afterwards.
    attendees = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"IAM meeting, {long_date(self.date)}"


class AgendaItem(models.Model):
    """A case on an IAM meeting's agenda, and what the meeting advised."""

    meeting = models.ForeignKey(IamMeeting, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(
        "grants.GrantCase", on_delete=models.PROTECT, related_name="agenda_items"
    )
    version = models.ForeignKey(CaseVersion, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=30, choices=IamOutcome, default=IamOutcome.PENDING)
    note = models.TextField(blank=True, help_text="Conditions, or the reasons for the outcome.")
    minutes = models.TextField(
        blank=True, help_text="The meeting's minutes on this case; staff only."
    )
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


class SignOffOutcome(models.TextChoices):
    CLEARED = "cleared", "Cleared"
    CLEARED_WITH_ADVICE = "cleared_with_advice", "Cleared with advice"
    NOT_CLEARED = "not_cleared", "Not cleared"


class SignOff(ImmutableModel):
    """An adviser's outcome for, and advice on, their own area of one version. Not cleared
    is final for that version: the case goes back for changes and the next version is
    asked again."""

    version = models.ForeignKey(CaseVersion, on_delete=models.PROTECT, related_name="sign_offs")
    area = models.CharField(max_length=20, choices=ClearanceArea)
    outcome = models.CharField(
        max_length=20, choices=SignOffOutcome, default=SignOffOutcome.CLEARED
    )
    # The advice, or for "not cleared" the reason.
    advice = models.TextField(blank=True)
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


class ReturnedBy(models.TextChoices):
    IAM = "iam", "IAM"
    DMPC_OFFICE = "dmpc_office", "DMPC office"
    DMPC = "dmpc", "DMPC"


class CaseReturn(ImmutableModel):
    """A case sent back to draft for changes, with the reasons why. The reasons are
    current until the case is next submitted; history keeps them."""

    case = models.ForeignKey("grants.GrantCase", on_delete=models.PROTECT, related_name="returns")
    version = models.ForeignKey(CaseVersion, on_delete=models.PROTECT, related_name="returns")
    returned_by = models.CharField(max_length=20, choices=ReturnedBy)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    sections = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.version} returned by {self.get_returned_by_display()}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    PARTLY_APPROVED = "partly_approved", "Partly approved"
    REJECTED = "rejected", "Rejected"


@dataclass(frozen=True)
class StandingAuthority:
    """Authority, approved in a recommendation, to accept later offers up to a cap a year
    until an end date without a new case (see approvals.standing)."""

    position: int
    text: str
    annual_cap: Decimal
    ends_on: datetime.date


class Decision(ImmutableModel):
    """The DMPC's signed decision on one version of a case."""

    case = models.ForeignKey("grants.GrantCase", on_delete=models.PROTECT, related_name="decisions")
    version = models.OneToOneField(CaseVersion, on_delete=models.PROTECT, related_name="decision")
    reference = models.CharField(max_length=30, unique=True)
    outcome = models.CharField(max_length=20, choices=DecisionOutcome)
    reasons = models.TextField()
    alternatives_considered = models.TextField(blank=True)
    # Said explicitly that no alternatives were considered (alternatives_considered empty).
    no_alternatives = models.BooleanField(default=False)
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

    def approved_positions(self) -> set[int]:
        """The positions of the recommendations this decision approved. A decision signed
        before recommendations were decided one by one approved all or none of them."""
        answers = list(self.recommendation_decisions.all())
        if answers:
            return {answer.position for answer in answers if answer.approved}
        if self.outcome == DecisionOutcome.REJECTED:
            return set()
        return {rec["position"] for rec in self.version.document["recommendations"]}

    def standing_authorities(self) -> list[StandingAuthority]:
        """The standing authorities among the recommendations the decision approved."""
        if self.outcome == DecisionOutcome.REJECTED:
            return []
        approved = self.approved_positions()
        return [
            StandingAuthority(
                position=rec["position"],
                text=rec["text"],
                annual_cap=Decimal(rec["standing_authority"]["annual_cap"]),
                ends_on=datetime.date.fromisoformat(rec["standing_authority"]["ends_on"]),
            )
            for rec in self.version.document["recommendations"]
            if rec.get("standing_authority") and rec["position"] in approved
        ]


class ReferenceSequence(models.Model):
    """The next number of each decision reference prefix. Numbers are never reused: the
    row is locked while a number is taken and only moves forward."""

    prefix = models.CharField(max_length=10, unique=True)
    next_number = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.prefix} {self.next_number}"


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

    @property
    def cites_published_decision(self) -> bool:
        """Whether Part 1 may name the decision: only once it is on the public register.
        Until then the link is a staff note, kept outside Part 1 and the signed document."""
        publication = getattr(self.decision, "publication", None)
        return publication is not None and publication.on_register


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


class RecommendationDecision(ImmutableModel):
    """The DMPC's answer to one recommendation of the decided version."""

    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="recommendation_decisions"
    )
    position = models.PositiveIntegerField()
    approved = models.BooleanField()

    class Meta:
        ordering = ["decision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "position"], name="one_answer_per_recommendation"
            ),
        ]

    def __str__(self):
        return f"{self.decision}: recommendation {self.position}"
