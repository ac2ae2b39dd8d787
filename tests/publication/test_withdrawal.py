"""Taking down what was published in error: one publisher asks, a second confirms, and the
withdrawn revision or agreement leaves every public URL, while the staff keep it."""

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.accounts.roles import Role
from approvals.models import (
    AgreementReview,
    AuditAction,
    AuditEvent,
    GrantAgreement,
    Publication,
    PublishedRevision,
    RegisterCount,
    RegisterEntry,
    Withdrawal,
)
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.publication.agreements import CHECKLIST, confirm_agreement, upload_agreement
from approvals.publication.withdrawal import WithdrawalError
from tests.factories import make_pdf, make_user
from tests.workflow import publish

pytestmark = pytest.mark.django_db

REASON = "It named a member of the public."


@pytest.fixture
def second(db):
    return make_user("second-publisher", Role.PUBLISHER)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def published(people, media) -> Publication:
    return publish(people, title="Knife crime grant")


def correct(publication, people, **changes) -> PublishedRevision:
    return publishing.publish_correction(
        Publication.objects.get(pk=publication.pk),
        by=people.publisher,
        note=changes.pop("note", "Corrected the title."),
        changes=changes,
    )


def withdraw(thing, people, second, reason=REASON) -> Withdrawal:
    asked = withdrawing.request_withdrawal(thing, by=people.publisher, reason=reason)
    return withdrawing.confirm_withdrawal(asked, by=second)


def add_agreement(decision, by, text="Signed grant agreement") -> GrantAgreement:
    """An agreement a publisher has reviewed as fit to publish."""
    content = make_pdf(text)
    return GrantAgreement.objects.create(
        decision=decision,
        file=ContentFile(content, name="agreement.pdf"),
        original_name="agreement.pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
        review=AgreementReview.REVIEWED,
        reviewed_at=timezone.now(),
    )


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def register_total() -> int:
    return RegisterCount.objects.get(funder="", year="", outcome="").count


# Asking and confirming ---------------------------------------------------------------------


def test_a_request_changes_nothing_public_until_a_second_publisher_confirms(
    client, published, people, second
):
    revision = published.current_revision()
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    assert asked.state == Withdrawal.State.REQUESTED
    assert client.get(f"/decisions/{published.slug}/").status_code == 200
    assert client.get(f"/decisions/{published.slug}/document.json").status_code == 200
    assert published.reference in body(client.get("/decisions.csv"))

    done = withdrawing.confirm_withdrawal(asked, by=second)
    assert done.state == Withdrawal.State.CONFIRMED
    assert done.confirmed_by == second
    assert client.get(f"/decisions/{published.slug}/document.json").status_code == 410


def test_the_publisher_who_asked_cannot_confirm(published, people):
    asked = withdrawing.request_withdrawal(
        published.current_revision(), by=people.publisher, reason=REASON
    )
    with pytest.raises(WithdrawalError, match="A second publisher must confirm"):
        withdrawing.confirm_withdrawal(asked, by=people.publisher)
    assert Withdrawal.objects.get().state == Withdrawal.State.REQUESTED


def test_the_database_refuses_a_confirmation_by_the_publisher_who_asked(published, people):
    asked = withdrawing.request_withdrawal(
        published.current_revision(), by=people.publisher, reason=REASON
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Withdrawal.objects.filter(pk=asked.pk).update(
            confirmed_by=people.publisher, confirmed_at=timezone.now()
        )


def test_the_database_refuses_two_open_requests_for_one_revision(published, people):
    revision = published.current_revision()
    withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    with pytest.raises(IntegrityError), transaction.atomic():
        Withdrawal.objects.create(
            publication=published,
            revision=revision,
            reason="Again",
            requested_by=people.publisher,
            requested_at=timezone.now(),
        )


@pytest.mark.parametrize("reason", ["", "   \n ", "x" * (withdrawing.MAX_REASON_LENGTH + 1)])
def test_an_empty_or_overlong_reason_is_refused(published, people, reason):
    with pytest.raises(WithdrawalError, match=r"Enter why|characters or fewer"):
        withdrawing.request_withdrawal(
            published.current_revision(), by=people.publisher, reason=reason
        )
    assert not Withdrawal.objects.exists()


def test_asking_twice_is_refused_while_open_and_once_withdrawn(published, people, second):
    revision = published.current_revision()
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    with pytest.raises(WithdrawalError, match="already waiting for a second publisher"):
        withdrawing.request_withdrawal(revision, by=second, reason=REASON)
    withdrawing.confirm_withdrawal(asked, by=second)
    with pytest.raises(WithdrawalError, match="already withdrawn"):
        withdrawing.request_withdrawal(revision, by=second, reason=REASON)
    with pytest.raises(WithdrawalError, match="no longer open"):
        withdrawing.confirm_withdrawal(asked, by=make_user("third", Role.PUBLISHER))


def test_a_cancelled_request_can_be_asked_again(published, people, second):
    revision = published.current_revision()
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    cancelled = withdrawing.cancel_withdrawal(asked, by=people.publisher)
    assert cancelled.state == Withdrawal.State.CANCELLED
    with pytest.raises(WithdrawalError, match="no longer open"):
        withdrawing.confirm_withdrawal(asked, by=second)
    again = withdrawing.request_withdrawal(revision, by=second, reason=REASON)
    assert again.state == Withdrawal.State.REQUESTED


def test_only_publishers_ask_confirm_or_cancel(published, people, second):
    revision = published.current_revision()
    for person in (people.manager, people.dmpc, people.dmpc_office):
        with pytest.raises(WithdrawalError, match="Only publishers"):
            withdrawing.request_withdrawal(revision, by=person, reason=REASON)
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    for person in (people.manager, people.dmpc):
        with pytest.raises(WithdrawalError, match="Only publishers"):
            withdrawing.confirm_withdrawal(asked, by=person)
        with pytest.raises(WithdrawalError, match="Only publishers"):
            withdrawing.cancel_withdrawal(asked, by=person)
    assert Withdrawal.objects.get().state == Withdrawal.State.REQUESTED


def test_an_agreement_never_published_cannot_be_withdrawn(published, people):
    unpublished = add_agreement(published.decision, people.manager)
    with pytest.raises(WithdrawalError, match="has not been published"):
        withdrawing.request_withdrawal(unpublished, by=people.publisher, reason=REASON)


def test_each_step_is_audited(published, people, second):
    revision = published.current_revision()
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    withdrawing.cancel_withdrawal(asked, by=second)
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason=REASON)
    withdrawing.confirm_withdrawal(asked, by=second)
    events = list(AuditEvent.objects.filter(action__startswith="withdrawal_").order_by("sequence"))
    assert [(e.action, e.actor) for e in events] == [
        (AuditAction.WITHDRAWAL_REQUESTED, people.publisher),
        (AuditAction.WITHDRAWAL_CANCELLED, second),
        (AuditAction.WITHDRAWAL_REQUESTED, people.publisher),
        (AuditAction.WITHDRAWAL_CONFIRMED, second),
    ]
    assert events[-1].details["revision"] == 1
    assert events[-1].details["reason"] == REASON
    assert events[-1].case_id == published.decision.case_id


def test_the_withdrawn_revision_itself_is_never_changed(published, people, second):
    revision = published.current_revision()
    before = PublishedRevision.objects.values().get(pk=revision.pk)
    withdraw(revision, people, second)
    assert PublishedRevision.objects.values().get(pk=revision.pk) == before


# What the public sees --------------------------------------------------------------------------


def test_a_withdrawn_correction_leaves_the_page_which_shows_the_revision_before(
    client, published, people, second
):
    slug = published.slug
    correction = correct(published, people, title="Knife crime grant for Jane Zqxsmith")
    # Drawn and cached with the correction first: the withdrawal must not be served stale.
    assert "Zqxsmith" in body(client.get(f"/decisions/{slug}/"))
    assert "Zqxsmith" in body(client.get("/decisions/"))
    withdraw(correction, people, second, reason="The title named a person.")

    page = body(client.get(f"/decisions/{slug}/"))
    assert "Zqxsmith" not in page
    assert "Knife crime grant" in page
    assert "Revision 2 was withdrawn on" in page
    assert "The title named a person." in page
    for url in ["/decisions/", "/decisions.csv", "/decisions.json", "/decisions/feed/"]:
        text = body(client.get(url))
        assert "Zqxsmith" not in text, url
        assert published.reference in text, url
    assert "0 decisions" in body(client.get("/decisions/?q=Zqxsmith"))
    document = client.get(f"/decisions/{slug}/document.json")
    assert document.status_code == 200
    assert (
        hashlib.sha256(document.content).hexdigest()
        == published.revisions.get(number=1).document_sha256
    )
    assert register_total() == 1


def test_when_every_revision_is_withdrawn_the_decision_leaves_the_register(
    client, published, people, second
):
    slug = published.slug
    assert client.get(f"/decisions/{slug}/").status_code == 200
    assert register_total() == 1
    assert "total,,,1000.00,1" in body(client.get("/grants-accepted.csv"))
    withdraw(published.current_revision(), people, second)

    page = client.get(f"/decisions/{slug}/")
    assert page.status_code == 200
    text = body(page)
    assert "This decision has been withdrawn from the register" in text
    assert REASON in text
    assert "Knife crime grant" not in text
    for suffix in ("document.json", "decision.pdf"):
        assert client.get(f"/decisions/{slug}/{suffix}").status_code == 410
    for url in ["/decisions/", "/decisions.csv", "/decisions.json", "/decisions/feed/"]:
        text = body(client.get(url))
        assert "Knife crime grant" not in text, url
        assert f"/decisions/{slug}/" not in text, url
    assert "0 decisions" in body(client.get("/decisions/?q=Knife"))
    assert json.loads(body(client.get("/decisions.json")))["decisions"] == []
    # Nor is its money counted among the grants accepted.
    assert "total,,,0.00,0" in body(client.get("/grants-accepted.csv"))
    assert register_total() == 0
    assert not RegisterEntry.objects.filter(publication=published).exists()
    assert "0 decisions" in body(client.get("/decisions/?outcome=approved"))


def test_a_corrected_revision_after_a_withdrawal_is_public_again(client, published, people, second):
    withdraw(published.current_revision(), people, second)
    assert register_total() == 0
    revision = correct(published, people, note="Republished without the name.", title="Grant")
    assert revision.number == 2
    assert client.get(f"/decisions/{published.slug}/").status_code == 200
    assert "Revision 1 was withdrawn on" in body(client.get(f"/decisions/{published.slug}/"))
    assert client.get(f"/decisions/{published.slug}/document.json").status_code == 200
    assert published.reference in body(client.get("/decisions.csv"))
    assert register_total() == 1
    assert RegisterEntry.objects.filter(publication=published).exists()


def test_a_correction_follows_the_revision_the_public_sees(published, people, second):
    correction = correct(published, people, reasons="Reasons naming Zqxsmith.", note="More.")
    withdraw(correction, people, second)
    third = correct(published, people, title="A better title", note="Retitled.")
    assert "Zqxsmith" not in json.dumps(third.record)


def test_a_withdrawn_agreement_is_gone_and_a_newer_one_is_published(client, people, second, media):
    publication = publish(people, title="Agreement grant")
    add_agreement(publication.decision, people.manager, text="Agreement naming Zqxsmith")
    publishing.publish_due()
    publication.refresh_from_db()
    revision = publication.current_revision()
    assert revision.agreement is not None
    url = f"/decisions/{publication.slug}/agreement.pdf"
    assert client.get(url).status_code == 200

    withdraw(revision.agreement, people, second, reason="It held personal data.")
    assert client.get(url).status_code == 410
    page = body(client.get(f"/decisions/{publication.slug}/"))
    assert "The signed grant agreement was withdrawn on" in page
    assert "It held personal data." in page
    assert "agreement.pdf" not in page
    # The decision itself stays on the register.
    assert publication.reference in body(client.get("/decisions.csv"))
    # Nothing republishes the withdrawn file by itself.
    assert publishing.publish_due() == []

    newer = upload_agreement(
        publication.decision,
        SimpleUploadedFile("new.pdf", make_pdf("Redacted agreement"), "application/pdf"),
        by=people.manager,
    )
    # Not before a publisher has reviewed it.
    assert publishing.publish_due() == []
    confirm_agreement(newer, by=people.publisher, checks=CHECKLIST)
    [added] = publishing.publish_due()
    assert added.agreement == newer
    response = client.get(url)
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == newer.sha256
    assert "The signed grant agreement was withdrawn" not in body(
        client.get(f"/decisions/{publication.slug}/")
    )


def test_the_register_version_changes_with_a_withdrawal(client, published, people, second):
    first = client.get("/decisions.csv")
    etag = first["ETag"]
    withdraw(published.current_revision(), people, second)
    again = client.get("/decisions.csv", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


# The staff pages ---------------------------------------------------------------------------


def detail_url(publication) -> str:
    return f"/staff/publications/{publication.pk}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_publication_page_offers_to_withdraw_each_revision_and_the_agreement(
    client, people, media
):
    publication = publish(people, title="Agreement grant")
    agreement = add_agreement(publication.decision, people.manager)
    publishing.publish_due()
    client.force_login(people.publisher)
    page = body(client.get(detail_url(publication)))
    assert f"{detail_url(publication)}revisions/1/withdraw/" in page
    assert f"{detail_url(publication)}revisions/2/withdraw/" in page
    assert f"{detail_url(publication)}agreements/{agreement.pk}/withdraw/" in page
    assert "Withdraw this revision" in page
    assert "Withdraw the agreement" in page


def test_asking_through_the_page_keeps_what_was_typed_on_an_error(client, published, people):
    client.force_login(people.publisher)
    url = f"{detail_url(published)}revisions/1/withdraw/"
    form = client.get(url)
    assert form.status_code == 200
    assert "without repeating the personal data" in body(form)
    refused = client.post(url, {"reason": "   "})
    assert refused.status_code == 400
    assert 'href="#id_reason"' in body(refused)
    assert "Enter why it is being withdrawn" in body(refused)
    too_long = "y" * (withdrawing.MAX_REASON_LENGTH + 1)
    refused = client.post(url, {"reason": too_long})
    assert too_long in body(refused)
    assert not Withdrawal.objects.exists()

    asked = client.post(url, {"reason": REASON})
    assert asked.status_code == 302
    assert Withdrawal.objects.get().reason == REASON
    again = client.post(url, {"reason": "Once more"})
    assert "already waiting for a second publisher" in body(again)
    assert "Once more" in body(again)


def test_the_page_shows_each_request_its_state_and_who_confirmed_it(
    client, published, people, second
):
    asked = withdrawing.request_withdrawal(
        published.current_revision(), by=people.publisher, reason=REASON
    )
    client.force_login(people.publisher)
    own = body(client.get(detail_url(published)))
    assert "Waiting for a second publisher" in own
    assert "A second publisher must confirm the withdrawal" in own
    assert f"withdrawals/{asked.pk}/confirm/" not in own
    assert f"withdrawals/{asked.pk}/cancel/" in own

    client.force_login(second)
    theirs = body(client.get(detail_url(published)))
    assert f"withdrawals/{asked.pk}/confirm/" in theirs
    response = client.post(f"{detail_url(published)}withdrawals/{asked.pk}/confirm/")
    assert response.status_code == 302
    assert messages_of(client.get(detail_url(published)))
    page = body(client.get(detail_url(published)))
    assert "Confirmed by Second-Publisher" in page
    assert "Withdrawn" in page
    # Still listed for the staff, with the file the public can no longer fetch.
    assert "Revision 1" in page


def test_confirming_ones_own_request_through_the_page_is_refused(client, published, people):
    asked = withdrawing.request_withdrawal(
        published.current_revision(), by=people.publisher, reason=REASON
    )
    client.force_login(people.publisher)
    response = client.post(f"{detail_url(published)}withdrawals/{asked.pk}/confirm/", follow=True)
    assert "A second publisher must confirm the withdrawal" in messages_of(response)[0]
    assert Withdrawal.objects.get().state == Withdrawal.State.REQUESTED


def test_a_request_of_another_decision_is_not_found(client, published, people, second):
    other = publish(people, title="Another grant")
    asked = withdrawing.request_withdrawal(
        published.current_revision(), by=people.publisher, reason=REASON
    )
    client.force_login(second)
    for action in ("confirm", "cancel"):
        response = client.post(f"{detail_url(other)}withdrawals/{asked.pk}/{action}/")
        assert response.status_code == 404
    assert client.get(f"{detail_url(published)}withdrawals/{asked.pk}/confirm/").status_code == 405
    assert Withdrawal.objects.get().state == Withdrawal.State.REQUESTED


def test_the_withdrawn_agreement_stays_downloadable_for_staff(client, people, second, media):
    publication = publish(people, title="Agreement grant")
    agreement = add_agreement(publication.decision, people.manager)
    publishing.publish_due()
    withdraw(agreement, people, second)
    client.force_login(people.publisher)
    response = client.get(f"/staff/cases/{publication.decision.case_id}/agreements/{agreement.pk}/")
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == agreement.sha256
    assert "private" in response["Cache-Control"]


def test_waiting_requests_are_queued_on_publishers_homes(client, published, people, second):
    withdrawing.request_withdrawal(published.current_revision(), by=people.publisher, reason=REASON)
    client.force_login(second)
    for url in ("/staff/", "/staff/publications/"):
        page = body(client.get(url))
        assert "Withdrawals waiting for a second publisher" in page
        assert f'href="{detail_url(published)}#withdrawals"' in page
    client.force_login(people.publisher)
    assert "A second publisher must confirm" in body(client.get("/staff/"))
    client.force_login(people.manager)
    assert "Withdrawals waiting for a second publisher" not in body(client.get("/staff/"))


def test_the_publication_page_says_which_revision_the_public_sees(
    client, published, people, second
):
    correction = correct(published, people, title="Knife crime grant, corrected")
    withdraw(correction, people, second)
    client.force_login(people.publisher)
    page = body(client.get(detail_url(published)))
    assert "Revision 2 is withdrawn: the public sees revision 1." in page
    withdraw(published.revisions.get(number=1), people, second)
    page = body(client.get(detail_url(published)))
    assert "every revision is withdrawn" in page
    assert f"/decisions/{published.slug}/decision.pdf" not in page


def test_after_its_agreement_is_withdrawn_no_agreement_comes_back_by_itself(
    client, people, second, media
):
    publication = publish(people, title="Agreement grant")
    older = add_agreement(publication.decision, people.manager, text="The first agreement")
    publishing.publish_due()
    newer = add_agreement(publication.decision, people.manager, text="Agreement naming Zqxsmith")
    [replaced] = publishing.publish_due()
    assert replaced.agreement == newer

    withdraw(newer, people, second, reason="It held personal data.")
    # Neither the withdrawn agreement nor the older one it replaced is put back: not by
    # publish_due, nor on a correction's revision.
    assert publishing.publish_due() == []
    corrected = correct(publication, people, title="Agreement grant (corrected)")
    assert corrected.agreement is None
    assert older != newer
    url = f"/decisions/{publication.slug}/agreement.pdf"
    assert client.get(url).status_code == 404
    assert publishing.publish_due() == []
