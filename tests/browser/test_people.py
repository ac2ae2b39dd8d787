"""The people around one case, in a real browser: the legal adviser does not clear
version 1 and asks the grants manager a question; the DMPC office returns the case with
the reasons; the manager answers, changes the legal comments and resubmits; the adviser
clears version 2, seeing what changed since they refused; the DMPC approves
recommendation 1 and not recommendation 2, with reasons; and the public page says
exactly that. IAM's steps and the other advisers' sign-offs are taken through the
services: their pages have tests of their own."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from approvals import services
from approvals.models import (
    Answer,
    CaseReturn,
    ClearanceArea,
    Decision,
    DecisionOutcome,
    IamMeeting,
    IamOutcome,
    Question,
    SignOff,
    SignOffOutcome,
)
from approvals.publication import services as publishing
from grants.models import CaseState, GrantCase
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import ADVISERS, to_dmpc_review

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = "The legal comments do not say who may vary the grant's conditions."
QUESTION = "Who may vary the conditions: the Home Office alone, or both parties?"
ANSWER = "Both parties, in writing: clause 14 of the offer letter."
CHANGED = "Both parties may vary the conditions, in writing, under clause 14."
REASONS = "The grant this year is good value; future offers need their own decision."
FUTURE = "Accept future offers of up to £2.000m a year until March 2027."


def others_clear(case, people):
    for area, name in ADVISERS.items():
        if area != ClearanceArea.LEGAL:
            services.sign_off(
                case, by=getattr(people, name), area=area, outcome=SignOffOutcome.CLEARED
            )


def sign_out_and_in(page, username):
    page.context.clear_cookies()
    sign_in(page, username, PASSWORD)
    assert_accessible(page)


def test_a_case_not_cleared_questioned_returned_cleared_and_partly_approved(page, people):
    case = make_case(people.manager, title="Serious Violence Taskforce grant")
    case.recommendations.create(position=2, text=FUTURE)
    to_dmpc_review(case, people)
    others_clear(case, people)

    # The legal adviser does not clear version 1, and asks the manager a question.
    sign_in(page, "legal", PASSWORD)
    page.goto(reverse("approvals:sign-off", args=[case.pk, "legal"]))
    assert "first time this area is asked to clear" in page.content()
    page.get_by_label("Not cleared").check()
    page.get_by_label("Why you cannot clear it").fill(REFUSED)
    assert_accessible(page)
    page.get_by_role("button", name="Sign off legal").click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/clearance/")
    assert_accessible(page)
    assert SignOff.objects.get(area="legal").outcome == SignOffOutcome.NOT_CLEARED

    page.goto(reverse("approvals:questions", args=[case.pk]))
    page.get_by_label("Your question or comment").fill(QUESTION)
    page.get_by_label("Who is the question for? (optional)").select_option(
        f"user:{people.manager.pk}"
    )
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector(".govuk-notification-banner")
    assert_accessible(page)
    question = Question.objects.get()

    # The DMPC office cannot mark it ready, and returns it with the reasons.
    sign_out_and_in(page, "dmpc-office")
    page.goto(reverse("approvals:clearance", args=[case.pk]))
    panel = page.locator("main").inner_text()
    assert "An adviser did not clear this version" in panel
    assert REFUSED in panel
    assert_accessible(page)
    page.get_by_label("Why are you returning the case?").fill(f"Legal: {REFUSED}")
    page.get_by_label("Legal comments").check()
    page.get_by_role("button", name="Return for changes").click()
    page.wait_for_url("**/staff/")
    assert CaseReturn.objects.get().sections == ["legal_comments"]

    # The manager finds the question and the reasons, answers, changes and resubmits.
    sign_out_and_in(page, "manager")
    assert page.get_by_role("heading", name="Questions for you (1)").is_visible()
    page.get_by_role("link", name=re.compile(f"^Question {question.pk}")).click()
    page.get_by_label(f"Your answer to question {question.pk}").fill(ANSWER)
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_selector(".govuk-notification-banner")
    assert_accessible(page)
    assert Answer.objects.get().text == ANSWER

    page.goto(reverse("grants:task-list", args=[case.pk]))
    banner = page.get_by_role("region", name="Returned for changes")
    assert REFUSED in banner.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Legal comments").click()
    page.get_by_label("Legal comments").fill(CHANGED)
    page.get_by_role("button", name=re.compile("^Save")).first.click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/edit/")
    assert GrantCase.objects.get(pk=case.pk).legal_comments == CHANGED

    page.goto(reverse("grants:report", args=[case.pk]))
    assert_accessible(page)
    page.get_by_role("button", name="Submit for IAM review").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Submit")).click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.state == CaseState.IAM_REVIEW
    assert case.versions.count() == 2
    # Once resubmitted, the reasons are history, not the case's current state.
    assert "Returned for changes" not in page.content()

    services.add_to_agenda(IamMeeting.objects.get(), case, by=people.iam)
    services.record_iam_outcome(
        case, by=people.iam, outcome=IamOutcome.ENDORSED, attendees="IAM members"
    )
    others_clear(case, people)

    # The adviser sees what changed since they refused, and clears version 2.
    sign_out_and_in(page, "legal")
    page.goto(reverse("approvals:sign-off", args=[case.pk, "legal"]))
    heading = page.locator("#since-cleared")
    assert heading.inner_text() == "What changed since version 1, which you did not clear"
    changes = page.get_by_role("table", name="Fields that differ")
    assert "Sections › Legal comments" in changes.inner_text()
    assert CHANGED in changes.inner_text()
    assert_accessible(page)
    page.get_by_label("Cleared", exact=True).check()
    page.get_by_role("button", name="Sign off legal").click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/clearance/")
    assert SignOff.objects.get(area="legal", version__number=2).outcome == "cleared"
    services.mark_ready(case, by=people.dmpc_office)

    # The DMPC reads the form, then approves recommendation 1 and not recommendation 2.
    sign_out_and_in(page, "dmpc")
    page.goto(reverse("approvals:decide", args=[case.pk]))
    assert_accessible(page)
    decide_each_recommendation(page, {1: True, 2: False})
    page.get_by_label("Reasons for the decision").fill(REASONS)
    page.get_by_role("group", name="Were alternatives considered?").get_by_label("No").check()
    page.get_by_label("I have no disclosable interests").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    page.wait_for_selector(".govuk-notification-banner")
    assert_accessible(page)

    decision = Decision.objects.get()
    assert decision.outcome == DecisionOutcome.PARTLY_APPROVED
    assert decision.approved_positions() == {1}
    assert decision.reasons == REASONS
    assert decision.standing_authorities() == []

    # The public page shows exactly that.
    publishing.publish_now(decision.publication, by=people.publisher)
    page.context.clear_cookies()
    page.goto(f"/decisions/{decision.publication.slug}/")
    assert_accessible(page)
    facts = page.locator("main").inner_text()
    assert "Partly approved" in facts
    assert "Approved: 1. Not approved: 2." in facts
    assert REASONS in facts
    assert FUTURE in facts
    expect(page.get_by_text(QUESTION)).to_have_count(0)
    expect(page.get_by_text(REFUSED)).to_have_count(0)


def decide_each_recommendation(page, answers: dict[int, bool]):
    page.get_by_label("Approve", exact=True).check()
    for position, yes in answers.items():
        group = page.get_by_role("group", name=f"Approve recommendation {position}")
        group.get_by_label("Yes" if yes else "No", exact=True).check()
