"""Offer letters: uploading, replacing and removing an offer's letter from the case
editor, and downloading it for anyone who may see the case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from approvals import uploads
from approvals.uploads import UploadLimit
from grants import letters
from grants.forms.letters import OfferLetterForm
from grants.models import GrantCase, GrantOffer
from grants.permissions import get_case_for_editing, get_case_for_user
from grants.views.pages import form_page, posted_data

form_view = require_http_methods(["GET", "HEAD", "POST"])


def _offer_of(case: GrantCase, offer_pk: int) -> tuple[int, GrantOffer]:
    """The offer, with its number on the case's offers page; 404 for another case's."""
    for number, offer in enumerate(case.offers.all(), start=1):
        if offer.pk == offer_pk:
            return number, offer
    raise Http404("No such offer in this case")


def _editing(request: HttpRequest, pk: int, offer_pk: int):
    case = get_case_for_editing(request.user, pk, GrantCase.objects.with_contents())
    number, offer = _offer_of(case, offer_pk)
    return case, number, offer


@csrf_exempt  # checked by _upload, once the size limit is in place
@login_required
@form_view
def upload_letter(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    # The CSRF check reads the request's body, after which its upload handlers are fixed.
    limit = UploadLimit(request, uploads.max_bytes())
    request.upload_handlers.insert(0, limit)
    return _upload(request, pk, offer_pk, limit)


@csrf_protect
def _upload(request: HttpRequest, pk: int, offer_pk: int, limit: UploadLimit) -> HttpResponse:
    case, number, offer = _editing(request, pk, offer_pk)
    posted = request.method == "POST"
    form = OfferLetterForm(
        posted_data(request), request.FILES if posted else None, too_large=limit.too_large
    )
    if posted and form.is_valid():
        try:
            letter = letters.upload_letter(offer, form.cleaned_data["file"], by=request.user)
        except letters.LetterError as refused:
            form.add_error("file", str(refused))
        else:
            messages.success(
                request, f"‘{letter.original_name}’ has been uploaded as offer {number}’s letter"
            )
            return redirect("grants:edit-offers", case.pk)
    return form_page(
        request,
        "grants/editor/offer_letter.html",
        {"case": case, "offer": offer, "number": number, "form": form},
    )


@login_required
@form_view
def remove_letter(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    case, number, offer = _editing(request, pk, offer_pk)
    letter = getattr(offer, "letter", None)
    if letter is None:
        raise Http404("This offer has no offer letter")
    refusal = None
    if request.method == "POST":
        try:
            letters.remove_letter(offer, by=request.user)
        except letters.LetterError as refused:
            refusal = str(refused)
        else:
            messages.success(request, f"Offer {number}’s letter has been removed")
            return redirect("grants:edit-offers", case.pk)
    return render(
        request,
        "grants/editor/offer_letter_remove.html",
        {"case": case, "offer": offer, "number": number, "letter": letter, "refusal": refusal},
        status=409 if refusal else 200,
    )


@login_required
@require_safe
def letter_pdf(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, GrantCase.objects.with_contents())
    _, offer = _offer_of(case, offer_pk)
    letter = getattr(offer, "letter", None)
    if letter is None:
        raise Http404("This offer has no offer letter")
    return letters.letter_response(letter)
