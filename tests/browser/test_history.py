import re

import pytest
from django.db import transaction

from approvals import audit, services
from approvals.models import AuditAction, AuditEvent, CaseVersion, IamOutcome
from grants.models import GrantCase
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import approve, to_iam, to_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def walked(people):
    """Returned by IAM, edited, resubmitted and approved: two versions, a full history."""
    case = make_case(people.manager)
    to_iam(case, people)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.RETURNED,
        note="Make the summary clearer.",
    )
    GrantCase.objects.filter(pk=case.pk).update(executive_summary="A clearer summary.")
    to_ready(case, people)
    approve(case, people)
    return case


def test_the_history_page_is_accessible(page, people, walked):
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{walked.pk}/history/")
    assert page.get_by_role("heading", level=1).inner_text() == "History"
    events = page.get_by_role("list").filter(has=page.locator(".app-timeline__item"))
    assert events.get_by_role("listitem").count() == AuditEvent.objects.filter(case=walked).count()
    assert page.get_by_role("heading", name="Approved", level=2).is_visible()
    assert_accessible(page)

    # A short hash shows only its start, yet the page holds, and copies, all of it.
    first = AuditEvent.objects.filter(case=walked).order_by("sequence").first()
    short = page.locator("code.app-hash--short").first
    assert short.inner_text() == first.hash
    assert short.evaluate("code => code.scrollWidth > code.clientWidth")


def test_versions_are_compared_from_the_versions_page_by_keyboard(page, people, walked):
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{walked.pk}/versions/")
    assert_accessible(page)
    assert page.get_by_label("Compare version").input_value() == "1"
    assert page.get_by_label("with version").input_value() == "2"

    page.get_by_role("button", name="Compare versions").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/versions/compare/\?from=1&to=2$"))
    assert page.get_by_role("heading", name="1 field differs").is_visible()
    changes = page.get_by_role("table", name="Fields that differ")
    row = changes.get_by_role("row", name=re.compile("Sections › Executive summary"))
    assert "A clearer summary." in row.inner_text()
    assert_accessible(page)


def test_a_bad_comparison_shows_an_accessible_error_summary(page, people, walked):
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{walked.pk}/versions/compare/?from=2&to=2")
    summary = page.locator(".govuk-error-summary")
    assert "Choose two different versions to compare" in summary.inner_text()
    assert page.title().startswith("Error: ")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_to"
    assert_accessible(page)


def test_a_version_page_is_accessible(page, people, walked):
    version = CaseVersion.objects.get(case=walked, number=1)
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{walked.pk}/versions/1/")
    assert page.get_by_text("Version 1", exact=True).is_visible()
    assert page.get_by_text(version.sha256).is_visible()
    assert_accessible(page)


LONG_BEFORE = "The grant pays for twelve officers in the regional team for one year from April."
LONG_AFTER = "The grant pays for fourteen officers in the regional team for one year from April."


def test_a_long_text_compared_word_by_word_is_accessible(page, people):
    case = make_case(people.manager, executive_summary=LONG_BEFORE)
    to_iam(case, people)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.RETURNED, note="Fix."
    )
    GrantCase.objects.filter(pk=case.pk).update(executive_summary=LONG_AFTER)
    services.submit(case, by=people.manager)
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/versions/compare/?from=1&to=2")
    changes = page.get_by_role("table", name="Fields that differ")
    row = changes.get_by_role("row", name=re.compile("Sections › Executive summary"))
    assert row.locator("del").text_content() == "[removed: twelve]"
    assert row.locator("ins").text_content() == "[added: fourteen]"
    # Struck through and underlined, not told apart by colour alone.
    assert "line-through" in row.locator("del").evaluate(
        "e => getComputedStyle(e).textDecorationLine"
    )
    assert "underline" in row.locator("ins").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert_accessible(page)


def test_a_long_history_is_paged_accessibly(page, people, walked):
    with transaction.atomic():
        for index in range(60):
            audit.record(
                AuditAction.COMMENT_ADDED, actor=people.iam, case=walked, details={"n": index}
            )
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{walked.pk}/history/")
    assert page.locator(".app-timeline__item").count() == 50
    pagination = page.get_by_role("navigation", name="Pagination")
    pagination.get_by_role("link", name="Next page").click()
    page.wait_for_url(re.compile(r"\?page=2$"))
    total = AuditEvent.objects.filter(case=walked).count()
    assert page.locator(".app-timeline__item").count() == total - 50
    assert page.get_by_role("link", name="Page 2").get_attribute("aria-current") == "page"
    assert_accessible(page)
