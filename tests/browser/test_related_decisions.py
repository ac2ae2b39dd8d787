"""Linking a case to earlier decisions, in a real browser: the staff note for a decision
not yet published, and the answer for a reference the person cannot use, are accessible."""

import pytest
from django.utils import timezone

from approvals.publication import services as publishing
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import decide_only

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_link_to_an_unpublished_decision_is_shown_as_a_staff_note(page, people):
    deferred = decide_only(people, title="A deferred grant")
    publishing.defer(
        deferred.publication,
        by=people.publisher,
        until=timezone.now() + timezone.timedelta(days=30),
        reason="An operation is under way.",
    )
    case = make_case(people.manager, title="A citing grant")
    sign_in(page, "manager", PASSWORD)

    page.goto(f"/staff/cases/{case.pk}/related/")
    page.get_by_label("Decision reference").fill("PCD 404")
    page.get_by_label("It varies that decision").check()
    page.get_by_role("button", name="Add the link").click()
    summary = page.locator(".govuk-error-summary")
    assert "There is no published decision PCD 404. Check the reference." in summary.inner_text()
    assert page.get_by_label("Decision reference").input_value() == "PCD 404"
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_reference"
    assert_accessible(page)

    page.get_by_label("Decision reference").fill(deferred.reference)
    page.get_by_role("button", name="Add the link").click()
    page.wait_for_url(f"**/staff/cases/{case.pk}/related/")
    assert "added as a staff note" in page.locator(".govuk-notification-banner").inner_text()
    assert page.get_by_text("Not yet published, so not in the report").is_visible()
    assert_accessible(page)

    page.goto(f"/staff/cases/{case.pk}/")
    note = page.locator("#staff-notes")
    assert f"This case varies {deferred.reference}, which is not yet published." in (
        note.inner_text()
    )
    assert page.locator("#related-decisions").count() == 0
    assert_accessible(page)
