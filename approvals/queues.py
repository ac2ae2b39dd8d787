"""Work queues: the cases waiting for each role to act."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from approvals.accounts.roles import Role, roles_of
from approvals.models import CaseVersion, SignOff
from approvals.workflow import SIGN_OFF_ROLES
from grants.models import CaseState, GrantCase


@dataclass
class Queue:
    title: str
    cases: QuerySet


def _with_current_version(cases: QuerySet) -> QuerySet:
    latest = CaseVersion.objects.filter(case=OuterRef("pk")).order_by("-number").values("pk")[:1]
    return cases.annotate(current_version_id=Subquery(latest))


def _signed(area):
    return SignOff.objects.filter(version_id=OuterRef("current_version_id"), area=area)


def queues_for(user) -> list[Queue]:
    held = roles_of(user)
    cases = GrantCase.objects.select_related("owner").order_by("updated_at")
    queues = []
    if Role.GRANTS_MANAGER in held:
        mine = Q(owner=user) | Q(collaborators=user)
        drafts = cases.filter(pk__in=GrantCase.objects.filter(mine).values("pk"))
        queues.append(Queue("Your cases in draft", drafts.filter(state=CaseState.DRAFT)))
    if Role.IAM_SECRETARIAT in held:
        queues.append(Queue("Waiting for IAM review", cases.filter(state=CaseState.IAM_REVIEW)))
    in_review = _with_current_version(cases.filter(state=CaseState.DMPC_REVIEW))
    for area, role in SIGN_OFF_ROLES.items():
        if role in held:
            waiting = in_review.filter(~Exists(_signed(area)))
            queues.append(Queue(f"Waiting for your {area.label.lower()} sign-off", waiting))
    if Role.DMPC_OFFICE in held:
        every_area_signed = [Exists(_signed(area)) for area in SIGN_OFF_ROLES]
        ready_to_mark = in_review.filter(*every_area_signed, ready_for_decision_at__isnull=True)
        queues.append(Queue("Signed off, to mark ready for decision", ready_to_mark))
    if Role.PUBLISHER in held:
        waiting = cases.filter(
            decisions__publication__isnull=False,
            decisions__publication__published_at__isnull=True,
        )
        queues.append(Queue("Decisions waiting to be published", waiting))
    if Role.DMPC in held:
        queues.append(
            Queue(
                "Waiting for your decision",
                cases.filter(state=CaseState.DMPC_REVIEW, ready_for_decision_at__isnull=False),
            )
        )
    return queues
