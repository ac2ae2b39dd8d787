"""The decision workflow: every transition as the right role, refusals, guards and
separation of duties."""

import datetime
import hashlib
from unittest import mock

import pytest
from django.core import mail

from approvals import services
from approvals.accounts.roles import Role
from approvals.audit import verify_chain
from approvals.models import (
    AgendaItem,
    AuditAction,
    AuditEvent,
    CaseVersion,
    ClearanceArea,
    Decision,
    IamOutcome,
)
from approvals.services import CaseChanged, NotAllowed, WorkflowError
from grants.document import document_json
from grants.models import CaseState, GrantCase
from tests.factories import PASSWORD, make_case, make_user
from tests.workflow import ADVISERS, approve, sign_all, to_dmpc_review, to_iam, to_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people):
    return make_case(people.manager)


def state(case):
    return GrantCase.objects.get(pk=case.pk).state


def test_a_case_goes_from_draft_to_approved(case, people):
    version = services.submit(case, by=people.manager)
    assert state(case) == CaseState.IAM_REVIEW
    assert version.number == 1
    assert version.sha256 == hashlib.sha256(document_json(version.document).encode()).hexdigest()

    meeting = services.record_meeting(
        by=people.iam,
        date=datetime.date(2026, 11, 20),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="Members",
    )
    services.add_to_agenda(meeting, case, by=people.iam)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.ENDORSED_WITH_CONDITIONS,
        note="Report quarterly.",
    )
    assert state(case) == CaseState.DMPC_REVIEW
    assert AgendaItem.objects.get().note == "Report quarterly."

    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    decision = approve(case, people, interests_declared=True, interests="Former ROCU officer.")
    assert state(case) == CaseState.APPROVED
    assert decision.reference == "PCD 1"
    assert decision.version == version
    assert decision.interests == "Former ROCU officer."

    actions = list(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        AuditAction.SUBMITTED,
        AuditAction.ADDED_TO_AGENDA,
        AuditAction.IAM_OUTCOME,
        *[AuditAction.SIGNED_OFF] * 4,
        AuditAction.READY_FOR_DECISION,
        AuditAction.APPROVED,
    ]
    approved = AuditEvent.objects.get(action=AuditAction.APPROVED)
    assert (approved.from_state, approved.to_state) == ("dmpc_review", "approved")
    assert approved.details["reference"] == "PCD 1"
    assert verify_chain().intact


def test_references_follow_on_and_rejections_get_one_too(people):
    first, second = make_case(people.manager, title="One"), make_case(people.manager, title="Two")
    for case in (first, second):
        to_ready(case, people)
    assert approve(first, people).reference == "PCD 1"
    rejected = services.decide(
        second,
        by=people.dmpc,
        outcome="reject",
        no_alternatives=True,
        password=PASSWORD,
        reasons="Poor value.",
    )
    assert rejected.reference == "PCD 2"
    assert state(second) == CaseState.REJECTED


def test_the_reference_prefix_and_start_are_settings(case, people, settings):
    settings.DECISION_REFERENCE_PREFIX = "CEOD"
    settings.DECISION_REFERENCE_START = 1234
    to_ready(case, people)
    assert approve(case, people).reference == "CEOD 1234"


def test_submission_is_refused_while_the_case_has_errors(people):
    case = make_case(people.manager, executive_summary="")
    with pytest.raises(WorkflowError, match="The case has 1 error to fix"):
        services.submit(case, by=people.manager)
    assert state(case) == CaseState.DRAFT
    assert not CaseVersion.objects.exists()


def test_readiness_needs_all_four_sign_offs(case, people):
    to_dmpc_review(case, people)
    services.sign_off(case, by=people.finance, area=ClearanceArea.FINANCE, advice="Fine.")
    with pytest.raises(WorkflowError, match="Still outstanding: legal, equalities, privacy"):
        services.mark_ready(case, by=people.dmpc_office)
    with pytest.raises(WorkflowError, match="has not yet marked the case ready"):
        approve(case, people)
    assert state(case) == CaseState.DMPC_REVIEW


def test_an_area_is_signed_off_once_and_by_its_own_adviser(case, people):
    to_dmpc_review(case, people)
    with pytest.raises(NotAllowed):
        services.sign_off(case, by=people.legal, area=ClearanceArea.FINANCE, advice="x")
    services.sign_off(case, by=people.finance, area=ClearanceArea.FINANCE, advice="Fine.")
    with pytest.raises(CaseChanged, match="Finance was already signed off"):
        services.sign_off(case, by=people.finance, area=ClearanceArea.FINANCE, advice="Again.")


WRONG_ROLES = {
    "submit": ["iam", "finance", "dmpc_office", "dmpc", "publisher"],
    "outcome": ["manager", "finance", "dmpc_office", "dmpc", "publisher"],
    "ready": ["manager", "iam", "finance", "dmpc", "publisher"],
    "decide": ["manager", "iam", "finance", "dmpc_office", "publisher"],
    "withdraw": ["iam", "finance", "dmpc", "publisher"],
}


@pytest.mark.parametrize("who", WRONG_ROLES["submit"])
def test_only_a_grants_manager_submits(case, people, who):
    with pytest.raises(NotAllowed):
        services.submit(case, by=getattr(people, who))
    assert state(case) == CaseState.DRAFT


@pytest.mark.parametrize("who", WRONG_ROLES["outcome"])
def test_only_the_iam_secretariat_records_an_outcome(case, people, who):
    to_iam(case, people)
    with pytest.raises(NotAllowed):
        services.record_iam_outcome(
            case, by=getattr(people, who), attendees="IAM members", outcome=IamOutcome.ENDORSED
        )
    assert state(case) == CaseState.IAM_REVIEW


@pytest.mark.parametrize("who", WRONG_ROLES["ready"])
def test_only_the_dmpc_office_marks_a_case_ready(case, people, who):
    to_dmpc_review(case, people)
    sign_all(case, people)
    with pytest.raises(NotAllowed):
        services.mark_ready(case, by=getattr(people, who))


@pytest.mark.parametrize("who", WRONG_ROLES["decide"])
def test_only_the_dmpc_decides(case, people, who):
    to_ready(case, people)
    with pytest.raises(NotAllowed):
        services.decide(
            case,
            by=getattr(people, who),
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="x",
        )
    assert state(case) == CaseState.DMPC_REVIEW
    assert not Decision.objects.exists()


@pytest.mark.parametrize("who", WRONG_ROLES["withdraw"])
def test_only_the_grants_manager_or_dmpc_office_withdraws(case, people, who):
    with pytest.raises(NotAllowed):
        services.withdraw(case, by=getattr(people, who), reasons="No longer needed.")


def test_the_owner_and_the_dmpc_office_can_withdraw_before_a_decision(people):
    draft = make_case(people.manager, title="Draft")
    services.withdraw(draft, by=people.manager, reasons="Offer withdrawn by the funder.")
    assert state(draft) == CaseState.WITHDRAWN
    reviewed = make_case(people.manager, title="Reviewed")
    to_dmpc_review(reviewed, people)
    services.withdraw(reviewed, by=people.dmpc_office, reasons="Superseded.")
    assert state(reviewed) == CaseState.WITHDRAWN
    event = AuditEvent.objects.filter(action=AuditAction.WITHDRAWN).last()
    assert event.details == {"reasons": "Superseded."}


def test_no_withdrawal_after_a_decision_and_reasons_are_required(case, people):
    with pytest.raises(WorkflowError, match="Enter why"):
        services.withdraw(case, by=people.manager, reasons="  ")
    to_ready(case, people)
    approve(case, people)
    with pytest.raises(CaseChanged, match="now approved"):
        services.withdraw(case, by=people.manager, reasons="Too late.")


def test_another_grants_manager_cannot_withdraw_someone_elses_case(case, people):
    other = make_user("other-manager", Role.GRANTS_MANAGER)
    with pytest.raises(WorkflowError, match="own grants managers"):
        services.withdraw(case, by=other, reasons="Mine now.")


def test_reject_and_return_need_reasons_and_the_password_signs(case, people):
    to_ready(case, people)
    for outcome in ("approve", "reject", "return"):
        with pytest.raises(WorkflowError, match=f"Enter the reasons to {outcome}"):
            services.decide(
                case, by=people.dmpc, outcome=outcome, no_alternatives=True, password=PASSWORD
            )
    with pytest.raises(WorkflowError, match="password is not right"):
        services.decide(
            case,
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password="guess",
            reasons="Good value.",
        )
    with pytest.raises(WorkflowError, match="Describe the interests"):
        approve(case, people, interests_declared=True, interests="")
    assert state(case) == CaseState.DMPC_REVIEW
    assert not Decision.objects.exists()


def test_separation_of_duties_nobody_reviews_a_version_they_edited(people):
    both = make_user("manager-and-dmpc", Role.GRANTS_MANAGER, Role.DMPC, Role.IAM_SECRETARIAT)
    case = make_case(both)
    services.submit(case, by=both)
    meeting = services.record_meeting(
        by=people.iam,
        date=datetime.date(2026, 11, 20),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="Members",
    )
    services.add_to_agenda(meeting, case, by=people.iam)
    with pytest.raises(WorkflowError, match="You changed this version"):
        services.record_iam_outcome(
            case, by=both, attendees="IAM members", outcome=IamOutcome.ENDORSED
        )
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    with pytest.raises(WorkflowError, match="You changed this version"):
        services.decide(
            case, by=both, outcome="approve", no_alternatives=True, password=PASSWORD, reasons="x"
        )
    assert approve(case, people).decided_by == people.dmpc


def test_a_returned_case_is_edited_and_resubmitted_as_a_new_version(case, people):
    to_iam(case, people)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.RETURNED,
        note="Fix the allocations.",
    )
    assert state(case) == CaseState.DRAFT
    GrantCase.objects.filter(pk=case.pk).update(executive_summary="Changed summary.")
    second = services.submit(case, by=people.manager)
    assert second.number == 2
    assert second.document["sections"]["executive_summary"] == "Changed summary."
    first = CaseVersion.objects.get(case=case, number=1)
    assert first.document["sections"]["executive_summary"] == "Summary."
    assert first.sha256 != second.sha256

    meeting = services.record_meeting(
        by=people.iam,
        date=datetime.date(2026, 11, 27),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="Members",
    )
    services.add_to_agenda(meeting, case, by=people.iam)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    decision = approve(case, people)
    endorsed = AgendaItem.objects.get(outcome=IamOutcome.ENDORSED)
    assert decision.version == endorsed.version == second


def test_a_decision_on_a_stale_page_is_refused(case, people):
    to_ready(case, people)
    with pytest.raises(CaseChanged, match="newer version"):
        approve(case, people, seen_version=7)
    assert state(case) == CaseState.DMPC_REVIEW


def test_a_second_approval_is_refused_with_a_clear_message(case, people):
    to_ready(case, people)
    approve(case, people)
    with pytest.raises(CaseChanged, match="now approved"):
        approve(case, people)
    assert Decision.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.APPROVED).count() == 1


def test_a_failure_after_the_state_change_leaves_nothing_behind(case, people):
    events = AuditEvent.objects.count()  # the accounts' creation
    failing = mock.patch("approvals.audit.record", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        services.submit(case, by=people.manager)
    assert state(case) == CaseState.DRAFT
    assert not CaseVersion.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_failed_decision_leaves_no_reference_used(case, people):
    to_ready(case, people)
    failing = mock.patch("approvals.audit.record", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        approve(case, people)
    assert state(case) == CaseState.DMPC_REVIEW
    assert not Decision.objects.exists()
    assert approve(case, people).reference == "PCD 1"


def test_reviewers_are_emailed_after_the_change_commits(
    case, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.submit(case, by=people.manager)
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["iam@example.org"]]
    assert f"/staff/cases/{case.pk}/" in mail.outbox[0].body


def test_nothing_is_emailed_when_the_transition_fails(
    case, people, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(NotAllowed):
        services.submit(case, by=people.dmpc)
    assert callbacks == []
    assert mail.outbox == []


def test_every_adviser_and_the_office_hear_when_iam_endorses(
    case, people, django_capture_on_commit_callbacks
):
    to_iam(case, people)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_iam_outcome(
            case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
        )
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted(
        f"{name}@example.org" for name in [*ADVISERS.values(), "dmpc-office", "dmpc"]
    )


def test_each_recommendation_is_decided_and_partly_approved_is_recorded(case, people):
    from approvals.models import AuditAction, AuditEvent, DecisionOutcome
    from tests.workflow import decide_each

    case.recommendations.create(position=2, text="Accept future offers.")
    to_ready(case, people)
    decision = decide_each(case, people, {1: True, 2: False})
    assert decision.outcome == DecisionOutcome.PARTLY_APPROVED
    assert decision.approved_positions() == {1}
    assert [(r.position, r.approved) for r in decision.recommendation_decisions.all()] == [
        (1, True),
        (2, False),
    ]
    event = AuditEvent.objects.filter(action=AuditAction.APPROVED).latest("pk")
    assert event.details["recommendations"] == [
        {"position": 1, "approved": True},
        {"position": 2, "approved": False},
    ]
    assert event.details["no_alternatives"] is True


def test_alternatives_or_none_must_be_said(case, people):
    to_ready(case, people)
    with pytest.raises(WorkflowError, match="or say that none were considered"):
        approve(case, people, no_alternatives=False)
    with pytest.raises(WorkflowError, match="not both"):
        approve(case, people, no_alternatives=True, alternatives_considered="Decline it.")
    with pytest.raises(WorkflowError, match="each recommendation"):
        approve(case, people, approved={})
    assert not case.decisions.exists()


def test_a_standing_authority_is_granted_only_when_its_recommendation_is_approved(case, people):
    from tests.workflow import decide_each

    authority = {"annual_cap": "50000.00", "ends_on": "2028-03-31"}
    case.recommendations.create(position=2, text="Accept future offers up to a cap.")
    to_ready(case, people)
    version = case.current_version()
    document = version.document
    document["recommendations"][1]["standing_authority"] = authority
    type(version).objects.filter(pk=version.pk).update(document=document)
    decision = decide_each(case, people, {1: True, 2: False})
    assert decision.standing_authorities() == []
    assert decision.approved_positions() == {1}
