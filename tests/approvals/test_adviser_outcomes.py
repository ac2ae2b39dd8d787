"""Advisers' outcomes (cleared, with advice, not cleared), the DMPC office's return of a
case an adviser did not clear, and the reasons each return carries."""

import pytest
from django.core import mail

from approvals import services
from approvals.models import (
    AuditAction,
    AuditEvent,
    CaseReturn,
    ClearanceArea,
    IamOutcome,
    ReturnedBy,
    SignOff,
    SignOffOutcome,
)
from approvals.notifications import current_return
from approvals.services import NotAllowed, WorkflowError
from grants.models import CaseState, GrantCase
from tests.factories import PASSWORD, make_case
from tests.workflow import ADVISERS, sign_all, to_dmpc_review, to_iam


@pytest.fixture
def case(people):
    return make_case(people.manager)


def fresh(case):
    return GrantCase.objects.get(pk=case.pk)


def test_not_cleared_needs_a_reason_and_writes_nothing_without_one(case, people):
    to_dmpc_review(case, people)
    with pytest.raises(WorkflowError, match="reason you cannot clear it"):
        services.sign_off(
            case,
            by=people.finance,
            area=ClearanceArea.FINANCE,
            outcome=SignOffOutcome.NOT_CLEARED,
            advice="   ",
        )
    assert not SignOff.objects.exists()


def test_cleared_needs_no_text_but_with_advice_does(case, people):
    to_dmpc_review(case, people)
    signed = services.sign_off(
        case, by=people.finance, area=ClearanceArea.FINANCE, outcome=SignOffOutcome.CLEARED
    )
    assert signed.outcome == SignOffOutcome.CLEARED
    with pytest.raises(WorkflowError, match="Enter your advice"):
        services.sign_off(
            case,
            by=people.legal,
            area=ClearanceArea.LEGAL,
            outcome=SignOffOutcome.CLEARED_WITH_ADVICE,
        )


def not_clear_legal(case, people, reason="The grant terms are unlawful."):
    for area, name in ADVISERS.items():
        services.sign_off(
            case,
            by=getattr(people, name),
            area=area,
            outcome=SignOffOutcome.NOT_CLEARED if area == ClearanceArea.LEGAL else "cleared",
            advice=reason if area == ClearanceArea.LEGAL else "",
        )


def test_not_cleared_blocks_ready_and_names_the_area(case, people):
    to_dmpc_review(case, people)
    not_clear_legal(case, people)
    with pytest.raises(WorkflowError, match="Not cleared: legal"):
        services.mark_ready(case, by=people.dmpc_office)
    assert fresh(case).ready_for_decision_at is None


def test_not_cleared_tells_the_managers_and_the_office(
    case, people, django_capture_on_commit_callbacks
):
    to_dmpc_review(case, people)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off(
            case,
            by=people.legal,
            area=ClearanceArea.LEGAL,
            outcome=SignOffOutcome.NOT_CLEARED,
            advice="The grant terms are unlawful.",
        )
    to = {address for message in mail.outbox for address in message.to}
    assert people.manager.email in to
    assert people.dmpc_office.email in to
    assert people.dmpc.email not in to
    assert all("The grant terms are unlawful." in message.body for message in mail.outbox)


def test_the_office_returns_a_case_not_cleared_with_reasons(case, people):
    to_dmpc_review(case, people)
    with pytest.raises(WorkflowError, match="only when an adviser has not cleared"):
        services.office_return(case, by=people.dmpc_office, reasons="No reason yet.")
    not_clear_legal(case, people)
    with pytest.raises(NotAllowed):
        services.office_return(case, by=people.dmpc, reasons="Not mine to return.")
    with pytest.raises(WorkflowError, match="Enter the reasons"):
        services.office_return(case, by=people.dmpc_office, reasons=" ")
    assert fresh(case).state == CaseState.DMPC_REVIEW
    assert not CaseReturn.objects.exists()

    returned = services.office_return(
        case, by=people.dmpc_office, reasons="Legal did not clear it.", sections=["costs"]
    )
    assert fresh(case).state == CaseState.DRAFT
    assert returned.returned_by == ReturnedBy.DMPC_OFFICE
    assert returned.sections == ["costs"]
    event = AuditEvent.objects.filter(case=case).latest("pk")
    assert event.action == AuditAction.RETURNED
    assert event.details["reasons"] == "Legal did not clear it."


def test_iam_and_dmpc_returns_record_their_reasons(case, people):
    to_iam(case, people)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.RETURNED,
        note="Costs are unclear.",
    )
    iam_return = CaseReturn.objects.get()
    assert (iam_return.returned_by, iam_return.reasons) == (ReturnedBy.IAM, "Costs are unclear.")

    services.submit(case, by=people.manager)
    to_dmpc_review_again(case, people)
    sign_all(case, people)
    services.decide(case, by=people.dmpc, outcome="return", password=PASSWORD, reasons="Say more.")
    dmpc_return = CaseReturn.objects.latest("pk")
    assert (dmpc_return.returned_by, dmpc_return.reasons) == (ReturnedBy.DMPC, "Say more.")
    assert dmpc_return.version.number == 2


def to_dmpc_review_again(case, people):
    from approvals.models import IamMeeting

    meeting = IamMeeting.objects.latest("pk")
    services.add_to_agenda(meeting, case, by=people.iam)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )


def test_reasons_are_current_until_the_case_is_resubmitted(
    case, people, django_capture_on_commit_callbacks
):
    to_iam(case, people)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_iam_outcome(
            case,
            by=people.iam,
            attendees="IAM members",
            outcome=IamOutcome.RETURNED,
            note="Costs are unclear.",
        )
    assert current_return(fresh(case)).reasons == "Costs are unclear."
    assert any("Costs are unclear." in message.body for message in mail.outbox)
    services.submit(case, by=people.manager)
    assert current_return(fresh(case)) is None
    assert CaseReturn.objects.count() == 1


def test_the_office_returns_through_the_clearance_page_keeping_typed_text(client, case, people):
    to_dmpc_review(case, people)
    not_clear_legal(case, people)
    client.force_login(people.dmpc_office)
    url = f"/staff/cases/{case.pk}/office-return/"
    assert "Return for changes" in client.get(f"/staff/cases/{case.pk}/clearance/").content.decode()

    response = client.post(url, {"reasons": "  ", "seen_version": "1"})
    assert response.status_code == 400
    assert "Enter the reasons to return the case" in response.content.decode()

    response = client.post(url, {"reasons": "Legal said no.", "seen_version": "7"}, follow=True)
    assert fresh(case).state == CaseState.DMPC_REVIEW

    client.post(url, {"reasons": "Legal said no.", "seen_version": "1"})
    assert fresh(case).state == CaseState.DRAFT
    assert CaseReturn.objects.get().reasons == "Legal said no."


def test_the_sign_off_page_asks_for_an_outcome_and_keeps_typed_text(client, case, people):
    to_dmpc_review(case, people)
    client.force_login(people.legal)
    url = f"/staff/cases/{case.pk}/clearance/legal/"
    # Advice typed under another outcome does not count as the reason.
    response = client.post(
        url, {"outcome": "not_cleared", "advice": "Fine.", "reason": "", "seen_version": "1"}
    )
    assert response.status_code == 400
    assert '<a href="#id_reason">Enter the reason you cannot clear it</a>' in (
        response.content.decode()
    )
    response = client.post(url, {"reason": "Kept text.", "seen_version": "1"})
    assert response.status_code == 400
    assert "Kept text." in response.content.decode()
    client.post(
        url,
        {"outcome": "not_cleared", "advice": "Typed first.", "reason": "Unlawful."}
        | {"seen_version": "1"},
    )
    signed = SignOff.objects.get()
    assert (signed.outcome, signed.advice) == (SignOffOutcome.NOT_CLEARED, "Unlawful.")


def test_the_case_page_shows_the_reasons_until_resubmitted(client, case, people):
    to_iam(case, people)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.RETURNED,
        note="Costs are unclear.",
    )
    client.force_login(people.manager)
    url = f"/staff/cases/{case.pk}/"
    assert "Costs are unclear." in client.get(url).content.decode()
    services.submit(case, by=people.manager)
    assert "Costs are unclear." not in client.get(url).content.decode()
