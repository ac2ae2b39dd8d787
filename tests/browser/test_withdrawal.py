"""Withdrawing from the register as publishers do it: one asks, a second confirms, and the
public page says what was withdrawn, when and why."""

import hashlib
import os

import pytest
from django.core.files.base import ContentFile

from approvals.accounts.roles import Role
from approvals.models import GrantAgreement, Publication, Withdrawal
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.publication.agreements import CHECKLIST, confirm_agreement
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case, make_pdf, make_user
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("WITHDRAWAL_SHOTS")


def shoot(page, name: str) -> None:
    """Screenshots at desktop and phone widths, when asked for, to look at the pages."""
    if not SHOTS:
        return
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def published_with_agreement(people) -> Publication:
    case = make_case(people.manager, title="Knife crime grant")
    to_ready(case, people)
    decision = approve(case, people)
    content = make_pdf("Signed grant agreement")
    agreement = GrantAgreement.objects.create(
        decision=decision,
        file=ContentFile(content, name="agreement.pdf"),
        original_name="Signed agreement.pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=people.manager,
    )
    confirm_agreement(agreement, by=people.publisher, checks=CHECKLIST)
    publishing.publish_now(decision.publication, by=people.publisher)
    publication = Publication.objects.get(pk=decision.publication.pk)
    publishing.publish_correction(
        publication,
        by=people.publisher,
        note="Named the project lead.",
        changes={"title": "Knife crime grant led by Jane Example"},
    )
    return Publication.objects.get(pk=publication.pk)


def test_two_publishers_withdraw_a_revision_and_the_public_page_says_so(
    page, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    publication = published_with_agreement(people)
    second = make_user("second", Role.PUBLISHER)
    sign_in(page, "publisher", PASSWORD)

    page.goto(f"/staff/publications/{publication.pk}/")
    assert page.get_by_role("heading", name="Withdraw from the register").is_visible()
    page.get_by_role("link", name="Withdraw this revision (revision 2)").click()
    assert page.get_by_role("heading", name="Withdraw revision 2").is_visible()
    assert_accessible(page)
    # Without a reason: refused, accessibly.
    page.get_by_role("button", name="Ask to withdraw revision 2").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter why it is being withdrawn" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    shoot(page, "withdraw-error")
    page.get_by_label("Why is it being withdrawn?").fill("The title named a person.")
    page.get_by_role("button", name="Ask to withdraw revision 2").click()
    assert "It stays public until a second publisher confirms" in page.content()
    assert "Waiting for a second publisher" in page.content()
    assert_accessible(page)
    shoot(page, "publication-requested")

    page.context.clear_cookies()
    sign_in(page, "second", PASSWORD)
    queue = page.get_by_role("heading", name="Withdrawals waiting for a second publisher")
    assert queue.is_visible()
    assert_accessible(page)
    shoot(page, "staff-home")
    page.get_by_role("link", name=publication.reference).last.click()
    page.get_by_role("button", name="Confirm the withdrawal of revision 2").click()
    assert "Revision 2 of PCD 1 has been withdrawn from the public register." in page.content()
    assert_accessible(page)
    shoot(page, "publication-withdrawn")
    assert Withdrawal.objects.get().confirmed_by == second

    page.goto(f"/decisions/{publication.slug}/")
    assert page.get_by_role("heading", name="Knife crime grant", exact=True).is_visible()
    notice = page.locator("#withdrawn").inner_text()
    assert "Revision 2 was withdrawn on" in notice
    assert "The title named a person." in notice
    assert "Jane Example" not in page.content()
    assert_accessible(page)
    shoot(page, "decision-with-withdrawal")

    # The agreement, and then the last revision, withdrawn too.
    agreement = GrantAgreement.objects.get()
    withdrawing.confirm_withdrawal(
        withdrawing.request_withdrawal(
            agreement, by=people.publisher, reason="It held personal data."
        ),
        by=second,
    )
    page.goto(f"/decisions/{publication.slug}/")
    assert "The signed grant agreement was withdrawn on" in page.content()
    assert_accessible(page)
    withdrawing.confirm_withdrawal(
        withdrawing.request_withdrawal(
            publication.revisions.get(number=1), by=people.publisher, reason="Published in error."
        ),
        by=second,
    )
    page.goto(f"/decisions/{publication.slug}/")
    assert page.get_by_role(
        "heading", name="This decision has been withdrawn from the register"
    ).is_visible()
    assert "Published in error." in page.content()
    assert_accessible(page)
    shoot(page, "decision-withdrawn")
