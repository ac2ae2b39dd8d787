"""The forward plan's steps: the DMPC office puts a live case on the plan, changes its
entry or takes it off. Each locks the case, asks approvals.workflow whether the person may
take the step now, and writes the entry and its audit event in one transaction.

The plan itself is a question, not a list kept up to date: ForwardPlanEntry.objects.on_plan()
leaves out every entry whose case is withdrawn or whose decision is published, so neither
withdrawal nor publication has anything to remember to do here.
"""

import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from approvals import audit
from approvals.models import AuditAction, ForwardPlanEntry
from approvals.workflow import LIVE, CaseFacts, WorkflowError, check
from grants.models import GrantCase
from grants.permissions import cases_visible_to

TITLE_LIMIT = ForwardPlanEntry._meta.get_field("title").max_length


def month_of(day: datetime.date | None) -> datetime.date | None:
    return day.replace(day=1) if day else None


def offered_funders(case: GrantCase) -> list[str]:
    """The funders of the case's offers, each once, in the offers' order."""
    names: list[str] = []
    for offer in case.offers.select_related("funder").order_by("position", "id"):
        if offer.funder.name not in names:
            names.append(offer.funder.name)
    return names


def _checked(case: GrantCase, *, title: str, funders: list[str], needed_by: datetime.date):
    title = " ".join((title or "").split())
    if not title:
        raise WorkflowError("Enter the title the forward plan shows")
    if len(title) > TITLE_LIMIT:
        raise WorkflowError(f"The title must be {TITLE_LIMIT} characters or fewer")
    if needed_by is None:
        raise WorkflowError("Enter the month the decision is needed by")
    needed_by = month_of(needed_by)
    if needed_by < month_of(timezone.localdate()):
        raise WorkflowError("The month the decision is needed by must be this month or later")
    offered = offered_funders(case)
    unknown = [name for name in funders if name not in offered]
    if unknown:
        raise WorkflowError("Choose only funders that offer this case a grant")
    # Kept in the offers' order, whatever order they came in.
    return title, [name for name in offered if name in funders], needed_by


def plan_decision(
    case: GrantCase, *, by, title: str, funders: list[str], needed_by: datetime.date
) -> ForwardPlanEntry:
    """Put the case on the forward plan, or change its entry there."""
    with transaction.atomic():
        locked = GrantCase.objects.select_for_update().get(pk=case.pk)
        check(by, "plan_decision", locked, CaseFacts(locked))
        title, funders, needed_by = _checked(
            locked, title=title, funders=funders, needed_by=needed_by
        )
        now = timezone.now()
        entry = ForwardPlanEntry.objects.filter(case=locked).first()
        if entry is None:
            entry = ForwardPlanEntry.objects.create(
                case=locked,
                title=title,
                funders=funders,
                needed_by=needed_by,
                added_by=by,
                added_at=now,
            )
            action, details = AuditAction.PLANNED, _facts(entry)
        else:
            before = _facts(entry)
            entry.title, entry.funders, entry.needed_by = title, funders, needed_by
            entry.changed_by, entry.changed_at = by, now
            entry.save()
            after = _facts(entry)
            if after == before:
                return entry
            # In document_changes()'s shape, so the case's history shows them as it shows
            # other changes.
            changed = [
                {"field": key, "before": before[key], "after": after[key]}
                for key in after
                if before[key] != after[key]
            ]
            action, details = AuditAction.PLAN_CHANGED, {"changes": changed}
        audit.record(action, actor=by, case=locked, details=details)
    return entry


def take_off_plan(case: GrantCase, *, by) -> None:
    """Take the case's entry off the forward plan; its audit event keeps what it said."""
    with transaction.atomic():
        locked = GrantCase.objects.select_for_update().get(pk=case.pk)
        check(by, "unplan_decision", locked, CaseFacts(locked))
        entry = ForwardPlanEntry.objects.get(case=locked)
        details = _facts(entry)
        entry.delete()
        audit.record(AuditAction.UNPLANNED, actor=by, case=locked, details=details)


def _facts(entry: ForwardPlanEntry) -> dict:
    return {
        "title": entry.title,
        "funders": list(entry.funders),
        "needed_by": entry.needed_by.strftime("%Y-%m"),
        "decision_maker": entry.decision_maker,
    }


def unplanned_cases(user):
    """The live cases the person may see that are not on the plan, soonest needed first."""
    return cases_visible_to(
        user, GrantCase.objects.filter(state__in=LIVE, forward_plan_entry__isnull=True)
    ).order_by("needed_by", "title", "pk")


def case_for_planning(user, pk: int) -> GrantCase:
    """A case the person may see, or one on the plan: the office keeps an entry it made
    even while the case is back in draft with its grants managers. 404 otherwise."""
    visible = cases_visible_to(user).filter(pk=pk)
    planned = GrantCase.objects.filter(pk=pk, forward_plan_entry__isnull=False)
    case = (visible | planned).select_related("forward_plan_entry").first()
    if case is None:
        raise Http404("No such case")
    return case
