"""The forward plan: decisions expected in the coming months, as the DMPC office chose to
describe them to the public.

An entry holds only what the office typed or confirmed (a public title, the funders, the
month the decision is needed by and who makes it), never anything read from the case at
the time of showing: a draft's own title and sections are not public.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grants.states import CaseState

DMPC = "Deputy Mayor for Policing and Crime"


class ForwardPlanQuerySet(models.QuerySet):
    def on_plan(self):
        """The entries the public plan shows: for cases neither withdrawn nor with a
        published decision. Asked of the case each time, so an entry leaves the plan the
        moment its decision is published or its case withdrawn."""
        return (
            self.exclude(case__state__in=[CaseState.WITHDRAWN, CaseState.PUBLISHED])
            .exclude(case__decisions__publication__published_at__isnull=False)
            .order_by("needed_by", "title", "pk")
        )


class ForwardPlanEntry(models.Model):
    case = models.OneToOneField(
        "grants.GrantCase", on_delete=models.PROTECT, related_name="forward_plan_entry"
    )
    title = models.CharField("Title on the forward plan", max_length=300)
    # The funders' names as the office confirmed them, in the offers' order.
    funders = models.JSONField(default=list, blank=True)
    # The first day of the month the decision is needed by: the plan is month by month.
    needed_by = models.DateField("Decision needed by (month)")
    decision_maker = models.CharField(max_length=200, default=DMPC)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = ForwardPlanQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "forward plan entries"
        ordering = ["needed_by", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="forward_plan_entry_has_a_title"),
        ]

    def __str__(self):
        return self.title

    @property
    def funder_list(self) -> str:
        return ", ".join(self.funders)
