"""Work queues: the cases waiting for each role to act.

A queue lists the cases on which the person may take one of its steps now, as
approvals.workflow.can answers: the database narrows the cases to the steps' states, and
the workflow's own guards decide, with every fact they read fetched at once. A queue may
narrow its cases further (`only`), as the agreement queues do to cases still waiting for
a grant agreement.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from approvals.accounts.roles import Role, roles_of
from approvals.models import AgreementReview, ClearanceArea, GrantAgreement, Withdrawal
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


def needs_agreement(facts: CaseFacts) -> bool:
    """An approved case with no grant agreement uploaded, or whose newest was rejected."""
    return facts.agreement is None or facts.agreement.is_rejected


@dataclass(frozen=True)
class QueueDefinition:
    title: str
    steps: tuple[str, ...]
    # Shown only to people with one of these roles (none: to whoever may take the steps).
    roles: frozenset[Role] = frozenset()
    only: Callable[[CaseFacts], bool] | None = None
    link: str = ""  # the page where the step is taken; none: the case's page
    empty: str = "Nothing is waiting for you here."


AGREEMENT_PAGE = "approvals:upload-agreement"


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
    QueueDefinition(
        "Approved, waiting for the signed agreement",
        ("upload_agreement",),
        roles=frozenset({Role.GRANTS_MANAGER}),
        only=needs_agreement,
        link=AGREEMENT_PAGE,
        empty="No approved case of yours is waiting for its signed agreement.",
    ),
    QueueDefinition(
        "Agreements waiting for review",
        ("review_agreement",),
        link="approvals:review-agreement",
        empty="No grant agreement is waiting for your review.",
    ),
    QueueDefinition(
        "Approved decisions waiting for their agreement",
        ("upload_agreement",),
        roles=frozenset({Role.PUBLISHER}),
        only=needs_agreement,
        link=AGREEMENT_PAGE,
        empty="No approved decision is waiting for its grant agreement.",
    ),
)

# The queues about grant agreements: their cases are decided ones still waiting for a
# reviewed agreement, narrowed so in the database.
AGREEMENT_STEPS = ("upload_agreement", "review_agreement")


@dataclass
class Queue:
    title: str
    steps: tuple[str, ...]
    cases: list = field(default_factory=list)
    # A watch list names cases the person waits on others for, with whose sign-off.
    watch: bool = False
    only: Callable[[CaseFacts], bool] | None = None
    link: str = ""
    empty: str = "Nothing is waiting for you here."

    @property
    def about_agreements(self) -> bool:
        return any(name in AGREEMENT_STEPS for name in self.steps)


def _shown_to(user, definition: QueueDefinition) -> bool:
    roles = roles_of(user)
    if definition.roles and not roles & {role.value for role in definition.roles}:
        return False
    return any(holds_role_for(user, STEPS[name]) for name in definition.steps)


def _candidates(user, queues: list[Queue]):
    """The cases any of these queues could list: those in their steps' states, and of the
    decided ones only those whose newest grant agreement is not yet reviewed."""
    states, agreement_states = set(), set()
    for queue in queues:
        for name in queue.steps:
            (agreement_states if name in AGREEMENT_STEPS else states).update(STEPS[name].states)
    if Role.DMPC_OFFICE in roles_of(user):
        states.add(CaseState.DMPC_REVIEW)
    newest = GrantAgreement.objects.filter(decision__case=OuterRef("pk")).order_by(
        "-uploaded_at", "-id"
    )
    waiting = Q(newest_review__isnull=True) | ~Q(newest_review=AgreementReview.REVIEWED)
    cases = GrantCase.objects.annotate(newest_review=Subquery(newest.values("review")[:1]))
    return cases.filter(Q(state__in=states) | (Q(state__in=agreement_states) & waiting))


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
        Queue(q.title, q.steps, only=q.only, link=q.link, empty=q.empty)
        for q in QUEUES
        if _shown_to(user, q)
    ]
    candidates = list(
        cases_visible_to(user, _candidates(user, queues))
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
        case.agreement = facts[case.pk].agreement
    for queue in queues:
        queue.cases = [
            case
            for case in candidates
            if any(can(user, name, case, facts[case.pk]) is None for name in queue.steps)
            and (queue.only is None or queue.only(facts[case.pk]))
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
