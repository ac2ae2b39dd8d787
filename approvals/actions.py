"""The workflow steps a user can start from a case's report page."""

from dataclasses import dataclass

from django.urls import reverse

from approvals.accounts.roles import Role, has_role
from approvals.models import Publication
from approvals.standing import standing_authorities
from approvals.workflow import SIGN_OFF_ROLES, transitions_for
from grants.models import CaseState
from grants.permissions import is_case_editor


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    secondary: bool = False


def case_actions(user, case) -> list[Action]:
    names = {t.name for t in transitions_for(case, user)}
    actions = []
    if "submit" in names and is_case_editor(user, case):
        actions.append(Action("Submit for IAM review", reverse("approvals:submit", args=[case.pk])))
    if case.state == CaseState.IAM_REVIEW and has_role(user, Role.IAM_SECRETARIAT):
        actions.append(Action("Go to IAM meetings", reverse("approvals:meetings")))
    if case.state == CaseState.DMPC_REVIEW:
        for area, role in SIGN_OFF_ROLES.items():
            if has_role(user, role):
                url = reverse("approvals:sign-off", args=[case.pk, area.value])
                actions.append(Action(f"Sign off {area.label.lower()}", url))
        if has_role(user, Role.DMPC_OFFICE):
            url = reverse("approvals:clearance", args=[case.pk])
            actions.append(Action("Check clearance", url))
        if has_role(user, Role.DMPC):
            actions.append(Action("Decide", reverse("approvals:decide", args=[case.pk])))
    decided = case.state in (CaseState.APPROVED, CaseState.PUBLISHED)
    if decided and is_case_editor(user, case):
        url = reverse("approvals:upload-agreement", args=[case.pk])
        actions.append(Action("Upload the signed grant agreement", url))
    if decided and (has_role(user, Role.GRANTS_MANAGER) or has_role(user, Role.DMPC_OFFICE)):
        decision = case.decisions.first()
        if decision is not None and standing_authorities(decision):
            url = reverse("approvals:standing-authority", args=[decision.pk])
            actions.append(Action("Accept an offer under the standing authority", url, True))
    if case.state in (CaseState.APPROVED, CaseState.REJECTED, CaseState.PUBLISHED) and has_role(
        user, Role.PUBLISHER
    ):
        publication = Publication.objects.filter(decision__case=case).first()
        if publication is not None:
            url = reverse("approvals:publication", args=[publication.pk])
            actions.append(Action("Publication", url, secondary=True))
    if "withdraw" in names and (has_role(user, Role.DMPC_OFFICE) or is_case_editor(user, case)):
        url = reverse("approvals:withdraw", args=[case.pk])
        actions.append(Action("Withdraw the case", url, secondary=True))
    return actions
