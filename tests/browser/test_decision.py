import pytest
from playwright.sync_api import expect

from approvals.models import Decision
from grants.models import Recommendation
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_ready

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/tmp/shots-decidepage"


def test_the_dmpc_decides_on_an_accessible_page(page, people):
    case = make_case(people.manager, title="Serious violence grant")
    to_ready(case, people)
    sign_in(page, "dmpc", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_role("button", name="Decide").click()
    assert page.get_by_role("heading", name="Your decision").is_visible()
    assert_accessible(page)

    # A decision without a password is refused, accessibly, and nothing is signed.
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("group", name="Approve recommendation 1").get_by_label("Yes").check()
    page.get_by_role("group", name="Were alternatives considered?").get_by_label("No").check()
    page.get_by_label("I have no disclosable interests").check()
    page.get_by_role("button", name="Sign the decision").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your password to sign the decision" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    assert not Decision.objects.exists()

    page.get_by_label("Reasons for the decision").fill("Good value for London.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    assert (
        "Decision PCD 1 signed: approved."
        in page.locator(".govuk-notification-banner").inner_text()
    )
    decision = Decision.objects.get()
    assert decision.reasons == "Good value for London." and decision.no_alternatives
    assert_accessible(page)


def test_the_dmpc_reads_the_report_then_approves_one_recommendation_of_two(page, people):
    case = make_case(people.manager, title="Serious violence grant")
    Recommendation.objects.create(case=case, position=2, text="Extend the project by a year.")
    to_ready(case, people)
    sign_in(page, "dmpc", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/decide/")

    # What will be signed comes first: the report, IAM's outcome, the clearance; then the
    # decision.
    headings = [
        page.get_by_role("heading", name=name, exact=True)
        for name in (
            "The report, as it will be published",
            "IAM’s outcome",
            "Officer and clearance checklist",
            "Your decision",
        )
    ]
    tops = [heading.bounding_box()["y"] for heading in headings]
    assert tops == sorted(tops)
    outcome = page.get_by_role("group", name="What is your decision?")
    assert outcome.bounding_box()["y"] > tops[-1]

    # Nothing chosen yet: the revealed questions are hidden until their radio is chosen.
    first = page.get_by_role("group", name="Approve recommendation 1: Approve the grant?")
    second = page.get_by_role(
        "group", name="Approve recommendation 2: Extend the project by a year?"
    )
    expect(first).to_be_hidden()
    expect(page.get_by_label("Describe the alternatives considered")).to_be_hidden()
    expect(page.get_by_label("Describe the interests you are declaring")).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=f"{SHOTS}/decide-1280.png", full_page=True)

    # By keyboard: focus the outcome radios, choose Approve with the space bar.
    page.get_by_label("Approve", exact=True).focus()
    page.keyboard.press("Space")
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    first.get_by_label("Yes").focus()
    page.keyboard.press("Space")
    second.get_by_label("No").focus()
    page.keyboard.press("Space")
    alternatives = page.get_by_role("group", name="Were alternatives considered?")
    alternatives.get_by_label("Yes").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Describe the alternatives considered")).to_be_visible()
    page.get_by_label("Describe the alternatives considered").fill("Declining the grant.")
    page.get_by_label("My interests are").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Describe the interests you are declaring")).to_be_visible()
    page.get_by_label("I have no disclosable interests").check()
    expect(page.get_by_label("Describe the interests you are declaring")).to_be_hidden()
    assert_accessible(page)

    # Without reasons the decision is refused; what was chosen and typed is kept.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the reasons for your decision")
    expect(first).to_be_visible()
    expect(first.get_by_label("Yes")).to_be_checked()
    expect(second.get_by_label("No")).to_be_checked()
    expect(page.get_by_label("Describe the alternatives considered")).to_have_value(
        "Declining the grant."
    )
    summary.get_by_role("link", name="Enter the reasons for your decision").click()
    expect(page.get_by_label("Reasons for the decision")).to_be_focused()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=f"{SHOTS}/decide-errors-375.png", full_page=True)
    assert not Decision.objects.exists()

    page.get_by_label("Reasons for the decision").fill("The first is good value; not the second.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Decision PCD 1 signed: partly approved."
    )
    assert Decision.objects.get().approved_positions() == {1}


def test_with_scripts_off_every_question_shows(chromium, live_server, people):
    case = make_case(people.manager)
    to_ready(case, people)
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "dmpc", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/decide/")
    for label in (
        "Describe the alternatives considered",
        "Describe the interests you are declaring",
    ):
        expect(page.get_by_label(label)).to_be_visible()
    expect(page.get_by_role("group", name="Approve recommendation 1")).to_be_visible()
    context.close()
