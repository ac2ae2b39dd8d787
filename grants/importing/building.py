"""Making the draft case of an imported report's plan, and checking the plan's figures
before anything is saved."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from approvals import audit
from approvals.models import AuditAction, AuditEvent
from grants.document import case_document, document_changes
from grants.importing.parsing import Plan
from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    GrantScheme,
    Post,
    Recommendation,
)
from grants.permissions import can_create_case
from grants.reconciliation import Reconciliation, reconcile
from grants.services import EditRefused

IMPORTED = "from an imported report"


class AlreadyImported(EditRefused):
    def __init__(self, case: GrantCase):
        super().__init__("This report has already been made into a draft.")
        self.case = case


def _case_values(plan: Plan, owner) -> dict:
    return {
        "title": plan.title[:300],
        "financial_year": plan.financial_year,
        "owner": owner,
        "report_by": plan.report_by[:300],
        "report_author": plan.report_author,
        "needed_by": plan.needed_by,
        "time_sensitivity": plan.time_sensitivity,
        "part2_content": plan.part2_content,
        "part2_exemption_reason": plan.part2_exemption_reason,
        **plan.sections,
    }


def scheme_named_in(plan: Plan) -> GrantScheme | None:
    """The known grant scheme the report's title or summary names, if one does."""
    words = f"{plan.title}\n{plan.sections.get('executive_summary', '')}".lower()
    for scheme in GrantScheme.objects.order_by("-name"):
        names = [scheme.name, scheme.short_name]
        if any(name and re.search(rf"\b{re.escape(name.lower())}\b", words) for name in names):
            return scheme
    return None


def check_plan(plan: Plan, *, owner, today: datetime.date | None = None) -> Reconciliation:
    """The reconciliation of the case the plan would make, from unsaved rows."""
    case = GrantCase(**_case_values(plan, owner))
    units = []
    for unit_plan in plan.units:
        unit = FundedUnit(name=unit_plan.name, grant_allocation=unit_plan.grant_allocation)
        posts = [
            Post(
                unit=unit,
                group=p.group,
                grade=p.grade,
                annual_cost=p.annual_cost,
                grant_fte=p.grant_fte,
                match_fte=p.match_fte,
            )
            for p in unit_plan.posts
        ]
        lines = [CostLine(description=c.description, amount=c.amount) for c in unit_plan.cost_lines]
        units.append((unit, posts, lines))
    offers = [
        GrantOffer(amount=offer.amount, financial_year=offer.financial_year)
        for offer in plan.offers
    ]
    recommendations = [Recommendation(text=r.text) for r in plan.recommendations]
    return reconcile(
        case,
        units=units,
        offers=offers,
        recommendations=recommendations,
        budget_years=plan.budget_years,
        today=today,
    )


def create_draft(plan: Plan, *, by: AbstractBaseUser, token: str, source: str) -> GrantCase:
    """Make the plan into a draft case owned by `by`, with every row, in one transaction
    with its audit event. `token` names one review of one report: confirming it twice
    makes one case."""
    if not can_create_case(by):
        raise EditRefused("Only grants managers can start a grant case.")
    with transaction.atomic():
        # Two confirmations of the same review queue here; the second finds the first's case.
        get_user_model().objects.select_for_update().filter(pk=by.pk).first()
        earlier = (
            AuditEvent.objects.filter(
                action=AuditAction.CASE_CREATED, actor=by, details__import_token=token
            )
            .select_related("case")
            .first()
        )
        if earlier is not None:
            raise AlreadyImported(earlier.case)
        case = GrantCase.objects.create(**_case_values(plan, by), scheme=scheme_named_in(plan))
        Recommendation.objects.bulk_create(
            Recommendation(
                case=case,
                position=position,
                text=r.text,
                is_standing_authority=r.is_standing_authority,
                annual_cap=r.annual_cap,
                ends_on=r.ends_on,
            )
            for position, r in enumerate(plan.recommendations, start=1)
        )
        for position, offer in enumerate(plan.offers, start=1):
            funder = Funder.objects.filter(name__iexact=offer.funder[:200]).first()
            if funder is None:
                funder = Funder.objects.create(
                    name=offer.funder[:200], short_name=offer.short_name[:40]
                )
            GrantOffer.objects.create(
                case=case,
                funder=funder,
                amount=offer.amount,
                financial_year=offer.financial_year,
                period_start=offer.period_start,
                period_end=offer.period_end,
                position=position,
            )
        for unit_position, unit_plan in enumerate(plan.units, start=1):
            unit = FundedUnit.objects.create(
                case=case,
                name=unit_plan.name,
                grant_allocation=unit_plan.grant_allocation,
                position=unit_position,
            )
            Post.objects.bulk_create(
                Post(
                    unit=unit,
                    group=p.group,
                    grade=p.grade,
                    annual_cost=p.annual_cost,
                    grant_fte=p.grant_fte,
                    match_fte=p.match_fte,
                    position=position,
                )
                for position, p in enumerate(unit_plan.posts, start=1)
            )
            CostLine.objects.bulk_create(
                CostLine(unit=unit, description=c.description, amount=c.amount, position=position)
                for position, c in enumerate(unit_plan.cost_lines, start=1)
            )
        BudgetYear.objects.bulk_create(
            BudgetYear(case=case, financial_year=year) for year in plan.budget_years
        )
        document = case_document(GrantCase.objects.with_contents().get(pk=case.pk))
        audit.record(
            AuditAction.CASE_CREATED,
            actor=by,
            case=case,
            details={
                "changes": document_changes(None, document),
                "note": IMPORTED,
                "imported_from": source[:200],
                "import_token": token,
            },
        )
    return case
