"""Offer letters: a case's grants managers upload each offer's letter while the case is a
draft, checked as agreements are; replacing or removing one deletes its file once that is
committed; reviewers read the letters with the case; nobody else can."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import uploads
from approvals.accounts.roles import Role
from approvals.models import AuditAction, AuditEvent
from grants import letters
from grants.letters import LetterError
from grants.models import GrantOffer, OfferLetter
from tests.factories import make_case, make_pdf, make_user
from tests.workflow import to_iam, to_ready

pytestmark = pytest.mark.django_db

LETTER = make_pdf("Offer letter from the Home Office")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def draft(manager):
    return make_case(manager, title="A draft with an offer")


@pytest.fixture
def offer(draft):
    return draft.offers.get()


def pdf_upload(name="Home Office offer.pdf", content=LETTER):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(media) -> list[str]:
    return sorted(p.name for p in Path(media).rglob("*") if p.is_file())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_letter_is_stored_under_a_random_name_with_its_hash_and_audited(media, offer, manager):
    letter = letters.upload_letter(offer, pdf_upload("../../Offer: HO.html"), by=manager)
    assert letter.original_name == "Offer: HO.pdf"
    assert letter.sha256 == hashlib.sha256(LETTER).hexdigest()
    assert letter.size == len(LETTER)
    assert letter.file.name.startswith("offer-letters/") and "HO" not in letter.file.name
    assert stored_files(media) == [Path(letter.file.name).name]
    event = AuditEvent.objects.get(action=AuditAction.OFFER_LETTER_UPLOADED)
    assert event.case_id == offer.case_id
    assert event.details == {
        "offer": offer.pk,
        "funder": "Home Office",
        "financial_year": "2025/26",
        "name": "Offer: HO.pdf",
        "size": len(LETTER),
        "sha256": letter.sha256,
    }


def test_a_new_letter_replaces_the_old_one_and_its_file(
    media, offer, manager, django_capture_on_commit_callbacks
):
    first = letters.upload_letter(offer, pdf_upload("first.pdf"), by=manager)
    second_pdf = make_pdf("Revised offer letter")
    with django_capture_on_commit_callbacks(execute=True):
        second = letters.upload_letter(offer, pdf_upload("second.pdf", second_pdf), by=manager)
    assert OfferLetter.objects.get() == second
    assert stored_files(media) == [Path(second.file.name).name]
    event = AuditEvent.objects.filter(action=AuditAction.OFFER_LETTER_UPLOADED).last()
    assert event.details["replaced"] == {
        "name": "first.pdf",
        "size": first.size,
        "sha256": first.sha256,
    }
    assert event.details["sha256"] == hashlib.sha256(second_pdf).hexdigest()


def test_removing_a_letter_deletes_it_and_its_file(
    media, offer, manager, django_capture_on_commit_callbacks
):
    letters.upload_letter(offer, pdf_upload(), by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        letters.remove_letter(offer, by=manager)
    assert not OfferLetter.objects.exists()
    assert stored_files(media) == []
    removed = AuditEvent.objects.get(action=AuditAction.OFFER_LETTER_REMOVED)
    assert removed.details["name"] == "Home Office offer.pdf"
    with pytest.raises(LetterError, match="no offer letter"):
        letters.remove_letter(offer, by=manager)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.pdf", b"Dear MOPAC, we offer you money.", uploads.NOT_A_PDF),
        ("letter.pdf", b"", uploads.EMPTY),
        ("letter.pdf", LETTER[: len(LETTER) // 2], uploads.DAMAGED),
        ("letter.pdf", b"%PDF-1.7\n/OpenAction /JS (app.alert(1))", None),
        ("nul\x00.pdf", LETTER, uploads.BAD_NAME),
    ],
)
def test_a_file_that_is_not_a_clean_pdf_is_refused_and_leaves_nothing(
    media, offer, manager, name, content, message
):
    with pytest.raises(LetterError) as refused:
        letters.upload_letter(offer, pdf_upload(name, content), by=manager)
    if message:
        assert str(refused.value) == message
    else:
        assert "JavaScript" in str(refused.value)
    assert not OfferLetter.objects.exists()
    assert stored_files(media) == []
    assert not AuditEvent.objects.filter(action=AuditAction.OFFER_LETTER_UPLOADED).exists()


def test_a_failure_after_storing_deletes_the_file(media, offer, manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is down")

    monkeypatch.setattr(letters.audit, "record", broken)
    with pytest.raises(RuntimeError):
        letters.upload_letter(offer, pdf_upload(), by=manager)
    assert not OfferLetter.objects.exists()
    assert stored_files(media) == []


def test_only_the_cases_grants_managers_upload_while_it_is_a_draft(media, offer, people):
    other = make_user("other-manager", Role.GRANTS_MANAGER)
    for person in (other, people.iam):
        with pytest.raises(LetterError, match="Only the case’s grants managers"):
            letters.upload_letter(offer, pdf_upload(), by=person)
    to_iam(offer.case, people)
    with pytest.raises(LetterError, match="returned to draft"):
        letters.upload_letter(GrantOffer.objects.get(pk=offer.pk), pdf_upload(), by=people.manager)
    assert stored_files(media) == []


def test_removing_an_offer_removes_its_letter_and_file(
    media, draft, offer, manager, manager_client, django_capture_on_commit_callbacks
):
    letters.upload_letter(offer, pdf_upload(), by=manager)
    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        from grants import services

        services.save_offers(draft, [], by=manager, lock_version=draft.lock_version)
    assert not GrantOffer.objects.filter(case=draft).exists()
    assert not OfferLetter.objects.exists()
    assert stored_files(media) == []
    removed = AuditEvent.objects.get(action=AuditAction.OFFER_LETTER_REMOVED)
    assert removed.details["with_offer"] is True


# The pages ----------------------------------------------------------------------------------


def test_the_offers_page_links_each_saved_offer_to_its_letter(media, draft, offer, manager_client):
    url = reverse("grants:upload-offer-letter", args=[draft.pk, offer.pk])
    page = manager_client.get(reverse("grants:edit-offers", args=[draft.pk])).content.decode()
    assert f'href="{url}"' in page and "No offer letter" in page

    assert manager_client.get(url).status_code == 200
    response = manager_client.post(url, {"file": pdf_upload()})
    assert response.status_code == 302
    assert response["Location"] == reverse("grants:edit-offers", args=[draft.pk])
    page = manager_client.get(reverse("grants:edit-offers", args=[draft.pk])).content.decode()
    assert "Home Office offer.pdf" in page


def test_a_refused_upload_says_why_on_the_page(media, draft, offer, manager_client):
    url = reverse("grants:upload-offer-letter", args=[draft.pk, offer.pk])
    empty = manager_client.post(url, {})
    assert empty.status_code == 400
    assert "Select the offer letter" in empty.content.decode()
    wrong = manager_client.post(url, {"file": pdf_upload("notes.pdf", b"plain text")})
    assert wrong.status_code == 400
    assert uploads.NOT_A_PDF in wrong.content.decode()
    assert not OfferLetter.objects.exists()


def test_an_upload_over_the_limit_is_refused(media, draft, offer, manager_client, settings):
    settings.AGREEMENT_MAX_BYTES = 1000
    url = reverse("grants:upload-offer-letter", args=[draft.pk, offer.pk])
    response = manager_client.post(url, {"file": pdf_upload(content=LETTER + b" " * 1000)})
    assert response.status_code == 400
    assert "must be smaller than 1,000 bytes" in response.content.decode()
    assert stored_files(media) == []


def test_the_remove_page_asks_then_removes(media, draft, offer, manager, manager_client):
    url = reverse("grants:remove-offer-letter", args=[draft.pk, offer.pk])
    assert manager_client.get(url).status_code == 404  # nothing to remove yet
    letters.upload_letter(offer, pdf_upload(), by=manager)
    assert "Are you sure" in manager_client.get(url).content.decode()
    assert manager_client.post(url).status_code == 302
    assert not OfferLetter.objects.exists()


def test_reviewers_read_the_letter_on_the_report_and_the_decide_page(media, people):
    case = make_case(people.manager, title="A case ready for decision")
    offer = case.offers.get()
    letters.upload_letter(offer, pdf_upload(), by=people.manager)
    to_ready(case, people)
    link = reverse("grants:offer-letter", args=[case.pk, offer.pk])
    for person, page in (
        (people.iam, reverse("grants:report", args=[case.pk])),
        (people.finance, reverse("grants:report", args=[case.pk])),
        (people.dmpc, reverse("approvals:decide", args=[case.pk])),
    ):
        html = client_for(person).get(page).content.decode()
        assert f'href="{link}"' in html, (person, page)
        assert "Home Office offer.pdf" in html

    response = client_for(people.dmpc).get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == LETTER
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_letter_is_only_for_those_who_may_see_the_case(media, draft, offer, manager):
    letters.upload_letter(offer, pdf_upload(), by=manager)
    link = reverse("grants:offer-letter", args=[draft.pk, offer.pk])
    assert client_for(manager).get(link).status_code == 200
    # A draft is its grants managers' alone.
    assert client_for(make_user("iam-secretary", Role.IAM_SECRETARIAT)).get(link).status_code == 404
    assert client_for(make_user("other", Role.GRANTS_MANAGER)).get(link).status_code == 404
    assert Client().get(link).status_code == 302
    # Another case's offer, under this case's address, is not found.
    other_case = make_case(manager, title="Another case")
    other_link = reverse("grants:offer-letter", args=[other_case.pk, offer.pk])
    assert client_for(manager).get(other_link).status_code == 404


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_cost_as_many_queries_however_many_offers_have_letters(
    media, draft, offer, manager, manager_client
):
    letters.upload_letter(offer, pdf_upload(), by=manager)
    pages = [
        reverse("grants:edit-offers", args=[draft.pk]),
        reverse("grants:upload-offer-letter", args=[draft.pk, offer.pk]),
        reverse("grants:offer-letter", args=[draft.pk, offer.pk]),
        reverse("grants:report", args=[draft.pk]),
    ]
    before = [queries(manager_client, url) for url in pages]
    for year in (2026, 2027):
        more = GrantOffer.objects.create(
            case=draft, funder=offer.funder, amount=0, financial_year=year
        )
        letters.upload_letter(more, pdf_upload(f"{year}.pdf"), by=manager)
    assert [queries(manager_client, url) for url in pages] == before
