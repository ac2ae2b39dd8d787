"""Starting from an earlier case: the next period's draft, copied from a decided case.

Annual grants come back every year with much the same units, posts and costs. The copy
takes every field of the case and of the rows it owns, so a field added to a model is
carried forward without a change here: financial years and dates move on by one year,
and each offer keeps last year's amount, marked to be confirmed, so the new draft cannot
be submitted until the funder has confirmed this year's figure. The new case extends the
earlier decision (a related decision), and the copy, the link and its audit event are
written in one transaction.
"""

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from approvals import audit
from approvals.models import AuditAction, RelatedDecision, RelatedDecisionKind
from approvals.publication.services import note_later_events
from approvals.workflow import CaseFacts, check
from grants.document import document_changes
from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    GrantCase,
    GrantOffer,
    Post,
    Recommendation,
    YearAllocation,
)
from grants.services import audited_document

# Fields of a case that belong to the case's own life, not to what it says.
CASE_LIFE = frozenset(
    {"state", "owner", "ready_for_decision_at", "lock_version", "created_at", "updated_at"}
)
# Fields copied as they are, though they hold a date: a recommendation is asked in the
# words and with the dates the earlier decision approved, for the grants manager to
# reword; and an offer's letter for the new period has not come yet.
KEPT_AS_THEY_ARE = {Recommendation: frozenset({"ends_on"})}
LEFT_EMPTY = {GrantOffer: frozenset({"offer_date"})}


def next_year(value: datetime.date) -> datetime.date:
    """The same day a year later; 29 February becomes 28 February."""
    try:
        return value.replace(year=value.year + 1)
    except ValueError:
        return value.replace(year=value.year + 1, day=28)


def carried_forward(row: models.Model, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The values of a row's concrete fields for the next period, by field name: not its
    id, nor the link to its parent (named in `skip`), nor what the database stamps."""
    model = type(row)
    kept = KEPT_AS_THEY_ARE.get(model, frozenset())
    empty = LEFT_EMPTY.get(model, frozenset())
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in skip:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        value = getattr(row, field.attname)
        if field.name in empty:
            value = None
        elif field.name in kept or value is None:
            pass
        elif isinstance(field, models.DateTimeField):
            # A moment something happened to the earlier case is not the new case's.
            continue
        elif isinstance(field, models.DateField):
            value = next_year(value)
        elif field.name == "financial_year" or field.name.endswith("_financial_year"):
            value += 1
        values[field.attname] = value
    return values


def start_from_earlier(earlier: GrantCase, *, by: AbstractBaseUser) -> GrantCase:
    """Copy a decided case into a new draft for the next period, owned by `by`, that
    extends the earlier case's decision."""
    with transaction.atomic():
        # Two requests to start from the same case are taken one after the other, so the
        # second finds the first's draft and is refused.
        locked = GrantCase.objects.select_for_update().get(pk=earlier.pk)
        facts = CaseFacts(locked)
        check(by, "start_next_case", locked, facts)
        decision = facts.decision
        source = GrantCase.objects.with_contents().get(pk=locked.pk)

        case = GrantCase.objects.create(owner=by, **carried_forward(source, skip=CASE_LIFE))
        Recommendation.objects.bulk_create(
            Recommendation(case=case, **carried_forward(rec, skip={"case"}))
            for rec in source.recommendations.all()
        )
        GrantOffer.objects.bulk_create(
            GrantOffer(
                case=case,
                **carried_forward(offer, skip={"case"}) | {"amount_to_be_confirmed": True},
            )
            for offer in source.offers.all()
        )
        BudgetYear.objects.bulk_create(
            BudgetYear(case=case, **carried_forward(year, skip={"case"}))
            for year in source.budget_years.all()
        )
        for unit in source.units.all():
            copy = FundedUnit.objects.create(case=case, **carried_forward(unit, skip={"case"}))
            Post.objects.bulk_create(
                Post(unit=copy, **carried_forward(post, skip={"unit"})) for post in unit.posts.all()
            )
            CostLine.objects.bulk_create(
                CostLine(unit=copy, **carried_forward(line, skip={"unit"}))
                for line in unit.cost_lines.all()
            )
            YearAllocation.objects.bulk_create(
                YearAllocation(unit=copy, **carried_forward(allocation, skip={"unit"}))
                for allocation in unit.year_allocations.all()
            )
        RelatedDecision.objects.create(
            case=case, decision=decision, kind=RelatedDecisionKind.EXTENDS, added_by=by
        )
        note_later_events([decision.pk])
        # As its edits are audited: the link is a staff note while the decision it extends
        # is unpublished.
        document = audited_document(case)
        audit.record(
            AuditAction.CASE_CREATED,
            actor=by,
            case=case,
            details={
                "extends": decision.reference,
                "copied_from_case": locked.pk,
                "changes": document_changes(None, document),
            },
        )
    return case
