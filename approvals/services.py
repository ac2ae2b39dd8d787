"""The decision workflow's steps, a function each. Each locks the case, asks
approvals.workflow whether the person may take the step now (raising its reason if not),
changes the case, writes its records and its audit event in one transaction, and sends
notifications only after that transaction commits."""

import functools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from approvals import audit, notifications
from approvals.accounts import throttle
from approvals.accounts.roles import Role, has_role
from approvals.documents import decision_form
from approvals.models import (
    AgendaItem,
    AuditAction,
    AuditEvent,
    CaseReturn,
    CaseVersion,
    ClearanceArea,
    Decision,
    DecisionOutcome,
    IamMeeting,
    IamOutcome,
    RecommendationDecision,
    ReturnedBy,
    SignOff,
    SignOffOutcome,
)
from approvals.publication import services as publication
from approvals.references import locked_sequence
from approvals.workflow import (
    STEPS,
    CaseChanged,
    CaseFacts,
    NotAllowed,
    WorkflowError,
    check,
    sign_off_step,
)
from grants.document import case_document, document_sha256, part1_document
from grants.models import CaseState, GrantCase

__all__ = ["CaseChanged", "NotAllowed", "SignatureRefused", "WorkflowError"]


class SignatureRefused(WorkflowError):
    """The password entered to sign a decision was not the user's."""


def _lock(case: GrantCase) -> GrantCase:
    return GrantCase.objects.select_for_update().get(pk=case.pk)


def _check_seen(version: CaseVersion | None, seen_version: int | None):
    if seen_version is not None and (version is None or version.number != seen_version):
        raise CaseChanged(
            "The case has changed since you opened this page: there is a newer version. "
            "Nothing has been saved. Check the new version and try again."
        )


def _begin(name: str, case: GrantCase, *, by, seen_version: int | None = None):
    """Start step `name`: lock the case, check the version the person saw is still the
    current one, and ask the workflow whether they may take the step now, raising its
    reason if not. Returns the locked case and what the guards read about it. Must run
    inside transaction.atomic()."""
    locked = _lock(case)
    facts = CaseFacts(locked)
    if locked.state in STEPS[name].states:
        _check_seen(facts.version, seen_version)
    check(by, name, locked, facts)
    return locked, facts


def _take(name: str, case: GrantCase, *, by, seen_version: int | None = None, **fields):
    """Carry out transition `name`: begin it, then move the case to the step's target
    state. Returns the case, its version and the state it left."""
    locked, facts = _begin(name, case, by=by, seen_version=seen_version)
    step = STEPS[name]
    from_state = locked.state
    # Moving the lock version on makes any edit form opened before this step stale.
    changed = GrantCase.objects.filter(pk=locked.pk, state=from_state).update(
        state=step.target,
        updated_at=timezone.now(),
        lock_version=F("lock_version") + 1,
        **fields,
    )
    if changed != 1:  # pragma: no cover - the row lock makes this unreachable
        raise CaseChanged("Someone else acted on this case first. Nothing has been changed.")
    locked.state = step.target
    locked.lock_version += 1
    for field, value in fields.items():
        setattr(locked, field, value)
    return locked, facts.version, from_state


def _done(
    name: str, locked: GrantCase, *, by, version, from_state: str = "", details=None, tell=""
) -> None:
    """Finish step `name`: write its audit event (with the states it moved the case
    between, if it moved it) in the step's transaction, and, once that commits, tell
    whoever acts next (`tell`: what happened to the case, "has been withdrawn")."""
    moved = bool(from_state) and from_state != locked.state
    audit.record(
        STEPS[name].audit_action,
        actor=by,
        case=locked,
        version=version,
        from_state=from_state if moved else "",
        to_state=locked.state if moved else "",
        details=details or {},
    )
    if tell:
        notifications.after_commit(locked, tell)


def _require(text: str, message: str) -> str:
    if not (text or "").strip():
        raise WorkflowError(message)
    return text.strip()


def _editor_ids(case: GrantCase) -> set[int]:
    actions = [AuditAction.CASE_CREATED, AuditAction.CASE_EDITED]
    return set(
        AuditEvent.objects.filter(case=case, action__in=actions, actor__isnull=False)
        .values_list("actor_id", flat=True)
        .distinct()
    )


def submit(case: GrantCase, *, by) -> CaseVersion:
    """Freeze the case as a new version and send it to IAM."""
    with transaction.atomic():
        locked, previous, from_state = _take("submit", case, by=by, ready_for_decision_at=None)
        document = case_document(GrantCase.objects.with_contents().get(pk=locked.pk))
        version = CaseVersion.objects.create(
            case=locked,
            number=(previous.number if previous else 0) + 1,
            document=document,
            sha256=document_sha256(document),
            part1_sha256=document_sha256(part1_document(document)),
            created_by=by,
        )
        version.editors.set(_editor_ids(locked) | {by.pk})
        _done(
            "submit",
            locked,
            by=by,
            version=version,
            from_state=from_state,
            details={"version": version.number, "sha256": version.sha256},
            tell="has been submitted for IAM review",
        )
    return version


def record_meeting(*, by, date, time, place: str, invitees: str) -> IamMeeting:
    """A meeting to come (or one held): when, where and who is invited. Who attended is
    recorded with its outcomes (record_iam_outcome)."""
    if not has_role(by, Role.IAM_SECRETARIAT):
        raise NotAllowed("Only the IAM secretariat records IAM meetings.")
    place = _require(place, "Enter where the meeting is held")
    invitees = _require(invitees, "Enter who is invited to the meeting")
    with transaction.atomic():
        meeting = IamMeeting.objects.create(
            date=date, time=time, place=place, invitees=invitees, created_by=by
        )
        audit.record(
            AuditAction.MEETING_RECORDED,
            actor=by,
            details={
                "meeting": meeting.pk,
                "date": date.isoformat(),
                "time": time.strftime("%H:%M"),
                "place": place,
                "invitees": invitees,
            },
        )
    return meeting


def add_to_agenda(meeting: IamMeeting, case: GrantCase, *, by) -> AgendaItem:
    with transaction.atomic():
        locked, facts = _begin("add_to_agenda", case, by=by)
        version = facts.version
        item = AgendaItem.objects.create(meeting=meeting, case=locked, version=version)
        _done(
            "add_to_agenda",
            locked,
            by=by,
            version=version,
            details={"meeting": meeting.pk, "date": meeting.date.isoformat()},
        )
    return item


IAM_STEPS = {
    IamOutcome.ENDORSED: "endorse",
    IamOutcome.ENDORSED_WITH_CONDITIONS: "endorse",
    IamOutcome.NOT_SUPPORTED: "not_supported",
    IamOutcome.RETURNED: "iam_return",
}
IAM_NOTE_REQUIRED = {
    IamOutcome.ENDORSED_WITH_CONDITIONS: "Enter the conditions of the endorsement",
    IamOutcome.NOT_SUPPORTED: "Enter why IAM does not support the case",
    IamOutcome.RETURNED: "Enter what needs to change",
}


def record_iam_outcome(
    case: GrantCase,
    *,
    by,
    outcome: IamOutcome,
    attendees: str,
    note: str = "",
    minutes: str = "",
    seen_version: int | None = None,
) -> AgendaItem:
    """Record what IAM advised on the case's current version, who attended the meeting
    (kept on the meeting) and the minutes on the case (staff only), and move the case
    on."""
    if outcome not in IAM_STEPS:
        raise WorkflowError("Choose what the meeting advised")
    attendees = _require(attendees, "Enter who attended the meeting")
    minutes = (minutes or "").strip()
    if outcome in IAM_NOTE_REQUIRED:
        note = _require(note, IAM_NOTE_REQUIRED[outcome])
    name = IAM_STEPS[outcome]
    with transaction.atomic():
        fields = {"ready_for_decision_at": None}
        locked, version, from_state = _take(name, case, by=by, seen_version=seen_version, **fields)
        item = AgendaItem.objects.select_for_update().get(
            version=version, outcome=IamOutcome.PENDING
        )
        item.outcome, item.note, item.minutes = outcome, note, minutes
        item.recorded_by, item.recorded_at = by, timezone.now()
        item.save(update_fields=["outcome", "note", "minutes", "recorded_by", "recorded_at"])
        IamMeeting.objects.filter(pk=item.meeting_id).update(attendees=attendees)
        if locked.state == CaseState.DRAFT:
            _record_return(locked, version, by, ReturnedBy.IAM, note)
        _done(
            name,
            locked,
            by=by,
            version=version,
            from_state=from_state,
            details={
                "outcome": outcome.value,
                "note": note,
                "meeting": item.meeting_id,
                "attendees": attendees,
                "minutes": minutes,
            },
            tell=f"has been {item.get_outcome_display().lower()} by IAM",
        )
    return item


SIGN_OFF_TEXT_REQUIRED = {
    SignOffOutcome.CLEARED_WITH_ADVICE: "Enter your advice",
    SignOffOutcome.NOT_CLEARED: "Enter the reason you cannot clear it",
}


def sign_off(
    case: GrantCase,
    *,
    by,
    area: ClearanceArea,
    advice: str = "",
    outcome: SignOffOutcome = SignOffOutcome.CLEARED_WITH_ADVICE,
    seen_version: int | None = None,
) -> SignOff:
    """An adviser's outcome for their own area of the current version: cleared, cleared
    with advice, or not cleared (with a reason; the case's grants managers and the DMPC
    office are told, and the office may return the case)."""
    if outcome not in SignOffOutcome.values:
        raise WorkflowError("Choose whether you clear it")
    outcome = SignOffOutcome(outcome)
    if outcome in SIGN_OFF_TEXT_REQUIRED:
        advice = _require(advice, SIGN_OFF_TEXT_REQUIRED[outcome])
    else:
        advice = (advice or "").strip()
    with transaction.atomic():
        locked, facts = _begin(sign_off_step(area), case, by=by, seen_version=seen_version)
        version = facts.version
        try:
            with transaction.atomic():
                signed = SignOff.objects.create(
                    version=version, area=area, outcome=outcome, advice=advice, signed_by=by
                )
        except IntegrityError:  # pragma: no cover - the row lock makes this unreachable
            raise CaseChanged(f"{area.label} was signed off by someone else first.") from None
        every_area = len(facts.signed_areas | {area.value}) == len(ClearanceArea)
        _done(
            sign_off_step(area),
            locked,
            by=by,
            version=version,
            details={"area": area.value, "outcome": outcome.value, "advice": advice},
            tell="has been signed off by every adviser"
            if every_area and outcome != SignOffOutcome.NOT_CLEARED
            else "",
        )
        if outcome == SignOffOutcome.NOT_CLEARED:
            notifications.after_commit_not_cleared(locked, area.label, advice)
    return signed


def office_return(
    case: GrantCase, *, by, reasons: str, sections=(), seen_version: int | None = None
) -> CaseReturn:
    """The DMPC office returns a case an adviser did not clear to draft, with reasons."""
    reasons = _require(reasons, "Enter the reasons to return the case")
    with transaction.atomic():
        fields = {"ready_for_decision_at": None}
        locked, version, from_state = _take(
            "office_return", case, by=by, seen_version=seen_version, **fields
        )
        returned = _record_return(locked, version, by, ReturnedBy.DMPC_OFFICE, reasons, sections)
        _done(
            "office_return",
            locked,
            by=by,
            version=version,
            from_state=from_state,
            details={"reasons": reasons, "sections": list(sections)},
            tell="has been returned for changes by the DMPC office",
        )
    return returned


def _record_return(case, version, by, returned_by, reasons, sections=()) -> CaseReturn:
    return CaseReturn.objects.create(
        case=case,
        version=version,
        returned_by=returned_by,
        by=by,
        reasons=reasons,
        sections=list(sections),
    )


def mark_ready(case: GrantCase, *, by, seen_version: int | None = None) -> GrantCase:
    """The DMPC office confirms the case is ready for the DMPC's decision."""
    with transaction.atomic():
        locked, facts = _begin("mark_ready", case, by=by, seen_version=seen_version)
        version = facts.version
        locked.ready_for_decision_at = timezone.now()
        locked.save(update_fields=["ready_for_decision_at", "updated_at"])
        _done("mark_ready", locked, by=by, version=version, tell="is ready for the DMPC’s decision")
    return locked


def next_reference() -> str:
    """The next decision reference, like `PCD 1234`. Run inside the decision's transaction:
    the sequence row stays locked until it commits, and numbers only move forward."""
    prefix = settings.DECISION_REFERENCE_PREFIX
    sequence = locked_sequence(prefix)
    number = sequence.next_number
    sequence.next_number = number + 1
    sequence.save(update_fields=["next_number"])
    return f"{prefix} {number}"


def _check_signature(case: GrantCase, by, password: str) -> None:
    """The DMPC signs with their password. Wrong passwords are audited and counted across
    every app server: after SIGNATURE_FAILURE_LIMIT of them, signing waits. Attempts by
    one person are checked one at a time (approvals.accounts.throttle), each counting
    the refusals before it, so the limit is exact however many arrive at once: beyond it
    the password is not even checked."""
    with throttle.one_at_a_time(throttle.signature_key(by)):
        since = timezone.now() - settings.SIGNATURE_COOLOFF
        refused = AuditEvent.objects.filter(
            action=AuditAction.SIGNATURE_REFUSED, actor=by, occurred_at__gte=since
        ).count()
        if refused >= settings.SIGNATURE_FAILURE_LIMIT:
            minutes = int(settings.SIGNATURE_COOLOFF.total_seconds() // 60)
            problem = (
                "You have entered a wrong password too many times. Wait "
                f"{minutes} minutes, then try again."
            )
        # Their password as it is now, not as it was when the request began.
        elif not get_user_model()._default_manager.get(pk=by.pk).check_password(password or ""):
            audit.record(AuditAction.SIGNATURE_REFUSED, actor=by, case=case)
            problem = "The password is not right. Enter your password to sign the decision."
        else:
            problem = ""
    # Raised once the refusal has committed.
    if problem:
        raise SignatureRefused(problem)


DECISION_STEPS = {"approve": "approve", "reject": "reject", "return": "dmpc_return"}


def decide(
    case: GrantCase,
    *,
    by,
    outcome: str,
    password: str,
    reasons: str = "",
    alternatives_considered: str = "",
    no_alternatives: bool = False,
    interests_declared: bool = False,
    interests: str = "",
    approved: dict[int, bool] | None = None,
    seen_version: int | None = None,
) -> Decision | None:
    """The DMPC's signed decision: approve or reject (both get a decision reference), or
    return the case to draft. The DMPC re-enters their password to sign.

    Reasons are needed for every outcome. Approving or rejecting also needs the
    alternatives considered, or `no_alternatives` said explicitly. `approved` answers each
    recommendation by position when approving (default: every one approved): some
    approved makes the decision partly approved, none approved rejects it."""
    if outcome not in DECISION_STEPS:
        raise WorkflowError("Choose whether to approve, reject or return the case")
    reasons = _require(reasons, f"Enter the reasons to {outcome} the case")
    alternatives_considered = alternatives_considered.strip()
    if outcome != "return":
        if alternatives_considered and no_alternatives:
            raise WorkflowError(
                "Either describe the alternatives considered or say none were, not both"
            )
        if not alternatives_considered and not no_alternatives:
            raise WorkflowError(
                "Describe the alternatives considered, or say that none were considered"
            )
    else:
        no_alternatives = False
    if interests_declared:
        interests = _require(interests, "Describe the interests you are declaring")
    else:
        interests = ""
    _check_signature(case, by, password)

    with transaction.atomic():
        name = DECISION_STEPS[outcome]
        fields = {"ready_for_decision_at": None} if outcome == "return" else {}
        locked, version, from_state = _take(name, case, by=by, seen_version=seen_version, **fields)
        details = {
            "outcome": outcome,
            "reasons": reasons,
            "alternatives_considered": alternatives_considered,
            "interests_declared": interests_declared,
            "interests": interests,
        }
        decision = None
        if outcome != "return":
            answers = _recommendation_answers(version, outcome, approved)
            details["no_alternatives"] = no_alternatives
            details["recommendations"] = [
                {"position": position, "approved": yes} for position, yes in answers.items()
            ]
            decision = Decision.objects.create(
                case=locked,
                version=version,
                reference=next_reference(),
                outcome=_outcome(answers),
                reasons=reasons,
                alternatives_considered=alternatives_considered,
                no_alternatives=no_alternatives,
                interests_declared=interests_declared,
                interests=interests,
                decided_by=by,
            )
            RecommendationDecision.objects.bulk_create(
                RecommendationDecision(decision=decision, position=position, approved=yes)
                for position, yes in answers.items()
            )
            details["reference"] = decision.reference
            details["publication_due"] = publication.schedule(decision).due_at.isoformat()
            # The signed form is drawn as it stands at signing, once the decision commits.
            transaction.on_commit(functools.partial(decision_form.draw_signed, version.pk))
        else:
            _record_return(locked, version, by, ReturnedBy.DMPC, reasons)
        verb = {"approve": "approved", "reject": "rejected", "return": "returned for changes"}
        tell = f"has been {verb[outcome]} by the DMPC"
        _done(
            name, locked, by=by, version=version, from_state=from_state, details=details, tell=tell
        )
    return decision


def _recommendation_answers(version, outcome: str, approved) -> dict[int, bool]:
    """Each recommendation of the version, by position, with whether it was approved."""
    positions = [rec["position"] for rec in version.document["recommendations"]]
    if outcome == "reject":
        return dict.fromkeys(positions, False)
    if approved is None:
        return dict.fromkeys(positions, True)
    missing = [str(position) for position in positions if position not in approved]
    if missing or set(approved) - set(positions):
        raise WorkflowError("Say whether you approve each recommendation")
    return {position: bool(approved[position]) for position in positions}


def _outcome(answers: dict[int, bool]) -> str:
    if answers and all(answers.values()):
        return DecisionOutcome.APPROVED
    if any(answers.values()):
        return DecisionOutcome.PARTLY_APPROVED
    return DecisionOutcome.REJECTED


def withdraw(case: GrantCase, *, by, reasons: str) -> GrantCase:
    reasons = _require(reasons, "Enter why the case is being withdrawn")
    with transaction.atomic():
        locked, version, from_state = _take("withdraw", case, by=by)
        _done(
            "withdraw",
            locked,
            by=by,
            version=version,
            from_state=from_state,
            details={"reasons": reasons},
            tell="has been withdrawn",
        )
    return locked
