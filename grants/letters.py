"""Offer letters: the funder's letter making each grant offer, as a PDF, uploaded by the
case's grants managers while the case is a draft, and read by everyone who reviews the
case. Never published.

A letter is checked and stored as approvals.uploads says of every uploaded PDF. A new
letter replaces the offer's old one; the old file is deleted once the replacement is
committed, as is the file of a letter removed with its offer.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.http import FileResponse

from approvals import audit, uploads
from approvals.models import AuditAction
from grants.models import GrantCase, GrantOffer, OfferLetter
from grants.money import financial_year_label
from grants.permissions import can_edit_case

NOT_STORED = (
    "The offer letter could not be saved. Try again. If it keeps happening, contact the "
    "service team"
)
OFFER_GONE = "This offer has been removed from the case since you opened this page."
NO_LETTER = "This offer has no offer letter to remove."


# An offer letter refused or not removed, by the checks of approvals.uploads or because
# the case cannot be changed; the message says why.
LetterError = uploads.UploadError


def _offer_facts(offer: GrantOffer) -> dict:
    return {
        "offer": offer.pk,
        "funder": offer.funder.name,
        "financial_year": financial_year_label(offer.financial_year),
    }


def _letter_facts(letter: OfferLetter) -> dict:
    return {"name": letter.original_name, "size": letter.size, "sha256": letter.sha256}


def _locked_offer(offer: GrantOffer, by: AbstractBaseUser) -> tuple[GrantCase, GrantOffer]:
    """Lock the offer's case, check the actor may change it, and read the offer again."""
    case = GrantCase.objects.select_for_update().get(pk=offer.case_id)
    allowed, reason = can_edit_case(by, case)
    if not allowed:
        raise LetterError(reason)
    current = (
        GrantOffer.objects.select_related("funder", "letter").filter(pk=offer.pk, case=case).first()
    )
    if current is None:
        raise LetterError(OFFER_GONE)
    return case, current


def _delete_when_committed(names: list[str]) -> None:
    storage = OfferLetter._meta.get_field("file").storage
    for name in names:
        transaction.on_commit(lambda name=name: uploads.discard(storage, name))


def upload_letter(offer: GrantOffer, uploaded_file: File, *, by: AbstractBaseUser) -> OfferLetter:
    """Store an offer's letter, replacing any it had, and record it in the audit trail."""
    allowed, reason = can_edit_case(by, offer.case)
    if not allowed:
        raise LetterError(reason)
    name = uploads.display_name(uploaded_file.name, "offer-letter")
    size, sha256 = uploads.check_pdf(uploaded_file)

    letter = OfferLetter(offer=offer, original_name=name, size=size, sha256=sha256, uploaded_by=by)
    stored = uploads.store(letter, uploaded_file, refused=NOT_STORED)
    try:
        with transaction.atomic():
            case, current = _locked_offer(offer, by)
            details = {**_offer_facts(current), **_letter_facts(letter)}
            replaced = getattr(current, "letter", None)
            if replaced is not None:
                details["replaced"] = _letter_facts(replaced)
                replaced.delete()
                _delete_when_committed([replaced.file.name])
            letter.offer = current
            letter.save()
            audit.record(AuditAction.OFFER_LETTER_UPLOADED, actor=by, case=case, details=details)
    except BaseException:
        uploads.discard(letter.file.storage, stored)
        raise
    return letter


def remove_letter(offer: GrantOffer, *, by: AbstractBaseUser) -> None:
    with transaction.atomic():
        case, current = _locked_offer(offer, by)
        letter = getattr(current, "letter", None)
        if letter is None:
            raise LetterError(NO_LETTER)
        letter.delete()
        audit.record(
            AuditAction.OFFER_LETTER_REMOVED,
            actor=by,
            case=case,
            details={**_offer_facts(current), **_letter_facts(letter)},
        )
        _delete_when_committed([letter.file.name])


def remove_letters_of(case: GrantCase, offer_ids, *, by: AbstractBaseUser) -> None:
    """Record the removal of the letters of offers being removed from a case, and delete
    their files once that is committed. Called inside the transaction removing them."""
    letters = OfferLetter.objects.filter(offer__case=case, offer_id__in=offer_ids)
    for letter in letters.select_related("offer__funder"):
        audit.record(
            AuditAction.OFFER_LETTER_REMOVED,
            actor=by,
            case=case,
            details={**_offer_facts(letter.offer), **_letter_facts(letter), "with_offer": True},
        )
        _delete_when_committed([letter.file.name])


def letter_response(letter: OfferLetter) -> FileResponse:
    """An offer letter from storage, as a download that no cache may keep."""
    response = uploads.pdf_response(
        letter,
        filename=letter.original_name,
        default="offer-letter",
        missing="The offer letter file is missing",
    )
    response["Cache-Control"] = "private, no-store"
    return response
