import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.models import GrantAgreement, Publication
from approvals.publication.agreements import upload_agreement
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case, make_pdf
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db(transaction=True)


def approved_case(people, title: str):
    case = make_case(people.manager, title=title)
    to_ready(case, people)
    return approve(case, people)


def banner(page) -> str:
    return page.locator(".govuk-notification-banner").inner_text()


def test_a_publisher_publishes_one_decision_and_defers_another(page, people):
    approved_case(people, "Knife crime grant")
    approved_case(people, "Serious violence grant")
    sign_in(page, "publisher", PASSWORD)

    page.goto("/staff/publications/")
    assert page.get_by_role("heading", name="Waiting to be published").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="PCD 1").click()
    assert page.get_by_role("heading", name="Knife crime grant").is_visible()
    assert "The grant agreement has not been uploaded." in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Publish now").click()
    assert "PCD 1 has been published" in banner(page)
    assert page.get_by_role("heading", name="Revisions").is_visible()
    assert page.get_by_role("heading", name="Publish a correction").is_visible()
    assert_accessible(page)

    page.goto("/staff/publications/")
    page.get_by_role("link", name="PCD 2").click()
    # A deferral without its date or reason is refused, accessibly.
    page.get_by_role("button", name="Defer publication").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter the date to publish on" in summary.inner_text()
    assert "Enter why publication is being deferred" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    day = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Why is publication being deferred?").fill("A trial is under way.")
    page.get_by_role("button", name="Defer publication").click()
    assert f"It will be published at 9am on {day:%-d %B %Y}." in banner(page)

    deferred = Publication.objects.get(reference="PCD 2")
    assert deferred.deferral_reason == "A trial is under way."
    assert deferred.published_at is None
    assert Publication.objects.get(reference="PCD 1").published_at is not None

    page.goto("/staff/publications/")
    assert "A trial is under way." in page.content()
    page.get_by_role("link", name="Check which decisions were published on time").click()
    assert "1 of 1 published on time (100%)" in page.content()
    assert_accessible(page)


def test_a_grants_manager_uploads_the_agreement(page, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    decision = approved_case(people, "Serious violence grant")
    not_a_pdf = tmp_path / "agreement.pdf"
    not_a_pdf.write_text("This is a letter, not a PDF.")
    signed = tmp_path / "Signed agreement.pdf"
    signed.write_bytes(make_pdf())

    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{decision.case_id}/agreement/")
    assert page.get_by_role("heading", name="Signed grant agreement").is_visible()
    assert_accessible(page)

    page.get_by_label("Upload the signed grant agreement").set_input_files(not_a_pdf)
    page.get_by_role("button", name="Upload the agreement").click()
    summary = page.locator(".govuk-error-summary")
    assert "The selected file must be a PDF" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    assert not GrantAgreement.objects.exists()

    page.get_by_label("Upload the signed grant agreement").set_input_files(signed)
    page.get_by_role("button", name="Upload the agreement").click()
    page.wait_for_url(f"**/staff/cases/{decision.case_id}/")
    assert "‘Signed agreement.pdf’ has been uploaded." in banner(page)
    agreement = GrantAgreement.objects.get()
    assert agreement.original_name == "Signed agreement.pdf"

    page.goto(f"/staff/cases/{decision.case_id}/agreement/")
    assert page.get_by_role("heading", name="Newest upload").is_visible()
    assert page.get_by_role("link", name="Signed agreement.pdf").first.is_visible()
    assert "is waiting for a publisher to review it" in page.content()
    assert "If the funder sends a corrected agreement, upload it below." in page.content()
    assert_accessible(page)


def test_a_publisher_reviews_an_agreement_and_the_queues_follow_it(
    page, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    decision = approved_case(people, "Serious violence grant")
    approved_case(people, "Knife crime grant")
    upload_agreement(
        decision,
        SimpleUploadedFile("Signed agreement.pdf", make_pdf(), content_type="application/pdf"),
        by=people.manager,
    )

    sign_in(page, "publisher", PASSWORD)
    review = page.get_by_role("table", name="Agreements waiting for review")
    assert review.get_by_role("link", name="Serious violence grant").is_visible()
    waiting = page.get_by_role("table", name="Approved decisions waiting for their agreement")
    assert waiting.get_by_role("link", name="Knife crime grant").is_visible()
    assert_accessible(page)

    review.get_by_role("link", name="Serious violence grant").click()
    assert page.get_by_role("heading", name="Review the grant agreement").is_visible()
    assert_accessible(page)
    # Neither outcome, then "not fit" without a reason: refused, each in the summary.
    page.get_by_role("button", name="Save the review").click()
    summary = page.locator(".govuk-error-summary")
    assert "Select whether the agreement is fit to publish" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("Yes, publish it: I have made every check").check()
    page.get_by_label("It is signed by the funder and by MOPAC").check()
    page.get_by_label("If not, why not?").fill("Draft thoughts")
    page.get_by_role("button", name="Save the review").click()
    assert "Confirm each check" in summary.inner_text()
    assert page.get_by_label("If not, why not?").input_value() == "Draft thoughts"
    assert page.get_by_label("It is signed by the funder and by MOPAC").is_checked()
    assert_accessible(page)
    summary.get_by_role("link", name="Confirm each check").click()

    page.get_by_label("No, send it back to the person who uploaded it").check()
    page.get_by_label("If not, why not?").fill("Page 3 shows a named officer’s home address.")
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_url(f"**/staff/cases/{decision.case_id}/agreement/")
    assert "is rejected. Its uploader has been told why." in banner(page)
    assert "Page 3 shows a named officer’s home address." in page.content()
    assert_accessible(page)
    assert GrantAgreement.objects.get().is_rejected

    page.context.clear_cookies()
    sign_in(page, "manager", PASSWORD)
    queue = page.get_by_role("table", name="Approved, waiting for the signed agreement")
    assert "Page 3 shows a named officer’s home address." in queue.inner_text()
    assert_accessible(page)
    queue.get_by_role("link", name="Serious violence grant").click()
    assert page.get_by_role("heading", name="Agreement history").is_visible()
    assert_accessible(page)
