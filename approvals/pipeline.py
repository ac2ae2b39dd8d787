"""The pipeline: every case between submission and publication, for the DMPC office.

Each row says where the case is, how long it has waited there (working days since the
audit event that moved it into its state), when the decision is needed by, how much the
grant is worth, what IAM advised, whose sign-off is outstanding and how many questions
are open. The rows are read in a fixed number of queries however many cases there are.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone

from approvals.accounts.roles import Role, roles_of
from approvals.models import AgendaItem, AuditEvent, ClearanceArea, IamOutcome
from approvals.publication.services import working_days_between
from approvals.questions import open_questions
from approvals.workflow import CaseFacts
from grants.models import CaseState, GrantCase
from grants.permissions import cases_visible_to

IN_FLIGHT = (CaseState.IAM_REVIEW, CaseState.DMPC_REVIEW, CaseState.APPROVED, CaseState.REJECTED)
PIPELINE_ROLES = frozenset({Role.DMPC_OFFICE, Role.DMPC})


def may_see_pipeline(user) -> bool:
    return bool(roles_of(user) & PIPELINE_ROLES)


@dataclass
class PipelineRow:
    case: GrantCase
    stage: str
    entered: datetime.datetime | None
    working_days: int
    needed_by: datetime.date | None
    amount: Decimal
    funders: list[str]
    iam_outcome: str
    outstanding: list[str]
    open_questions: int

    @property
    def overdue(self) -> bool:
        return self.needed_by is not None and self.needed_by < timezone.localdate()


def _stage(case: GrantCase) -> str:
    if case.state in (CaseState.APPROVED, CaseState.REJECTED):
        return f"{CaseState(case.state).label}, awaiting publication"
    return CaseState(case.state).label


def pipeline_rows(user, cases=None) -> list[PipelineRow]:
    """Rows for the in-flight cases the user can see (or for `cases`, a queryset)."""
    queryset = GrantCase.objects.filter(state__in=IN_FLIGHT) if cases is None else cases
    cases = list(
        cases_visible_to(user, queryset)
        .select_related("owner")
        .prefetch_related("offers__funder")
        .order_by("id")
    )
    return rows_for(cases)


def rows_for(cases: list[GrantCase], facts: dict | None = None) -> list[PipelineRow]:
    if facts is None:
        facts = CaseFacts.prefetch(cases)
    entered = entered_state(cases)
    questions = open_questions(case.pk for case in cases)
    outcomes: dict[int, str] = {}
    for item in (
        AgendaItem.objects.filter(case__in=cases)
        .exclude(outcome=IamOutcome.PENDING)
        .order_by("recorded_at", "pk")
    ):
        outcomes[item.case_id] = item.get_outcome_display()
    today = timezone.localdate()
    rows = []
    for case in cases:
        moved = entered.get(case.pk)
        signed = facts[case.pk].signed_areas
        outstanding = (
            [area.label for area in ClearanceArea if area.value not in signed]
            if case.state == CaseState.DMPC_REVIEW
            else []
        )
        rows.append(
            PipelineRow(
                case=case,
                stage=_stage(case),
                entered=moved,
                working_days=working_days_between(timezone.localdate(moved), today) if moved else 0,
                needed_by=case.needed_by,
                amount=case.total_offered(),
                funders=sorted({offer.funder.name for offer in case.offers.all()}),
                iam_outcome=outcomes.get(case.pk, ""),
                outstanding=outstanding,
                open_questions=questions.get(case.pk, 0),
            )
        )
    return rows


def entered_state(cases: list[GrantCase]) -> dict[int, datetime.datetime]:
    """When each case was moved into its current state, from the audit trail, in one query."""
    if not cases:
        return {}
    match = Q()
    for state in {case.state for case in cases}:
        match |= Q(to_state=state, case__state=state)
    rows = (
        AuditEvent.objects.filter(match, case__in=cases)
        .values("case_id")
        .annotate(at=Max("occurred_at"))
        .values_list("case_id", "at")
        .order_by()
    )
    return dict(rows)


SORTS = {
    "case": lambda row: row.case.title.lower(),
    "stage": lambda row: row.stage,
    "days": lambda row: row.working_days,
    "needed-by": lambda row: (row.needed_by is None, row.needed_by or datetime.date.max),
    "amount": lambda row: row.amount,
    "questions": lambda row: row.open_questions,
}


def filtered(rows, *, stage="", funder="", text="", overdue=False) -> list[PipelineRow]:
    if stage:
        rows = [row for row in rows if row.case.state == stage]
    if funder:
        rows = [row for row in rows if any(funder.lower() in f.lower() for f in row.funders)]
    if text:
        rows = [row for row in rows if text.lower() in row.case.title.lower()]
    if overdue:
        rows = [row for row in rows if row.overdue]
    return list(rows)
