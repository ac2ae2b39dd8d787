"""Grant cases and everything a case owns.

A case is costed for one financial year: a post's annual cost is its cost in a year, and
a post or cost line without dates of its own falls in that costed year. A post can run
for part of a year or across several (its start and end dates), and a cost line can
fall in another year; a unit's grant allocation is for the costed year, and its
allocations for other years are YearAllocations. The budget years are the years the
revenue impact summary shows; grant funding falls in the year of each offer, planned
spend in the years grants.years works out. Every total is computed by
grants.reconciliation, never stored.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse

from grants.money import financial_year_label
from grants.states import CaseState

MONEY = {"max_digits": 14, "decimal_places": 2}
FTE = {"max_digits": 6, "decimal_places": 2}


def non_negative(field: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}), name=f"{model}_{field}_not_negative"
    )


class Funder(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class GrantScheme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class GrantCaseQuerySet(models.QuerySet):
    def with_contents(self):
        """Everything the report, the reconciliation and the case document read."""
        return self.select_related("scheme", "owner").prefetch_related(
            models.Prefetch("units", queryset=FundedUnit.objects.order_by("position", "id")),
            models.Prefetch("units__posts", queryset=Post.objects.order_by("position", "id")),
            models.Prefetch(
                "units__cost_lines", queryset=CostLine.objects.order_by("position", "id")
            ),
            models.Prefetch(
                "units__year_allocations",
                queryset=YearAllocation.objects.order_by("financial_year"),
            ),
            models.Prefetch(
                "offers",
                queryset=GrantOffer.objects.select_related("funder", "scheme", "letter"),
            ),
            "recommendations",
            "budget_years",
            "related_decisions__decision__publication",
        )


class GrantCase(models.Model):
    title = models.CharField(max_length=300)
    scheme = models.ForeignKey(
        GrantScheme, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="The financial year the posts and cost lines are costed for."
    )
    state = models.CharField(max_length=20, choices=CaseState, default=CaseState.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="shared_cases"
    )
    ready_for_decision_at = models.DateTimeField(
        null=True, blank=True, help_text="When the DMPC office marked the case ready for decision."
    )
    # Optimistic lock: every saved edit increments it, and a form built on an older
    # value is refused rather than overwriting newer data.
    lock_version = models.PositiveIntegerField(default=0)

    report_by = models.CharField(
        "Report by",
        max_length=300,
        blank=True,
        help_text="Who the report is by, e.g. ‘Detective Superintendent A Smith on behalf of "
        "the Chief of Corporate Services’.",
    )
    report_author = models.TextField(
        "Report author", blank=True, help_text="Name, job title and unit of the report’s author."
    )

    executive_summary = models.TextField(blank=True)
    needed_by = models.DateField("Decision needed by", null=True, blank=True)
    time_sensitivity = models.TextField("Why the decision is needed by then", blank=True)
    introduction = models.TextField("Introduction and background", blank=True)
    issues_for_consideration = models.TextField(blank=True)
    contribution_to_plans = models.TextField(
        "Contribution to the Police and Crime Plan and MPS plans", blank=True
    )
    financial_comments = models.TextField(
        "Financial, commercial and procurement comments", blank=True
    )
    revenue_impact_note = models.TextField("Note on the revenue impact summary", blank=True)
    legal_comments = models.TextField(blank=True)
    equality_comments = models.TextField(blank=True)
    privacy_comments = models.TextField(blank=True)
    risk_comments = models.TextField(blank=True)
    real_estate_implications = models.TextField(blank=True)
    environmental_implications = models.TextField(blank=True)
    background_papers = models.TextField("Background and supporting papers", blank=True)

    part2_content = models.TextField("Part 2 (exempt) content", blank=True)
    part2_exemption_reason = models.TextField("Why Part 2 is exempt from publication", blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GrantCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["state", "-updated_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("grants:report", args=[self.pk])

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def state_phrase(self) -> str:
        return CaseState(self.state).phrase

    def current_version(self):
        """The version reviewers act on now: the latest frozen at a submission (None
        before the first)."""
        return self.versions.current().first()

    @property
    def has_part2(self) -> bool:
        return bool(self.part2_content.strip())

    def total_offered(self) -> Decimal:
        """The sum of the funders' offers; prefetch `offers` to read many cases at once."""
        return sum((offer.amount for offer in self.offers.all()), Decimal(0))


class Recommendation(models.Model):
    case = models.ForeignKey(GrantCase, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    is_standing_authority = models.BooleanField(
        "Standing authority",
        default=False,
        help_text="Authority to accept future offers up to a cap each year until an end date.",
    )
    annual_cap = models.DecimalField(**MONEY, null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            non_negative("annual_cap", "recommendation"),
            models.CheckConstraint(
                condition=Q(is_standing_authority=False)
                | (Q(annual_cap__isnull=False) & Q(ends_on__isnull=False)),
                name="standing_authority_has_cap_and_end",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.text[:60]}"


class GrantOffer(models.Model):
    case = models.ForeignKey(GrantCase, on_delete=models.CASCADE, related_name="offers")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="offers")
    scheme = models.ForeignKey(
        GrantScheme, null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    amount = models.DecimalField(**MONEY)
    financial_year = models.PositiveSmallIntegerField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    offer_date = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True)
    # An offer carried forward from an earlier decision keeps last year's figure until the
    # funder confirms this year's; until then the case cannot be submitted.
    amount_to_be_confirmed = models.BooleanField(
        "Amount to be confirmed",
        default=False,
        help_text="Last year’s figure, carried forward: the funder has not yet confirmed it.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            non_negative("amount", "grantoffer"),
            models.UniqueConstraint(
                fields=["case", "funder", "financial_year"], name="one_offer_per_funder_and_year"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="offer_period_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.funder}: £{self.amount:,.2f} ({self.financial_year_label})"

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


class FundedUnit(models.Model):
    case = models.ForeignKey(GrantCase, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=200)
    grant_allocation = models.DecimalField(**MONEY, default=Decimal("0.00"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            non_negative("grant_allocation", "fundedunit"),
            models.UniqueConstraint(fields=["case", "name"], name="unit_name_unique_in_case"),
        ]

    def __str__(self):
        return self.name


class Post(models.Model):
    unit = models.ForeignKey(FundedUnit, on_delete=models.CASCADE, related_name="posts")
    group = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional sub-group, e.g. ‘RART (Frontline Officers)’.",
    )
    grade = models.CharField("Grade or rank", max_length=120)
    annual_cost = models.DecimalField(**MONEY)
    grant_fte = models.DecimalField("Grant-funded FTE", **FTE)
    match_fte = models.DecimalField("Match-funded FTE", **FTE, default=Decimal("0.00"))
    starts_on = models.DateField(
        "Starts on",
        null=True,
        blank=True,
        help_text="Blank for a post that runs from the start of the costed year.",
    )
    ends_on = models.DateField(
        "Ends on",
        null=True,
        blank=True,
        help_text="Blank for a post that runs to the end of the financial year it starts in.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            non_negative("annual_cost", "post"),
            non_negative("grant_fte", "post"),
            non_negative("match_fte", "post"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="post_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.grade} ({self.grant_fte} FTE)"


class CostLine(models.Model):
    """A non-staff cost in a unit: support costs, overtime, transport, supplies."""

    unit = models.ForeignKey(FundedUnit, on_delete=models.CASCADE, related_name="cost_lines")
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)
    financial_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank for a cost in the case's costed year."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [non_negative("amount", "costline")]

    def __str__(self):
        return self.description


class YearAllocation(models.Model):
    """A unit's grant allocation for a financial year other than the case's costed year
    (the costed year's is FundedUnit.grant_allocation)."""

    unit = models.ForeignKey(FundedUnit, on_delete=models.CASCADE, related_name="year_allocations")
    financial_year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["financial_year"]
        constraints = [
            non_negative("amount", "yearallocation"),
            models.UniqueConstraint(
                fields=["unit", "financial_year"], name="one_allocation_per_unit_and_year"
            ),
        ]

    def __str__(self):
        return f"{self.unit}: £{self.amount:,.2f} ({financial_year_label(self.financial_year)})"


class BudgetYear(models.Model):
    """A financial year shown in the case's revenue impact summary."""

    case = models.ForeignKey(GrantCase, on_delete=models.CASCADE, related_name="budget_years")
    financial_year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "financial_year"], name="budget_year_unique_in_case"
            )
        ]

    def __str__(self):
        return financial_year_label(self.financial_year)


class RateCardEntry(models.Model):
    """The annual cost of one grade or rank in one financial year, kept by administrators.
    A post of that grade in a case costed for that year is expected to cost as much."""

    grade = models.CharField("Grade or rank", max_length=120)
    financial_year = models.PositiveSmallIntegerField()
    annual_cost = models.DecimalField(**MONEY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-financial_year", "grade"]
        verbose_name_plural = "rate card entries"
        constraints = [
            non_negative("annual_cost", "ratecardentry"),
            # "Band D" and "band d" are one grade, as the reconciliation reads them.
            models.UniqueConstraint(
                Lower("grade"), "financial_year", name="one_rate_per_grade_and_year"
            ),
        ]

    def __str__(self):
        return f"{self.grade} ({self.financial_year_label})"

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


def offer_letter_path(instance, filename: str) -> str:
    """Offer letters are stored under random names: the name a person gave the file never
    reaches the storage."""
    return f"offer-letters/{uuid.uuid4().hex}.pdf"


class OfferLetter(models.Model):
    """The funder's letter making a grant offer, as a PDF. Staff only: never published."""

    offer = models.OneToOneField(GrantOffer, on_delete=models.CASCADE, related_name="letter")
    file = models.FileField(upload_to=offer_letter_path, max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Offer letter for {self.offer}"
