"""A publisher reviews an uploaded grant agreement before it goes out: fit to publish, with
every check made, or rejected with a reason its uploader is told. Only a reviewed one is
published; the uploader may not review their own; every upload and its review stay in
the history; and the staff home lists the approved cases waiting for an agreement and the
agreements waiting for review."""

import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.accounts.roles import Role
from approvals.audit import verify_chain
from approvals.models import AgreementReview, AuditAction, AuditEvent, GrantAgreement
from approvals.publication import agreements
from approvals.publication import services as publication
from approvals.publication.agreements import (
    CHECKLIST,
    AgreementError,
    confirm_agreement,
    reject_agreement,
    upload_agreement,
)
from approvals.queues import _candidates, queues_for
from approvals.workflow import CaseChanged, NotAllowed, WorkflowError, can
from tests.factories import make_case, make_pdf, make_user
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="agreement.pdf", text="A signed agreement") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf(text), content_type="application/pdf")


def approved_case(people, title="Serious violence grant"):
    case = make_case(people.manager, title=title)
    to_ready(case, people)
    return approve(case, people)


@pytest.fixture
def decision(people):
    return approved_case(people)


@pytest.fixture
def uploaded(decision, people):
    return upload_agreement(decision, pdf("Signed agreement.pdf"), by=people.manager)


def review_url(decision) -> str:
    return f"/staff/cases/{decision.case_id}/agreement/review/"


def agreement_url(decision) -> str:
    return f"/staff/cases/{decision.case_id}/agreement/"


# The service -------------------------------------------------------------------------------


def test_an_upload_waits_for_review_and_is_not_published_with_the_decision(
    decision, uploaded, people
):
    assert uploaded.review == AgreementReview.WAITING
    revision = publication.publish_now(decision.publication, by=people.publisher)
    assert revision.agreement is None


def test_a_reviewed_agreement_is_published_with_the_decision_and_audited(
    decision, uploaded, people
):
    confirm_agreement(uploaded, by=people.publisher, checks=list(CHECKLIST))
    uploaded.refresh_from_db()
    assert uploaded.is_reviewed
    assert uploaded.reviewed_by == people.publisher
    assert uploaded.reviewed_at is not None
    event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_REVIEWED)
    assert event.actor == people.publisher
    assert event.case_id == decision.case_id
    assert event.details == {
        "reference": decision.reference,
        "agreement": uploaded.pk,
        "name": "Signed agreement.pdf",
        "sha256": uploaded.sha256,
        "checks": sorted(CHECKLIST),
    }
    assert verify_chain().intact
    revision = publication.publish_now(decision.publication, by=people.publisher)
    assert revision.agreement == uploaded


@pytest.mark.parametrize("missing", sorted(CHECKLIST))
def test_every_check_must_be_made_to_confirm(decision, uploaded, people, missing):
    checks = [check for check in CHECKLIST if check != missing]
    with pytest.raises(AgreementError, match="Confirm each check"):
        confirm_agreement(uploaded, by=people.publisher, checks=checks)
    uploaded.refresh_from_db()
    assert uploaded.is_waiting
    assert not AuditEvent.objects.filter(action=AuditAction.AGREEMENT_REVIEWED).exists()


def test_a_rejection_needs_a_reason(decision, uploaded, people):
    with pytest.raises(AgreementError, match="Enter why the agreement cannot be published"):
        reject_agreement(uploaded, by=people.publisher, reason="   ")
    uploaded.refresh_from_db()
    assert uploaded.is_waiting


def test_a_rejection_goes_back_to_the_uploader_by_email_and_is_audited(
    decision, uploaded, people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reject_agreement(uploaded, by=people.publisher, reason="  It is not signed by MOPAC. ")
    uploaded.refresh_from_db()
    assert uploaded.is_rejected
    assert uploaded.rejection_reason == "It is not signed by MOPAC."
    event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_REJECTED)
    assert event.details["reason"] == "It is not signed by MOPAC."
    assert event.actor == people.publisher
    [mail] = mailoutbox
    assert mail.to == [people.manager.email]
    assert "had its grant agreement rejected" in mail.subject
    assert "It is not signed by MOPAC." in mail.body
    # Rejected, it is never published.
    publication.publish_now(decision.publication, by=people.publisher)
    assert decision.publication.current_revision().agreement is None


def test_publishers_hear_of_an_upload_waiting_for_their_review(
    decision, people, mailoutbox, django_capture_on_commit_callbacks
):
    other = make_user("second-publisher", Role.PUBLISHER)
    with django_capture_on_commit_callbacks(execute=True):
        upload_agreement(decision, pdf(), by=people.publisher)
    # Every publisher but the uploader, who may not review it.
    assert [mail.to for mail in mailoutbox] == [[other.email]]
    assert "waiting for review" in mailoutbox[0].subject


def test_a_publisher_may_not_review_an_agreement_they_uploaded(decision, people):
    own = upload_agreement(decision, pdf(), by=people.publisher)
    assert can(people.publisher, "review_agreement", decision.case) == (
        "You uploaded this grant agreement, so another publisher must review it."
    )
    with pytest.raises(WorkflowError, match="another publisher must review it"):
        confirm_agreement(own, by=people.publisher, checks=CHECKLIST)
    other = make_user("second-publisher", Role.PUBLISHER)
    confirm_agreement(own, by=other, checks=CHECKLIST)
    own.refresh_from_db()
    assert own.reviewed_by == other


@pytest.mark.parametrize("role", ["manager", "dmpc", "dmpc_office", "iam"])
def test_only_publishers_review(decision, uploaded, people, role):
    with pytest.raises(NotAllowed, match="Only publishers review grant agreements"):
        confirm_agreement(uploaded, by=getattr(people, role), checks=CHECKLIST)
    with pytest.raises(NotAllowed):
        reject_agreement(uploaded, by=getattr(people, role), reason="No.")
    uploaded.refresh_from_db()
    assert uploaded.is_waiting


def test_a_second_review_is_refused_saying_who_reviewed_it(decision, uploaded, people):
    other = make_user("sam", Role.PUBLISHER, last_name="Okafor")
    confirm_agreement(uploaded, by=other, checks=CHECKLIST)
    with pytest.raises(CaseChanged, match="already reviewed by Sam Okafor"):
        reject_agreement(uploaded, by=people.publisher, reason="Too late.")
    uploaded.refresh_from_db()
    assert uploaded.is_reviewed
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_REJECTED).count() == 0


def test_an_agreement_replaced_since_the_page_was_opened_is_not_reviewed(
    decision, uploaded, people
):
    newer = upload_agreement(decision, pdf("corrected.pdf", "Corrected"), by=people.manager)
    with pytest.raises(CaseChanged, match="A newer grant agreement was uploaded"):
        confirm_agreement(uploaded, by=people.publisher, checks=CHECKLIST)
    uploaded.refresh_from_db()
    assert uploaded.is_waiting
    confirm_agreement(newer, by=people.publisher, checks=CHECKLIST)
    assert publication.latest_agreement(decision) == newer


def test_a_reviewed_replacement_is_added_to_a_published_decision_by_publish_due(
    decision, uploaded, people
):
    confirm_agreement(uploaded, by=people.publisher, checks=CHECKLIST)
    publication.publish_now(decision.publication, by=people.publisher)
    rejected = upload_agreement(decision, pdf("v2.pdf", "Second"), by=people.manager)
    reject_agreement(rejected, by=people.publisher, reason="Personal data is not redacted.")
    assert publication.publish_due() == []
    waiting = upload_agreement(decision, pdf("v3.pdf", "Third"), by=people.manager)
    assert publication.publish_due() == []
    confirm_agreement(waiting, by=people.publisher, checks=CHECKLIST)
    [revision] = publication.publish_due()
    assert revision.agreement == waiting
    assert revision.number == 2
    assert revision.note == "The signed grant agreement was added."
    # The earlier revision keeps the agreement it published.
    assert decision.publication.revisions.get(number=1).agreement == uploaded
    assert publication.publish_due() == []


def test_agreements_published_before_reviews_began_count_as_reviewed(decision, people):
    """The migration marks an agreement already on the register as reviewed, and leaves
    every other upload waiting."""
    published = upload_agreement(decision, pdf("old.pdf", "Old"), by=people.manager)
    GrantAgreement.objects.filter(pk=published.pk).update(review=AgreementReview.REVIEWED)
    publication.publish_now(decision.publication, by=people.publisher)
    later = upload_agreement(decision, pdf("new.pdf", "New"), by=people.manager)
    GrantAgreement.objects.update(review=AgreementReview.WAITING)
    migration = importlib.import_module("approvals.migrations.0029_agreement_review")
    migration.published_ones_were_reviewed(apps, None)
    published.refresh_from_db()
    later.refresh_from_db()
    assert published.is_reviewed and published.reviewed_by is None
    assert later.is_waiting


# The review page ---------------------------------------------------------------------------


def test_a_publisher_uploading_through_the_page_is_told_another_must_review_it(
    client, decision, people
):
    client.force_login(people.publisher)
    response = client.post(agreement_url(decision), {"file": pdf("mine.pdf")}, follow=True)
    assert response.redirect_chain == [(f"/staff/cases/{decision.case_id}/", 302)]
    assert (
        "‘mine.pdf’ has been uploaded. Once another publisher has reviewed it, it will be "
        "published with the decision." in response.content.decode()
    )
    assert GrantAgreement.objects.get().uploaded_by == people.publisher


def test_the_review_page_shows_the_file_and_the_checklist(client, decision, uploaded, people):
    client.force_login(people.publisher)
    response = client.get(review_url(decision))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/staff/cases/{decision.case_id}/agreements/{uploaded.pk}/" in page
    for label in CHECKLIST.values():
        assert label in page
    assert 'type="checkbox"' in page and 'type="radio"' in page
    assert "Agreement history" in page


def post_review(client, decision, agreement, *, follow=False, **data):
    return client.post(review_url(decision), {"agreement": agreement.pk, **data}, follow=follow)


def test_confirming_through_the_page_returns_to_the_agreement(client, decision, uploaded, people):
    client.force_login(people.publisher)
    response = post_review(
        client, decision, uploaded, outcome="fit", checks=list(CHECKLIST), follow=True
    )
    assert response.redirect_chain == [(agreement_url(decision), 302)]
    page = response.content.decode()
    assert "‘Signed agreement.pdf’ is reviewed. It will be published with the decision." in page
    assert "Fit to publish" in page
    uploaded.refresh_from_db()
    assert uploaded.is_reviewed


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "outcome", "Select whether the agreement is fit to publish"),
        ({"outcome": "fit", "checks": ["signed"]}, "checks", agreements.TICK_EVERY_CHECK),
        ({"outcome": "reject", "reason": " "}, "reason", agreements.ENTER_A_REASON),
        ({"outcome": "maybe"}, "outcome", "Select whether the agreement is fit to publish"),
    ],
)
def test_a_review_with_something_missing_is_explained_in_the_error_summary(
    client, decision, uploaded, people, data, field, message
):
    client.force_login(people.publisher)
    response = post_review(client, decision, uploaded, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert f'<a href="#id_{field}' in page and message in page
    assert "<title>Error: " in page
    uploaded.refresh_from_db()
    assert uploaded.is_waiting


def test_a_typed_reason_is_kept_when_the_review_is_refused(client, decision, uploaded, people):
    client.force_login(people.publisher)
    response = post_review(
        client, decision, uploaded, outcome="fit", checks=["signed"], reason="Half a thought"
    )
    assert response.status_code == 400
    assert "Half a thought</textarea>" in response.content.decode()


def test_rejecting_through_the_page_shows_the_reason_in_the_history(
    client, decision, uploaded, people
):
    client.force_login(people.publisher)
    response = post_review(
        client, decision, uploaded, outcome="reject", reason="Page 3 shows a home address."
    )
    assert response.status_code == 302
    client.force_login(people.manager)
    page = client.get(agreement_url(decision)).content.decode()
    assert "A publisher rejected ‘Signed agreement.pdf’: Page 3 shows a home address." in page
    assert "Rejected" in page


def test_the_history_keeps_every_upload_with_its_review(client, decision, uploaded, people):
    reject_agreement(uploaded, by=people.publisher, reason="Not signed.")
    second = upload_agreement(decision, pdf("second.pdf", "Second"), by=people.manager)
    confirm_agreement(second, by=people.publisher, checks=CHECKLIST)
    third = upload_agreement(decision, pdf("third.pdf", "Third"), by=people.manager)
    publication.publish_now(decision.publication, by=people.publisher)
    client.force_login(people.manager)
    page = client.get(agreement_url(decision)).content.decode()
    history = page[page.index("Agreement history") :]
    # Newest first: waiting, then the reviewed one on the register, then the rejected one.
    assert history.index("third.pdf") < history.index("second.pdf")
    assert history.index("second.pdf") < history.index("Signed agreement.pdf")
    assert "Waiting for review" in history
    assert "Fit to publish" in history and "On the public register" in history
    assert "Reason: Not signed." in history
    for agreement in (uploaded, second, third):
        assert f"/staff/cases/{decision.case_id}/agreements/{agreement.pk}/" in history


def test_the_review_page_refuses_the_uploader_and_other_roles(client, decision, people):
    upload_agreement(decision, pdf(), by=people.publisher)
    client.force_login(people.publisher)
    response = client.get(review_url(decision))
    assert response.status_code == 403
    assert "another publisher must review it" in response.content.decode()
    client.force_login(people.manager)
    assert client.get(review_url(decision)).status_code == 403


def test_the_review_page_of_a_reviewed_agreement_says_who_reviewed_it(
    client, decision, uploaded, people
):
    other = make_user("sam", Role.PUBLISHER, last_name="Okafor")
    confirm_agreement(uploaded, by=other, checks=CHECKLIST)
    client.force_login(people.publisher)
    response = post_review(client, decision, uploaded, outcome="reject", reason="No.", follow=True)
    assert response.redirect_chain == [(agreement_url(decision), 302)]
    assert "already reviewed by Sam Okafor" in response.content.decode()
    uploaded.refresh_from_db()
    assert uploaded.is_reviewed


# The queues --------------------------------------------------------------------------------


def queue(user, title):
    found = {q.title: q for q in queues_for(user)}
    return found.get(title)


WAITING_FOR_AGREEMENT = "Approved, waiting for the signed agreement"
TO_REVIEW = "Agreements waiting for review"
PUBLISHERS_WAITING = "Approved decisions waiting for their agreement"


def test_the_queues_follow_an_agreement_from_upload_to_review(decision, people):
    case = decision.case
    assert case in queue(people.manager, WAITING_FOR_AGREEMENT).cases
    assert case in queue(people.publisher, PUBLISHERS_WAITING).cases
    assert case not in queue(people.publisher, TO_REVIEW).cases

    agreement = upload_agreement(decision, pdf(), by=people.manager)
    assert case not in queue(people.manager, WAITING_FOR_AGREEMENT).cases
    assert case not in queue(people.publisher, PUBLISHERS_WAITING).cases
    assert case in queue(people.publisher, TO_REVIEW).cases

    reject_agreement(agreement, by=people.publisher, reason="Unsigned.")
    [listed] = queue(people.manager, WAITING_FOR_AGREEMENT).cases
    assert listed.agreement.rejection_reason == "Unsigned."
    assert case in queue(people.publisher, PUBLISHERS_WAITING).cases
    assert case not in queue(people.publisher, TO_REVIEW).cases

    confirm_agreement(
        upload_agreement(decision, pdf("v2.pdf", "v2"), by=people.manager),
        by=people.publisher,
        checks=CHECKLIST,
    )
    assert case not in queue(people.manager, WAITING_FOR_AGREEMENT).cases
    for title in (PUBLISHERS_WAITING, TO_REVIEW):
        assert case not in queue(people.publisher, title).cases


def test_a_grants_manager_sees_only_their_own_cases_waiting(decision, people):
    other = make_user("other-manager", Role.GRANTS_MANAGER)
    assert queue(other, WAITING_FOR_AGREEMENT).cases == []
    assert queue(people.manager, TO_REVIEW) is None
    assert queue(people.manager, PUBLISHERS_WAITING) is None
    assert queue(people.dmpc, WAITING_FOR_AGREEMENT) is None


def test_the_staff_home_links_each_row_to_the_page_of_its_step(client, people):
    waiting = approved_case(people, title="Knife crime grant")
    to_review = approved_case(people, title="Violence reduction grant")
    agreement = upload_agreement(to_review, pdf(), by=people.manager)
    reject_agreement(
        upload_agreement(waiting, pdf(), by=people.manager),
        by=people.publisher,
        reason="The funder has not signed it.",
    )
    client.force_login(people.manager)
    page = client.get("/staff/").content.decode()
    section = page[page.index(WAITING_FOR_AGREEMENT) :]
    assert f'href="{agreement_url(waiting)}">Knife crime grant</a>' in section
    assert "The funder has not signed it." in section

    client.force_login(people.publisher)
    page = client.get("/staff/").content.decode()
    section = page[page.index(TO_REVIEW) : page.index(PUBLISHERS_WAITING)]
    assert f'href="{review_url(to_review)}">Violence reduction grant</a>' in section
    assert agreement.original_name in section
    section = page[page.index(PUBLISHERS_WAITING) :]
    assert f'href="{agreement_url(waiting)}">Knife crime grant</a>' in section


def queries_for_home(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        queues_for(user)
    return len(captured)


def test_the_agreement_queues_cost_a_fixed_number_of_queries(people):
    for n in range(2):
        decision = approved_case(people, title=f"Grant {n}")
        upload_agreement(decision, pdf(), by=people.manager)
        approved_case(people, title=f"Waiting {n}")
    queries_for_home(people.manager), queries_for_home(people.publisher)  # roles read once
    few = {user: queries_for_home(user) for user in (people.manager, people.publisher)}
    for n in range(2, 6):
        decision = approved_case(people, title=f"Grant {n}")
        agreement = upload_agreement(decision, pdf(), by=people.manager)
        if n % 2:
            reject_agreement(agreement, by=people.publisher, reason="No.")
        approved_case(people, title=f"Waiting {n}")
    assert len(queue(people.publisher, TO_REVIEW).cases) == 4
    assert len(queue(people.manager, WAITING_FOR_AGREEMENT).cases) == 8
    many = {user: queries_for_home(user) for user in (people.manager, people.publisher)}
    assert many == few


def test_a_reviewed_agreements_case_is_not_even_read_for_the_queues(decision, people):
    """Decided cases whose agreement is reviewed are left out in the database, so the
    publisher's home does not read every published case ever made."""
    confirm_agreement(
        upload_agreement(decision, pdf(), by=people.manager), by=people.publisher, checks=CHECKLIST
    )
    publication.publish_now(decision.publication, by=people.publisher)
    waiting = approved_case(people, title="Still waiting")
    queues = queues_for(people.publisher)
    candidates = set(_candidates(people.publisher, queues).values_list("pk", flat=True))
    assert waiting.case_id in candidates
    assert decision.case_id not in candidates
