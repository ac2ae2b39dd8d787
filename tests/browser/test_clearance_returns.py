"""A case returned by the DMPC office and signed off again, in a real browser: the
office's return form, the case page's banner, the grants manager's task list with the
reasons, and the adviser's sign-off page with what changed and the revealed texts, each
checked with every engine, used with the keyboard and seen at 1280 and 375 pixels."""

from pathlib import Path

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import CaseReturn, ClearanceArea, IamMeeting, IamOutcome, SignOff
from grants.models import GrantCase
from tests.browser.helpers import assert_accessible, focused, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import ADVISERS, to_dmpc_review

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots-clearance2")
BEFORE = (
    "The grant agreement is lawful. MOPAC may accept it under its general powers, and the "
    "conditions impose no duty it cannot meet."
)
AFTER = (
    "The grant agreement is lawful. MOPAC may accept it under its general powers, and the "
    "reporting conditions impose no duty the MPS cannot meet by March."
)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def not_cleared_by_legal(case, people):
    for area, name in ADVISERS.items():
        legal = area == ClearanceArea.LEGAL
        services.sign_off(
            case,
            by=getattr(people, name),
            area=area,
            outcome="not_cleared" if legal else "cleared",
            advice="The conditions are unlawful." if legal else "",
        )


def test_a_return_and_a_second_sign_off_are_accessible(page, people):
    case = make_case(people.manager, title="Organised Crime Grant", legal_comments=BEFORE)
    to_dmpc_review(case, people)
    not_cleared_by_legal(case, people)

    # The office returns the case, naming a section.
    sign_in(page, "dmpc-office", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/office-return/")
    page.get_by_role("button", name="Return for changes").click()
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.get_by_label("Why are you returning the case?").fill("Legal did not clear it.")
    page.get_by_label("Legal comments").check()
    assert_accessible(page)
    shoot(page, "office-return")
    page.get_by_role("button", name="Return for changes").click()
    # The draft is no longer the office's to see: it goes back to its work.
    page.wait_for_url("**/staff/")
    assert "is returned to its grants managers" in page.get_by_role("alert").inner_text()
    assert CaseReturn.objects.get().sections == ["legal_comments"]

    # The grants manager sees the reasons and the section on the task list.
    page.context.clear_cookies()
    sign_in(page, "manager", PASSWORD)
    page.goto(reverse("grants:task-list", args=[case.pk]))
    banner = page.get_by_role("region", name="Returned for changes")
    assert "Legal did not clear it." in banner.inner_text()
    legal = page.get_by_role("link", name="Legal comments")
    assert "asked for changes here" in legal.evaluate(
        "link => link.getAttribute('aria-describedby').split(' ')"
        ".map(id => document.getElementById(id).textContent).join(' ')"
    )
    assert_accessible(page)
    shoot(page, "task-list")
    page.goto(reverse("grants:report", args=[case.pk]))
    banner = page.get_by_role("region", name="Returned for changes")
    assert "Legal did not clear it." in banner.inner_text()
    assert_accessible(page)
    shoot(page, "case-page")

    edited = GrantCase.objects.get(pk=case.pk)
    edited.legal_comments = AFTER
    edited.save()
    services.submit(edited, by=people.manager)
    services.add_to_agenda(IamMeeting.objects.latest("pk"), edited, by=people.iam)
    services.record_iam_outcome(
        edited, by=people.iam, outcome=IamOutcome.ENDORSED, attendees="IAM members"
    )

    # Finance cleared version 1: the sign-off of version 2 says what changed.
    page.context.clear_cookies()
    sign_in(page, "finance", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/clearance/finance/")
    since = page.locator("#since-cleared")
    assert since.inner_text() == "What changed since you cleared version 1"
    table = page.get_by_role("table", name="Fields that differ")
    assert "Sections › Legal comments" in table.inner_text()
    assert "[added: the MPS]" in table.text_content()

    advice = page.get_by_label("Your advice", exact=True)
    reason = page.get_by_label("Why you cannot clear it")
    assert not advice.is_visible() and not reason.is_visible()
    # To the first radio with the keyboard, then through the outcomes with the arrows.
    for _ in range(80):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "id_outcome":
            break
    page.keyboard.press("Space")
    assert page.get_by_label("Cleared", exact=True).is_checked()
    assert not advice.is_visible()
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Cleared with advice").is_checked()
    assert advice.is_visible() and not reason.is_visible()
    assert page.locator("#id_outcome-2").get_attribute("aria-controls") == (
        "conditional-id_outcome-2"
    )
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Not cleared").is_checked()
    assert reason.is_visible() and not advice.is_visible()
    assert_accessible(page)
    shoot(page, "sign-off-reveal")

    # An empty reason: the summary links to the field, which is revealed again.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Sign off finance").press("Enter")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert page.get_by_label("Not cleared").is_checked()
    assert_accessible(page)
    shoot(page, "sign-off-error")
    summary.get_by_role("link", name="Enter the reason you cannot clear it").click()
    assert focused(page)["id"] == "id_reason"
    page.keyboard.type("The new reporting condition is not affordable.")
    page.get_by_role("button", name="Sign off finance").click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/clearance/")
    signed = SignOff.objects.get(version__number=2, area=ClearanceArea.FINANCE)
    assert (signed.outcome, signed.advice) == (
        "not_cleared",
        "The new reporting condition is not affordable.",
    )
