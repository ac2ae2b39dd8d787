"""Work queues: the cases waiting for each role to act.

A queue lists the cases on which the person may take one of its steps now, as
approvals.workflow.can answers: the database narrows the cases to the steps' states, and
the workflow's own guards decide, with every fact they read fetched at once.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from approvals.accounts.roles import Role, roles_of
from approvals.models import ClearanceArea, Withdrawal
from approvals.pipeline import entered_state
from approvals.publication.services import working_days_between
from approvals.workflow import (
    DECISION_STEPS,
    IAM_OUTCOME_STEPS,
    SIGN_OFF_ROLES,
    STEPS,
    CaseFacts,
    can,
    holds_role_for,
    sign_off_step,
    withdrawal_refusal,
)
from grants.models import CaseState, GrantCase
from grants.permissions import cases_visible_to


@dataclass(frozen=True)
class QueueDefinition:
    title: str
    steps: tuple[str, ...]


QUEUES: tuple[QueueDefinition, ...] = (
    QueueDefinition("Your cases in draft", ("edit",)),
    QueueDefinition("Waiting for IAM review", ("add_to_agenda", *IAM_OUTCOME_STEPS)),
    *(
        QueueDefinition(f"Waiting for your {area.label.lower()} sign-off", (sign_off_step(area),))
        for area in SIGN_OFF_ROLES
    ),
    QueueDefinition("Signed off, to mark ready for decision", ("mark_ready",)),
    QueueDefinition("Decisions waiting to be published", ("publish",)),
    QueueDefinition("Waiting for your decision", DECISION_STEPS[:2]),
)


@dataclass
class Queue:
    title: str
    steps: tuple[str, ...]
    cases: list = field(default_factory=list)
    # A watch list names cases the person waits on others for, with whose sign-off.
    watch: bool = False


def _waiting_for_advisers(user, candidates, facts) -> Queue | None:
    """The DMPC office's watch list: cases under DMPC review with advisers' sign-offs
    outstanding on the current version."""
    if Role.DMPC_OFFICE not in roles_of(user):
        return None
    cases = []
    for case in candidates:
        if case.state != CaseState.DMPC_REVIEW:
            continue
        signed = facts[case.pk].signed_areas
        case.outstanding = [area.label for area in ClearanceArea if area.value not in signed]
        if case.outstanding:
            cases.append(case)
    return Queue("Waiting for advisers’ sign-off", (), cases, watch=True)


def queues_for(user) -> list[Queue]:
    if not roles_of(user):
        return []
    queues = [
        Queue(q.title, q.steps)
        for q in QUEUES
        if any(holds_role_for(user, STEPS[name]) for name in q.steps)
    ]
    states = {state for q in queues for name in q.steps for state in STEPS[name].states}
    if Role.DMPC_OFFICE in roles_of(user):
        states.add(CaseState.DMPC_REVIEW)
    candidates = list(
        cases_visible_to(user, GrantCase.objects.filter(state__in=states))
        .select_related("owner")
        .prefetch_related("collaborators", "offers")
        .order_by("updated_at", "id")
    )
    facts = CaseFacts.prefetch(candidates)
    entered = entered_state(candidates)
    today = timezone.localdate()
    for case in candidates:
        case.amount = case.total_offered()
        moved = entered.get(case.pk)
        case.age = working_days_between(timezone.localdate(moved), today) if moved else None
    for queue in queues:
        queue.cases = [
            case
            for case in candidates
            if any(can(user, name, case, facts[case.pk]) is None for name in queue.steps)
        ]
    watch = _waiting_for_advisers(user, candidates, facts)
    if watch is not None:
        queues.append(watch)
    return queues


def withdrawals_waiting(user) -> list | None:
    """For a publisher, the withdrawal requests waiting for a second publisher, oldest
    first, each with why this person may not confirm it (None: they may); None for
    anyone who takes no part in withdrawals."""
    if not holds_role_for(user, STEPS["confirm_withdrawal"]):
        return None
    waiting = list(
        Withdrawal.objects.open()
        .select_related("publication__decision__case", "revision", "requested_by")
        .order_by("requested_at", "pk")
    )
    for withdrawal in waiting:
        withdrawal.refusal = withdrawal_refusal(
            user, withdrawal, case=withdrawal.publication.decision.case
        )
    return waiting
