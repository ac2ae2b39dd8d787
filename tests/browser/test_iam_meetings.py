"""Recording an IAM meeting's details, then who attended and the minutes with the outcome,
in a real browser with the keyboard, checked by every engine at desktop and phone
widths."""

import datetime

import pytest

from approvals import services
from approvals.models import AgendaItem, IamMeeting, IamOutcome
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_iam

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/tmp/shots-meetings"
WIDTHS = (1280, 375)


def shoot(page, name: str):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_meeting_is_recorded_and_its_outcome_with_who_attended(page, people):
    case = make_case(people.manager, title="Organised Crime Grant")
    services.submit(case, by=people.manager)
    sign_in(page, "iam", PASSWORD)

    page.goto("/staff/iam/")
    page.get_by_role("button", name="Record a meeting").click()
    assert_accessible(page)
    shoot(page, "meeting-form")
    page.get_by_label("Day").fill("20")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill(str(datetime.date.today().year + 1))
    page.get_by_label("Time").fill("14:30")
    page.get_by_label("Place").fill("Committee Room 4, City Hall")
    page.get_by_label("Who is invited").fill("Chief Finance Officer (chair)\nHead of Oversight")
    page.get_by_role("button", name="Record the meeting").click()

    meeting = IamMeeting.objects.get()
    page.wait_for_url(f"**/staff/iam/{meeting.pk}/")
    assert (meeting.time, meeting.place) == (datetime.time(14, 30), "Committee Room 4, City Hall")
    summary = page.locator(".govuk-summary-list").first.inner_text()
    assert "14:30" in summary and "Committee Room 4, City Hall" in summary
    assert "Recorded with the first outcome" in summary

    page.get_by_label("Case waiting for IAM").select_option(
        label="Organised Crime Grant (version 1)"
    )
    page.get_by_role("button", name="Add to the agenda").click()
    page.get_by_role("link", name="Record outcome for Organised Crime Grant").click()
    assert page.get_by_label("Who attended").input_value() == (
        "Chief Finance Officer (chair)\nHead of Oversight"
    )

    # The keyboard alone: the first radio, then down to "Not supported", whose reasons
    # are revealed and the others hidden.
    page.get_by_label("Endorse", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.get_by_label("Not supported").is_checked()
    reasons = page.get_by_label("Why IAM does not support it")
    assert reasons.is_visible()
    assert not page.get_by_label("Conditions", exact=True).is_visible()
    page.keyboard.press("Tab")
    page.keyboard.type("Poor value for money.")
    page.get_by_label("Who attended").fill("")
    page.get_by_label("Minutes on this case (optional)").fill("Members doubted the costs.")
    page.get_by_role("button", name="Record the outcome").click()

    # Refused without who attended: the chosen note stays revealed with its text.
    summary = page.locator(".govuk-error-summary")
    assert "Enter who attended the meeting" in summary.inner_text()
    assert reasons.is_visible() and reasons.input_value() == "Poor value for money."
    assert page.get_by_label("Minutes on this case (optional)").input_value() == (
        "Members doubted the costs."
    )
    assert_accessible(page)
    shoot(page, "outcome-error")
    summary.get_by_role("link", name="Enter who attended the meeting").click()
    page.keyboard.type("Chief Finance Officer (chair)")
    page.get_by_role("button", name="Record the outcome").click()

    page.wait_for_url(f"**/staff/iam/{meeting.pk}/")
    item = AgendaItem.objects.get()
    assert (item.outcome, item.minutes) == (IamOutcome.NOT_SUPPORTED, "Members doubted the costs.")
    assert "Members doubted the costs." in page.locator("table").inner_text()
    assert_accessible(page)
    shoot(page, "meeting-page")

    page.goto(f"/staff/cases/{case.pk}/")
    iam = page.locator("#iam ~ .govuk-summary-list").first.inner_text()
    assert "at 14:30" in iam and "Members doubted the costs." in iam
    assert_accessible(page)


def test_the_meeting_page_fits_a_phone_screen(page, people):
    """The agenda scrolls inside its own region; nothing in it, not even text hidden for
    screen readers, makes the page wider than the screen."""
    case = make_case(people.manager, title="Organised Crime Grant")
    meeting = to_iam(case, people)
    sign_in(page, "iam", PASSWORD)
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(f"/staff/iam/{meeting.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") == 375
    assert_accessible(page)


def test_the_meeting_page_offers_the_pack_and_says_which_is_current(page, people):
    case = make_case(people.manager, title="Organised Crime Grant")
    meeting = to_iam(case, people)
    sign_in(page, "iam", PASSWORD)
    page.goto(f"/staff/iam/{meeting.pk}/")
    link = page.get_by_role("link", name="Download the meeting pack (PDF)")
    assert "The first pack will be drawn when it is first downloaded." in page.inner_text("main")
    assert_accessible(page)

    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    page.reload()
    assert "This is pack 1, drawn on" in page.locator("#pack-version").inner_text()
    assert_accessible(page)
    shoot(page, "meeting-pack")
