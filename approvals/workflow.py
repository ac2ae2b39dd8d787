"""The decision workflow, declared as data.

Each transition names the states it starts from, the state it leads to, the roles that
may take it and the guards that must pass. approvals.services carries transitions out;
nothing else changes a case's state.
"""

from collections.abc import Callable
from dataclasses import dataclass

from approvals.accounts.roles import Role, has_role, roles_of
from approvals.models import AgendaItem, AuditAction, ClearanceArea, IamOutcome
from grants.models import CaseState, GrantCase
from grants.permissions import is_case_editor
from grants.reconciliation import reconcile_case

# A guard says why a user may not take a step on a case's current version, or None.
Guard = Callable[..., str | None]


def guard_is_case_editor(case, user, version) -> str | None:
    if not is_case_editor(user, case):
        return "Only the case’s own grants managers can do that."
    return None


def guard_has_no_errors(case, user, version) -> str | None:
    errors = reconcile_case(GrantCase.objects.with_contents().get(pk=case.pk)).errors
    if errors:
        count = len(errors)
        return (
            f"The case has {count} error{'s' if count != 1 else ''} to fix before it can be "
            "submitted. The task list shows where."
        )
    return None


def guard_on_agenda(case, user, version) -> str | None:
    pending = AgendaItem.objects.filter(version=version, outcome=IamOutcome.PENDING)
    if not pending.exists():
        return "Put the case on an IAM meeting’s agenda before recording the meeting’s outcome."
    return None


def guard_did_not_edit(case, user, version) -> str | None:
    if version is not None and version.editors.filter(pk=user.pk).exists():
        return (
            "You changed this version of the case, so someone else must review, sign off "
            "or decide it."
        )
    return None


def guard_is_ready(case, user, version) -> str | None:
    if case.ready_for_decision_at is None:
        return "The DMPC office has not yet marked the case ready for decision."
    return None


def guard_manager_owns(case, user, version) -> str | None:
    if has_role(user, Role.DMPC_OFFICE) or is_case_editor(user, case):
        return None
    return "Only the case’s own grants managers or the DMPC office can withdraw it."


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[CaseState]
    target: CaseState
    roles: frozenset[Role]
    guards: tuple[Guard, ...]
    audit_action: AuditAction


def _t(name, label, sources, target, roles, guards, action) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(roles), guards, action)


S = CaseState
editor, no_errors = guard_is_case_editor, guard_has_no_errors
on_agenda, did_not_edit = guard_on_agenda, guard_did_not_edit
ready, manager_owns = guard_is_ready, guard_manager_owns
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", "Submit for IAM review", {S.DRAFT}, S.IAM_REVIEW,
           {Role.GRANTS_MANAGER}, (editor, no_errors), AuditAction.SUBMITTED),
        # IAM advises: whatever it says, the DMPC decides, unless it returns the case.
        _t("endorse", "Endorse", {S.IAM_REVIEW}, S.DMPC_REVIEW,
           {Role.IAM_SECRETARIAT}, (on_agenda, did_not_edit), AuditAction.IAM_OUTCOME),
        _t("not_supported", "Not supported", {S.IAM_REVIEW}, S.DMPC_REVIEW,
           {Role.IAM_SECRETARIAT}, (on_agenda, did_not_edit), AuditAction.IAM_OUTCOME),
        _t("iam_return", "Return for changes", {S.IAM_REVIEW}, S.DRAFT,
           {Role.IAM_SECRETARIAT}, (on_agenda, did_not_edit), AuditAction.RETURNED),
        _t("approve", "Approve", {S.DMPC_REVIEW}, S.APPROVED,
           {Role.DMPC}, (did_not_edit, ready), AuditAction.APPROVED),
        _t("reject", "Reject", {S.DMPC_REVIEW}, S.REJECTED,
           {Role.DMPC}, (did_not_edit, ready), AuditAction.REJECTED),
        _t("dmpc_return", "Return for changes", {S.DMPC_REVIEW}, S.DRAFT,
           {Role.DMPC}, (did_not_edit,), AuditAction.RETURNED),
        _t("withdraw", "Withdraw", {S.DRAFT, S.IAM_REVIEW, S.DMPC_REVIEW}, S.WITHDRAWN,
           {Role.GRANTS_MANAGER, Role.DMPC_OFFICE}, (manager_owns,), AuditAction.WITHDRAWN),
    )
}  # fmt: skip

# Steps inside a state: they are audited and guarded like transitions but keep the state.
SIGN_OFF_ROLES: dict[ClearanceArea, Role] = {
    ClearanceArea.FINANCE: Role.FINANCE_ADVISER,
    ClearanceArea.LEGAL: Role.LEGAL_ADVISER,
    ClearanceArea.EQUALITIES: Role.EQUALITIES_ADVISER,
    ClearanceArea.PRIVACY: Role.PRIVACY_ADVISER,
}
SIGN_OFF_STATES = frozenset({S.DMPC_REVIEW})
READY_ROLES = frozenset({Role.DMPC_OFFICE})
AGENDA_ROLES = frozenset({Role.IAM_SECRETARIAT})

# Who must act next in each state, for notifications and work queues.
NEXT_ACTORS: dict[CaseState, frozenset[Role]] = {
    S.IAM_REVIEW: frozenset({Role.IAM_SECRETARIAT}),
    S.DMPC_REVIEW: frozenset({*SIGN_OFF_ROLES.values(), Role.DMPC_OFFICE, Role.DMPC}),
    S.APPROVED: frozenset({Role.PUBLISHER, Role.GRANTS_MANAGER}),
    S.REJECTED: frozenset({Role.PUBLISHER}),
    S.DRAFT: frozenset({Role.GRANTS_MANAGER}),
}


def has_any_role(user, roles: frozenset[Role]) -> bool:
    return bool(roles_of(user) & {role.value for role in roles})


def transitions_for(case, user) -> list[Transition]:
    """Transitions the user's roles allow from the case's state (guards not yet checked)."""
    return [
        t for t in TRANSITIONS.values() if case.state in t.sources and has_any_role(user, t.roles)
    ]
