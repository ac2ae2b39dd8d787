"""Work queues: the cases waiting for each role to act.

A queue lists the cases on which the person may take one of its steps now, as
approvals.workflow.can answers: the database narrows the cases to the steps' states, and
the workflow's own guards decide, with every fact they read fetched at once.
"""

from dataclasses import dataclass, field

from approvals.accounts.roles import roles_of
from approvals.workflow import (
    DECISION_STEPS,
    IAM_OUTCOME_STEPS,
    SIGN_OFF_ROLES,
    STEPS,
    CaseFacts,
    can,
    holds_role_for,
    sign_off_step,
)
from grants.models import GrantCase
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


def queues_for(user) -> list[Queue]:
    if not roles_of(user):
        return []
    queues = [
        Queue(q.title, q.steps)
        for q in QUEUES
        if any(holds_role_for(user, STEPS[name]) for name in q.steps)
    ]
    states = {state for q in queues for name in q.steps for state in STEPS[name].states}
    candidates = list(
        cases_visible_to(user, GrantCase.objects.filter(state__in=states))
        .select_related("owner")
        .prefetch_related("collaborators")
        .order_by("updated_at", "id")
    )
    facts = CaseFacts.prefetch(candidates)
    for queue in queues:
        queue.cases = [
            case
            for case in candidates
            if any(can(user, name, case, facts[case.pk]) is None for name in queue.steps)
        ]
    return queues
