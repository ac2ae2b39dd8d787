"""IAM and clearance pages in a real browser: recorded with the keyboard alone, and
checked with axe-core, with and without errors on the page."""

import pytest

from approvals.models import AgendaItem, IamOutcome, SignOff
from grants.models import CaseState, GrantCase
from tests.browser.helpers import assert_accessible, focused, sign_in, tab_until
from tests.factories import PASSWORD, make_case
from tests.workflow import to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_secretariat_records_an_outcome_with_the_keyboard_alone(page, people):
    case = make_case(people.manager, title="Organised Crime Grant")
    meeting = to_iam(case, people)
    item = AgendaItem.objects.get()
    sign_in(page, "iam", PASSWORD)

    page.goto(f"/staff/iam/{meeting.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "20 November 2026"
    assert_accessible(page)

    tab_until(page, lambda el: el["text"] == "Record outcome for Organised Crime Grant")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/iam/{meeting.pk}/items/{item.pk}/")
    assert_accessible(page)

    # Sent without a choice: the error summary takes focus and its link leads to the
    # first radio.
    tab_until(page, lambda el: el["text"] == "Record the outcome")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert page.title().startswith("Error: ")
    assert "govuk-error-summary" in focused(page)["cls"]
    assert_accessible(page)
    tab_until(page, lambda el: el["text"] == "Choose what the meeting advised")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_outcome"

    # Space chooses the focused radio; the arrow keys move the choice within the group.
    # Only the chosen outcome's note is revealed, as GOV.UK radios do.
    conditions = page.get_by_label("Conditions", exact=True)
    changes = page.get_by_label("What needs to change")
    assert not conditions.is_visible() and not changes.is_visible()
    page.keyboard.press("Space")
    assert page.get_by_label("Endorse", exact=True).is_checked()
    assert not conditions.is_visible()
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Endorse with conditions").is_checked()
    assert conditions.is_visible() and not changes.is_visible()
    assert page.locator("#id_outcome-2").get_attribute("aria-controls") == (
        "conditional-id_outcome-2"
    )
    page.keyboard.press("ArrowDown")
    assert changes.is_visible() and not conditions.is_visible()
    page.keyboard.press("ArrowUp")
    assert conditions.is_visible() and not changes.is_visible()
    assert_accessible(page)

    assert tab_until(page, lambda el: el["tag"] == "TEXTAREA")["id"] == "id_conditions"
    page.keyboard.type("Report spending to IAM each quarter.")
    # Who attended starts as who was invited; the secretary corrects it.
    attendees = page.get_by_label("Who attended")
    assert attendees.input_value() == "IAM members"
    assert tab_until(page, lambda el: el["tag"] == "TEXTAREA")["id"] == "id_attendees"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Chair\nFinance lead")
    assert tab_until(page, lambda el: el["tag"] == "TEXTAREA")["id"] == "id_minutes"
    page.keyboard.type("Members asked for quarterly reports.")
    tab_until(page, lambda el: el["text"] == "Record the outcome")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/staff/iam/{meeting.pk}/")
    assert (
        "has been recorded: endorsed with conditions"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    item.refresh_from_db()
    assert (item.outcome, item.note, item.minutes, item.meeting.attendees.splitlines()) == (
        IamOutcome.ENDORSED_WITH_CONDITIONS,
        "Report spending to IAM each quarter.",
        "Members asked for quarterly reports.",
        ["Chair", "Finance lead"],
    )
    assert GrantCase.objects.get(pk=case.pk).state == CaseState.DMPC_REVIEW
    assert_accessible(page)


def test_recording_a_meeting_with_a_bad_date_is_accessible(page, people):
    sign_in(page, "iam", PASSWORD)
    page.goto("/staff/iam/")
    assert_accessible(page)
    page.get_by_role("button", name="Record a meeting").click()
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Time").fill("9 o'clock")
    page.get_by_label("Place").fill("Committee Room 4")
    page.get_by_role("button", name="Record the meeting").click()

    summary = page.locator(".govuk-error-summary")
    assert "The date of the meeting must be a real date" in summary.inner_text()
    assert "Enter the time of the meeting as hours and minutes" in summary.inner_text()
    assert "Enter who is invited to the meeting" in summary.inner_text()
    assert page.get_by_label("Time").input_value() == "9 o'clock"
    assert page.get_by_label("Place").input_value() == "Committee Room 4"
    assert_accessible(page)
    summary.get_by_role("link", name="Enter who is invited to the meeting").click()
    assert focused(page)["id"] == "id_invitees"
    summary.get_by_role("link", name="Enter the time of the meeting as hours and minutes").click()
    assert focused(page)["id"] == "id_time"


def test_an_adviser_signs_off_on_accessible_pages(page, people):
    case = make_case(people.manager, title="Organised Crime Grant")
    to_dmpc_review(case, people)
    sign_in(page, "finance", PASSWORD)

    page.goto(f"/staff/cases/{case.pk}/clearance/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign off finance").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign off finance"
    assert_accessible(page)

    page.get_by_role("button", name="Sign off finance").click()
    assert "Choose whether you clear it" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Cleared with advice").check()
    page.get_by_label("Your advice", exact=True).fill("The grant is affordable.")
    page.get_by_role("button", name="Sign off finance").click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/clearance/")
    assert "Signed off" in page.locator("#clearance-finance").inner_text()
    assert SignOff.objects.get().advice == "The grant is affordable."
    assert_accessible(page)
