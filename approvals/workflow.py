"""The decision workflow, declared as data, and the one answer to "may this person take
this step on this case now, and if not, why?".

Each step names the states it may be taken in, the state it leads to (none: the case
stays where it is), the roles that may take it, the guards that must pass and the audit
action it writes. `can(user, step, case)` answers with the reason a step is refused, or
None. The case page's buttons, the staff home's work queues, the views and the services
in approvals.services all ask it, so they cannot disagree.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse
from django.utils.http import urlencode

from approvals.accounts.roles import Role, roles_of
from approvals.models import (
    AgendaItem,
    AuditAction,
    CaseVersion,
    ClearanceArea,
    Decision,
    DecisionOutcome,
    ForwardPlanEntry,
    GrantAgreement,
    IamOutcome,
    Publication,
    RelatedDecision,
    RelatedDecisionKind,
    SignOff,
    SignOffOutcome,
)
from grants.formatting import long_moment
from grants.models import GrantCase
from grants.permissions import can_edit_case, is_case_editor
from grants.reconciliation import reconcile_case
from grants.states import CaseState


class WorkflowError(Exception):
    """A step that cannot be taken; the message says why, for the person who tried."""


class CaseChanged(WorkflowError):
    """The case is not in a state the step starts from: someone else acted first since
    the person loaded the page, or the step is over."""


class NotAllowed(WorkflowError):
    """The person's roles do not allow the step."""


class CaseFacts:
    """What the guards read about one case, each read at most once: its current version,
    who edited that version, its IAM agenda, its sign-offs and its decision. Work queues
    fill these in for many cases at once (`prefetch`), so a queue costs a fixed number
    of queries however many cases it lists."""

    def __init__(self, case: GrantCase):
        self.case = case

    @cached_property
    def reconciliation(self):
        """The case's figures and findings (a page that has them already may set them)."""
        return reconcile_case(GrantCase.objects.with_contents().get(pk=self.case.pk))

    @cached_property
    def version(self) -> CaseVersion | None:
        return CaseVersion.objects.filter(case=self.case).current().first()

    @cached_property
    def editor_ids(self) -> set[int]:
        if self.version is None:
            return set()
        return set(self.version.editors.values_list("pk", flat=True))

    @cached_property
    def on_agenda(self) -> bool:
        """Whether the current version waits on an IAM agenda for the meeting's outcome."""
        pending = AgendaItem.objects.filter(version=self.version, outcome=IamOutcome.PENDING)
        return self.version is not None and pending.exists()

    @cached_property
    def sign_offs(self) -> dict[str, SignOff]:
        if self.version is None:
            return {}
        rows = SignOff.objects.filter(version=self.version).select_related("signed_by")
        return {sign_off.area: sign_off for sign_off in rows}

    @property
    def signed_areas(self) -> set[str]:
        return set(self.sign_offs)

    @cached_property
    def decision(self) -> Decision | None:
        return self.case.decisions.select_related("version").first()

    @cached_property
    def agreement(self) -> GrantAgreement | None:
        """The newest grant agreement uploaded for the case's decision, whatever its review."""
        if self.decision is None:
            return None
        return (
            self.decision.agreements.select_related("uploaded_by", "reviewed_by")
            .order_by("-uploaded_at", "-id")
            .first()
        )

    @cached_property
    def unpublished(self) -> bool:
        return Publication.objects.filter(
            decision__case=self.case, published_at__isnull=True
        ).exists()

    @cached_property
    def extended_by(self) -> GrantCase | None:
        """A later case, neither withdrawn nor rejected, that extends this case's decision."""
        if self.decision is None:
            return None
        return extending_cases([self.decision.pk]).get(self.decision.pk)

    @classmethod
    def prefetch(cls, cases: Iterable[GrantCase]) -> dict[int, "CaseFacts"]:
        """Facts for many cases, read in a fixed number of queries."""
        cases = list(cases)
        facts = {case.pk: cls(case) for case in cases}
        versions = {v.case_id: v for v in CaseVersion.objects.filter(case__in=cases).current()}
        editors: dict[int, set[int]] = {}
        for version_id, user_id in CaseVersion.editors.through.objects.filter(
            caseversion__in=versions.values()
        ).values_list("caseversion_id", "user_id"):
            editors.setdefault(version_id, set()).add(user_id)
        pending = set(
            AgendaItem.objects.filter(
                version__in=versions.values(), outcome=IamOutcome.PENDING
            ).values_list("version_id", flat=True)
        )
        signed: dict[int, dict[str, SignOff]] = {}
        for sign_off in SignOff.objects.filter(version__in=versions.values()).select_related(
            "signed_by"
        ):
            signed.setdefault(sign_off.version_id, {})[sign_off.area] = sign_off
        decisions = {
            d.case_id: d for d in Decision.objects.filter(case__in=cases).select_related("version")
        }
        unpublished = set(
            Publication.objects.filter(
                decision__case__in=cases, published_at__isnull=True
            ).values_list("decision__case_id", flat=True)
        )
        extending = extending_cases([d.pk for d in decisions.values()])
        newest: dict[int, GrantAgreement] = {}
        for agreement in (
            GrantAgreement.objects.filter(decision__in=decisions.values())
            .select_related("uploaded_by", "reviewed_by")
            .order_by("uploaded_at", "id")
        ):
            newest[agreement.decision_id] = agreement
        for pk, fact in facts.items():
            version = versions.get(pk)
            fact.version = version
            fact.editor_ids = editors.get(version.pk, set()) if version else set()
            fact.on_agenda = version is not None and version.pk in pending
            fact.sign_offs = signed.get(version.pk, {}) if version else {}
            fact.decision = decisions.get(pk)
            fact.extended_by = extending.get(fact.decision.pk) if fact.decision else None
            fact.agreement = newest.get(fact.decision.pk) if fact.decision else None
            fact.unpublished = pk in unpublished
        return facts


def extending_cases(decision_ids: Iterable[int]) -> dict[int, GrantCase]:
    """For each of these decisions that a later case extends, the first such case that
    is neither withdrawn nor rejected."""
    links = (
        RelatedDecision.objects.filter(
            decision_id__in=list(decision_ids), kind=RelatedDecisionKind.EXTENDS
        )
        .exclude(case__state__in=[CaseState.WITHDRAWN, CaseState.REJECTED])
        .select_related("case")
        .order_by("pk")
    )
    found: dict[int, GrantCase] = {}
    for link in links:
        found.setdefault(link.decision_id, link.case)
    return found


# A guard says why a user may not take a step on a case now, or None. It may say so as a
# CaseChanged error where the step was taken already, by someone else, since the person
# loaded the page.
Guard = Callable[[GrantCase, object, CaseFacts], "str | WorkflowError | None"]


# A guard's answer that the person is not one the step is for: refused in the step's own
# words, as a missing role is.
NOT_FOR_THEM = object()


def is_editor(case, user, facts):
    return None if is_case_editor(user, case) else NOT_FOR_THEM


def may_edit(case, user, facts) -> str | None:
    allowed, reason = can_edit_case(user, case)
    return None if allowed else reason


def has_no_errors(case, user, facts) -> str | None:
    errors = facts.reconciliation.errors
    if errors:
        count = len(errors)
        return (
            f"The case has {count} error{'s' if count != 1 else ''} to fix before it can be "
            "submitted. The task list shows where."
        )
    return None


def not_on_agenda(case, user, facts) -> str | None:
    if facts.on_agenda:
        return "This version of the case is already on an IAM agenda."
    return None


def on_agenda(case, user, facts) -> str | None:
    if not facts.on_agenda:
        return "Put the case on an IAM meeting’s agenda before recording the meeting’s outcome."
    return None


def did_not_edit(case, user, facts) -> str | None:
    if user.pk in facts.editor_ids:
        return (
            "You changed this version of the case, so someone else must review, sign off "
            "or decide it."
        )
    return None


def not_signed_off(area: ClearanceArea) -> Guard:
    def guard(case, user, facts) -> CaseChanged | None:
        existing = facts.sign_offs.get(area.value)
        if existing:
            adviser = existing.signed_by.get_full_name() or existing.signed_by.username
            when = long_moment(existing.signed_at)
            return CaseChanged(f"{area.label} was already signed off by {adviser} on {when}.")
        return None

    return guard


def every_area_signed_off(case, user, facts) -> str | None:
    outstanding = [area for area in ClearanceArea if area.value not in facts.signed_areas]
    if outstanding:
        names = ", ".join(area.label.lower() for area in outstanding)
        return f"Every area must be signed off first. Still outstanding: {names}."
    refused = [
        area
        for area in ClearanceArea
        if facts.sign_offs[area.value].outcome == SignOffOutcome.NOT_CLEARED
    ]
    if refused:
        names = ", ".join(area.label.lower() for area in refused)
        return f"Every area must be cleared first. Not cleared: {names}."
    return None


def has_not_cleared(case, user, facts) -> str | None:
    if not any(s.outcome == SignOffOutcome.NOT_CLEARED for s in facts.sign_offs.values()):
        return "The DMPC office returns a case only when an adviser has not cleared it."
    return None


def not_yet_ready(case, user, facts) -> CaseChanged | None:
    if case.ready_for_decision_at is not None:
        return CaseChanged("This case has already been marked ready for decision.")
    return None


def is_ready(case, user, facts) -> str | None:
    if case.ready_for_decision_at is None:
        return "The DMPC office has not yet marked the case ready for decision."
    return None


def editor_or_publisher(case, user, facts):
    if Role.PUBLISHER.value in roles_of(user) or is_case_editor(user, case):
        return None
    return NOT_FOR_THEM


def agreement_waiting_for_review(case, user, facts) -> str | CaseChanged | None:
    agreement = facts.agreement
    if agreement is None or facts.decision.outcome == DecisionOutcome.REJECTED:
        return "No grant agreement has been uploaded for this decision yet."
    if agreement.is_waiting:
        return None
    reviewer = person(agreement.reviewed_by)
    when = long_moment(agreement.reviewed_at)
    if agreement.is_reviewed:
        return CaseChanged(f"The grant agreement was already reviewed by {reviewer} on {when}.")
    return CaseChanged(
        f"The grant agreement was already rejected by {reviewer} on {when}. The case waits "
        "for a corrected agreement to be uploaded."
    )


def did_not_upload(case, user, facts) -> str | None:
    if facts.agreement is not None and facts.agreement.uploaded_by_id == user.pk:
        return "You uploaded this grant agreement, so another publisher must review it."
    return None


def person(user) -> str:
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def owns_or_office(case, user, facts):
    if Role.DMPC_OFFICE.value in roles_of(user) or is_case_editor(user, case):
        return None
    return NOT_FOR_THEM


def approved(case, user, facts) -> str | None:
    if facts.decision is None or facts.decision.outcome == DecisionOutcome.REJECTED:
        return (
            "A grant agreement can only be uploaded once the DMPC has approved the case. "
            f"This case is {case.state_phrase}."
        )
    return None


def has_standing_authority(case, user, facts) -> str | None:
    if facts.decision is None or not facts.decision.standing_authorities():
        return "This decision approved no standing authority."
    return None


def decision_approved(case, user, facts) -> str | None:
    if facts.decision is None or facts.decision.outcome == DecisionOutcome.REJECTED:
        return "A case can only be started from a decision the DMPC approved."
    return None


def not_yet_extended(case, user, facts) -> CaseChanged | None:
    later = facts.extended_by
    if later is not None:
        return CaseChanged(
            f"{facts.decision.reference} is already extended by the case ‘{later.title}’. "
            "Carry on with that case."
        )
    return None


def on_forward_plan(case, user, facts) -> CaseChanged | None:
    if facts.unpublished is False and facts.decision is not None:
        return CaseChanged("This case’s decision is published, so it has left the forward plan.")
    if not ForwardPlanEntry.objects.filter(case=case).exists():
        return CaseChanged("This case is not on the forward plan. Nothing has been changed.")
    return None


def waiting_to_be_published(case, user, facts) -> str | None:
    if not facts.unpublished:
        return "This decision is already published."
    return None


def published(case, user, facts) -> str | None:
    if facts.decision is None or facts.unpublished:
        return "A decision can only be corrected once it is published."
    return None


def on_the_register(case, user, facts) -> str | None:
    if facts.decision is None or facts.unpublished:
        return "Only what has been published can be withdrawn from the register."
    return None


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    states: frozenset[CaseState]
    roles: frozenset[Role]
    guards: tuple[Guard, ...]
    refusal: str  # what someone without the roles is told
    target: CaseState | None = None  # None: the case keeps its state
    audit_action: AuditAction | None = None
    waiting: str = ""  # what the case waits for while the step can be taken

    def state_refusal(self, case: GrantCase) -> str:
        if self.name in STATE_REFUSALS:
            return STATE_REFUSALS[self.name].format(phrase=case.state_phrase)
        return (
            f"This case is not waiting for {self.waiting}. It is now {case.state_phrase}: "
            "someone else may have acted on it first. Nothing has been changed."
        )

    @property
    def changes_state(self) -> bool:
        return self.target is not None


S = CaseState
DECIDED = {S.APPROVED, S.PUBLISHED}
LIVE = {S.DRAFT, S.IAM_REVIEW, S.DMPC_REVIEW}
PLAN_REFUSAL = "Only the DMPC office keeps the forward plan."
IAM_REFUSAL = "Only the IAM secretariat records what IAM meetings advised."
DMPC_REFUSAL = "Only the Deputy Mayor for Policing and Crime decides cases."
SIGN_OFF_ROLES: dict[ClearanceArea, Role] = {
    ClearanceArea.FINANCE: Role.FINANCE_ADVISER,
    ClearanceArea.LEGAL: Role.LEGAL_ADVISER,
    ClearanceArea.EQUALITIES: Role.EQUALITIES_ADVISER,
    ClearanceArea.PRIVACY: Role.PRIVACY_ADVISER,
}


# What a case waits for while each step can be taken, for the refusal of a step whose
# moment has passed ("This case is approved, not waiting for IAM review").
WAITING_FOR = {
    "submit": "submission", "add_to_agenda": "IAM review", "endorse": "IAM review",
    "not_supported": "IAM review", "iam_return": "IAM review", "mark_ready": "the DMPC office",
    "office_return": "the DMPC office",
    "approve": "a decision", "reject": "a decision", "dmpc_return": "a decision",
    "withdraw": "a decision", "upload_agreement": "its grant agreement",
    "review_agreement": "its grant agreement’s review",
    "accept_under_standing_authority": "offers under a standing authority",
    "publish": "publication", "correct": "a correction",
    "plan_decision": "a decision", "unplan_decision": "publication",
}  # fmt: skip


# Where a step's moment is not a matter of someone acting first, it says so in its words.
STATE_REFUSALS = {
    "edit": "This case is {phrase}. It can only be changed after it is returned to draft.",
    "upload_agreement": (
        "A grant agreement can only be uploaded once the DMPC has approved the case. "
        "This case is {phrase}."
    ),
    "review_agreement": (
        "A grant agreement can only be reviewed once the DMPC has approved the case. "
        "This case is {phrase}."
    ),
    "start_next_case": ("A case can only be started from a decided case. This case is {phrase}."),
    "plan_decision": (
        "Only a case still on its way to a decision (in draft, at IAM review or at DMPC "
        "review) can be put on the forward plan. This case is {phrase}."
    ),
    "unplan_decision": (
        "This case is {phrase}: it is no longer on the forward plan. Nothing has been changed."
    ),
    "request_withdrawal": (
        "Only what has been published can be withdrawn from the register. This case is {phrase}."
    ),
    "confirm_withdrawal": (
        "Only what has been published can be withdrawn from the register. This case is {phrase}."
    ),
}


def _step(name, label, states, roles, guards, refusal, target=None, action=None) -> Step:
    waiting = WAITING_FOR.get(name, "advisers’ sign-off")
    return Step(name, label, frozenset(states), frozenset(roles), tuple(guards), refusal,
                target, action, waiting)  # fmt: skip


def sign_off_step(area: ClearanceArea) -> str:
    return f"sign_off_{area.value}"


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        _step("edit", "Change the case", {S.DRAFT}, {Role.GRANTS_MANAGER}, (may_edit,),
              "Only the case’s grants managers can change it."),
        _step("submit", "Submit for IAM review", {S.DRAFT}, {Role.GRANTS_MANAGER},
              (is_editor, has_no_errors), "Only the case’s grants managers can submit it.",
              S.IAM_REVIEW, AuditAction.SUBMITTED),
        _step("add_to_agenda", "Put on an IAM agenda", {S.IAM_REVIEW}, {Role.IAM_SECRETARIAT},
              (not_on_agenda,), "Only the IAM secretariat sets IAM agendas.",
              None, AuditAction.ADDED_TO_AGENDA),
        # IAM advises: whatever it says, the DMPC decides, unless it returns the case.
        _step("endorse", "Endorse", {S.IAM_REVIEW}, {Role.IAM_SECRETARIAT},
              (on_agenda, did_not_edit), IAM_REFUSAL, S.DMPC_REVIEW, AuditAction.IAM_OUTCOME),
        _step("not_supported", "Not supported", {S.IAM_REVIEW}, {Role.IAM_SECRETARIAT},
              (on_agenda, did_not_edit), IAM_REFUSAL, S.DMPC_REVIEW, AuditAction.IAM_OUTCOME),
        _step("iam_return", "Return for changes", {S.IAM_REVIEW}, {Role.IAM_SECRETARIAT},
              (on_agenda, did_not_edit), IAM_REFUSAL, S.DRAFT, AuditAction.RETURNED),
        *(
            _step(sign_off_step(area), f"Sign off {area.label.lower()}", {S.DMPC_REVIEW},
                  {role}, (did_not_edit, not_signed_off(area)),
                  f"Only a {role.label.lower()} can sign off {area.label.lower()}.",
                  None, AuditAction.SIGNED_OFF)
            for area, role in SIGN_OFF_ROLES.items()
        ),
        _step("mark_ready", "Mark ready for decision", {S.DMPC_REVIEW}, {Role.DMPC_OFFICE},
              (not_yet_ready, every_area_signed_off),
              "Only the DMPC office marks cases ready for decision.",
              None, AuditAction.READY_FOR_DECISION),
        _step("office_return", "Return for changes", {S.DMPC_REVIEW}, {Role.DMPC_OFFICE},
              (has_not_cleared,), "Only the DMPC office returns cases an adviser did not clear.",
              S.DRAFT, AuditAction.RETURNED),
        _step("approve", "Approve", {S.DMPC_REVIEW}, {Role.DMPC}, (did_not_edit, is_ready),
              DMPC_REFUSAL, S.APPROVED, AuditAction.APPROVED),
        _step("reject", "Reject", {S.DMPC_REVIEW}, {Role.DMPC}, (did_not_edit, is_ready),
              DMPC_REFUSAL, S.REJECTED, AuditAction.REJECTED),
        _step("dmpc_return", "Return for changes", {S.DMPC_REVIEW}, {Role.DMPC},
              (did_not_edit,), DMPC_REFUSAL, S.DRAFT, AuditAction.RETURNED),
        _step("withdraw", "Withdraw", {S.DRAFT, S.IAM_REVIEW, S.DMPC_REVIEW},
              {Role.GRANTS_MANAGER, Role.DMPC_OFFICE}, (owns_or_office,),
              "Only the case’s own grants managers or the DMPC office can withdraw it.",
              S.WITHDRAWN, AuditAction.WITHDRAWN),
        _step("upload_agreement", "Upload the signed grant agreement", DECIDED,
              {Role.GRANTS_MANAGER, Role.PUBLISHER}, (editor_or_publisher, approved),
              "Only the case’s grants managers and publishers can upload its grant agreement.",
              None, AuditAction.UPLOADED),
        # A publisher other than the uploader confirms it is fit to publish, or rejects it.
        _step("review_agreement", "Review the grant agreement", DECIDED, {Role.PUBLISHER},
              (agreement_waiting_for_review, did_not_upload),
              "Only publishers review grant agreements.", None, AuditAction.AGREEMENT_REVIEWED),
        _step("accept_under_standing_authority", "Accept an offer under the standing authority",
              DECIDED, {Role.GRANTS_MANAGER, Role.DMPC_OFFICE}, (has_standing_authority,),
              "Only grants managers and the DMPC office record offers under a standing "
              "authority.", None, AuditAction.STANDING_ACCEPTANCE),
        # The next period's draft, copied from an approved case and extending its decision.
        _step("start_next_case", "Start the next case from this one", DECIDED,
              {Role.GRANTS_MANAGER}, (is_editor, decision_approved, not_yet_extended),
              "Only the case’s grants managers can start a case from it.",
              None, AuditAction.CASE_CREATED),
        _step("publish", "Publish", {S.APPROVED, S.REJECTED}, {Role.PUBLISHER},
              (waiting_to_be_published,), "Only publishers publish decisions.",
              None, AuditAction.PUBLISHED),
        _step("correct", "Publish a correction", {S.REJECTED, S.PUBLISHED}, {Role.PUBLISHER},
              (published,), "Only publishers publish decisions.", None, AuditAction.PUBLISHED),
        # The forward plan: adding or changing a live case's entry, and taking it off while
        # it still shows (until its decision is published).
        _step("plan_decision", "Forward plan", LIVE, {Role.DMPC_OFFICE}, (), PLAN_REFUSAL,
              None, AuditAction.PLANNED),
        _step("unplan_decision", "Take off the forward plan", {*LIVE, S.APPROVED, S.REJECTED},
              {Role.DMPC_OFFICE}, (on_forward_plan,), PLAN_REFUSAL, None, AuditAction.UNPLANNED),
        # Taking a published revision or agreement off the register: one publisher asks,
        # a second confirms (withdrawal_refusal).
        _step("request_withdrawal", "Withdraw from the register", {S.REJECTED, S.PUBLISHED},
              {Role.PUBLISHER}, (on_the_register,),
              "Only publishers withdraw what was published.", None,
              AuditAction.WITHDRAWAL_REQUESTED),
        _step("confirm_withdrawal", "Confirm the withdrawal", {S.REJECTED, S.PUBLISHED},
              {Role.PUBLISHER}, (on_the_register,),
              "Only publishers withdraw what was published.", None,
              AuditAction.WITHDRAWAL_CONFIRMED),
    )
}  # fmt: skip

IAM_OUTCOME_STEPS = ("endorse", "not_supported", "iam_return")
DECISION_STEPS = ("approve", "reject", "dmpc_return")

# Who must act next in each state, for notifications.
NEXT_ACTORS: dict[CaseState, frozenset[Role]] = {
    S.IAM_REVIEW: frozenset({Role.IAM_SECRETARIAT}),
    S.DMPC_REVIEW: frozenset({*SIGN_OFF_ROLES.values(), Role.DMPC_OFFICE, Role.DMPC}),
    S.APPROVED: frozenset({Role.PUBLISHER, Role.GRANTS_MANAGER}),
    S.REJECTED: frozenset({Role.PUBLISHER}),
    S.DRAFT: frozenset({Role.GRANTS_MANAGER}),
}


def holds_role_for(user, step: Step) -> bool:
    return bool(roles_of(user) & {role.value for role in step.roles})


def refusal(user, name: str, case: GrantCase, facts: CaseFacts | None = None) -> WorkflowError:
    """Why `user` may not take step `name` on `case` now, as the error the services raise;
    None when they may. Roles are checked first, then the case's state, then the guards."""
    step = STEPS[name]
    if not holds_role_for(user, step):
        return NotAllowed(step.refusal)
    if case.state not in step.states:
        return CaseChanged(step.state_refusal(case))
    facts = facts or CaseFacts(case)
    for guard in step.guards:
        reason = guard(case, user, facts)
        if reason is NOT_FOR_THEM:
            return NotAllowed(step.refusal)
        if isinstance(reason, WorkflowError):
            return reason
        if reason:
            return WorkflowError(reason)
    return None


def can(user, name: str, case: GrantCase, facts: CaseFacts | None = None) -> str | None:
    """The reason `user` may not take step `name` on `case` now, or None if they may."""
    error = refusal(user, name, case, facts)
    return None if error is None else str(error)


SECOND_PUBLISHER = (
    "A second publisher must confirm the withdrawal: you asked for it, so someone else confirms it."
)


def withdrawal_refusal(user, withdrawal, *, case: GrantCase | None = None) -> str | None:
    """Why `user` may not confirm this withdrawal request now, or None: a publisher other
    than the one who asked, while it is still open. The button, the queue, the view and
    the service all ask this."""
    case = case or withdrawal.publication.decision.case
    reason = can(user, "confirm_withdrawal", case)
    if reason is not None:
        return reason
    if withdrawal.confirmed_at or withdrawal.cancelled_at:
        return "This withdrawal request is no longer open: someone else may have acted first."
    if withdrawal.requested_by_id == user.pk:
        return SECOND_PUBLISHER
    return None


def check(user, name: str, case: GrantCase, facts: CaseFacts | None = None) -> None:
    """Raise the reason `user` may not take step `name` on `case`, if there is one."""
    error = refusal(user, name, case, facts)
    if error is not None:
        raise error


# The case page's buttons: each is shown to whoever may take one of its steps now. Where
# a person holds the role and the case is in the step's state but a guard refuses, the
# page shows the reason instead of the button.
@dataclass(frozen=True)
class Button:
    label: str
    url_name: str
    steps: tuple[str, ...]
    secondary: bool = False
    area: ClearanceArea | None = None

    def url(self, case: GrantCase, facts: CaseFacts) -> str:
        if self.url_name == "approvals:sign-off":
            return reverse(self.url_name, args=[case.pk, self.area.value])
        if self.url_name == "approvals:standing-authority":
            return reverse(self.url_name, args=[facts.decision.pk])
        if self.url_name == "approvals:publication":
            return reverse(self.url_name, args=[facts.decision.publication.pk])
        if self.url_name == "approvals:meetings":
            return reverse(self.url_name)
        if self.url_name == "grants:start-from-earlier":
            return f"{reverse(self.url_name)}?{urlencode({'q': facts.decision.reference})}"
        return reverse(self.url_name, args=[case.pk])


BUTTONS: tuple[Button, ...] = (
    Button("Submit for IAM review", "approvals:submit", ("submit",)),
    Button("Go to IAM meetings", "approvals:meetings", ("add_to_agenda", *IAM_OUTCOME_STEPS)),
    *(
        Button(f"Sign off {area.label.lower()}", "approvals:sign-off", (sign_off_step(area),),
               area=area)
        for area in SIGN_OFF_ROLES
    ),
    Button("Check clearance", "approvals:clearance", ("mark_ready",)),
    Button("Decide", "approvals:decide", DECISION_STEPS),
    Button("Review the grant agreement", "approvals:review-agreement", ("review_agreement",)),
    Button("Upload the signed grant agreement", "approvals:upload-agreement",
           ("upload_agreement",)),
    Button("Accept an offer under the standing authority", "approvals:standing-authority",
           ("accept_under_standing_authority",), secondary=True),
    Button("Start the next case from this one", "grants:start-from-earlier",
           ("start_next_case",), secondary=True),
    Button("Publication", "approvals:publication", ("publish", "correct"), secondary=True),
    Button("Forward plan", "approvals:plan-entry", ("plan_decision",), secondary=True),
    Button("Withdraw the case", "approvals:withdraw", ("withdraw",), secondary=True),
)  # fmt: skip


@dataclass(frozen=True)
class Action:
    label: str
    url: str | None  # None: refused, and `reason` says why
    secondary: bool = False
    reason: str | None = None


def case_actions(user, case: GrantCase, facts: CaseFacts | None = None) -> list[Action]:
    """The buttons the case page shows this person, and why any step they would expect to
    take is refused for now."""
    facts = facts or CaseFacts(case)
    actions = []
    for button in BUTTONS:
        concerned = [
            name
            for name in button.steps
            if holds_role_for(user, STEPS[name]) and case.state in STEPS[name].states
        ]
        if not concerned:
            continue
        reasons = [can(user, name, case, facts) for name in concerned]
        if any(reason is None for reason in reasons):
            actions.append(Action(button.label, button.url(case, facts), button.secondary))
        else:
            actions.append(Action(button.label, None, button.secondary, reasons[0]))
    return actions
