"""Hostile input to publication's forms and uploads, offer letters, the rate card, every
public query parameter and any section text. See tests/fuzz/test_staff_forms.py for what
every answer must be."""

import datetime
import string

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Template
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from approvals.documents import pdf
from grants.formatting import render_text
from grants.forms import MoneyField, TimeSensitivityForm
from grants.models import OfferLetter
from tests.fuzz.strategies import (
    DATE_PARTS,
    HOSTILE,
    SCRIPT,
    STALE_LOCKS,
    VALUES,
    check,
    date,
    fields,
    post_and_check,
)
from tests.matrix import client_for
from tests.workflow import publish

pytestmark = pytest.mark.django_db


# Publication and agreements -----------------------------------------------------------------


@settings(max_examples=25)
@given(
    reason=VALUES,
    day=st.sampled_from(["", "1e309", "NaN", "²", "32", "0", SCRIPT, "9" * 40, None]),
    month=DATE_PARTS,
    year=DATE_PARTS,
)
def test_deferring_publication_with_hostile_data_never_fails(world, reason, day, month, year):
    data = {"reason": reason, "until_0": "1" if day is None else day, "until_1": month}
    data["until_2"] = year
    post_and_check(
        world,
        "publisher",
        reverse("approvals:defer", args=[world.deferred.pk]),
        data,
        invalid=day is not None,
        shows=[reverse("approvals:publication", args=[world.deferred.pk])],
    )


@settings(max_examples=25)
@given(
    data=fields(["title", "reasons", "alternatives_considered", "legal_basis", "seen_revision"]),
    note=st.one_of(VALUES, st.sampled_from(["", " ", "x" * 5_001])),
)
def test_correcting_a_published_record_with_hostile_data_never_fails(world, data, note):
    data["note"] = note
    slug = world.publication.slug
    post_and_check(
        world,
        "publisher",
        reverse("approvals:correct", args=[world.publication.pk]),
        data,
        invalid=not note.strip() or len(note.strip()) > 5_000,
        shows=[
            reverse("approvals:publication", args=[world.publication.pk]),
            reverse("decision", args=[slug]),
            reverse("register"),
            reverse("decisions-feed"),
        ],
    )


@settings(max_examples=25)
@given(
    content=st.one_of(
        st.binary(max_size=2_000),
        st.binary(max_size=500).map(lambda b: b"%PDF-1.7\n" + b),
        st.sampled_from([b"", b"%PDF-", b"\x00" * 1000, SCRIPT.encode()]),
    ),
    name=st.one_of(
        VALUES, st.sampled_from(["a.pdf", "../../etc/passwd.pdf", f"{SCRIPT}.pdf", "\x00.pdf"])
    ),
)
def test_uploading_random_bytes_as_an_agreement_stores_nothing(world, content, name):
    upload = SimpleUploadedFile(name or "blank", content, content_type="application/pdf")
    url = reverse("approvals:upload-agreement", args=[world.published.pk])
    stored = sorted(world.decision.agreements.values_list("file", flat=True))
    response = post_and_check(world, "owner", url, {"file": upload}, invalid=True)
    assert response.status_code == 400
    assert sorted(world.decision.agreements.values_list("file", flat=True)) == stored


@settings(max_examples=25)
@given(
    content=st.one_of(
        st.binary(max_size=2_000),
        st.binary(max_size=500).map(lambda b: b"%PDF-1.7\n" + b),
        st.sampled_from(
            [b"", b"%PDF-", b"\x00" * 1000, SCRIPT.encode(), b"%PDF-1.7\n/J#61vaScript (x)"]
        ),
    ),
    name=st.one_of(
        VALUES, st.sampled_from(["a.pdf", "../../etc/passwd.pdf", f"{SCRIPT}.pdf", "\x00.pdf"])
    ),
)
def test_uploading_random_bytes_as_an_offer_letter_keeps_the_letter_it_had(world, content, name):
    upload = SimpleUploadedFile(name or "blank", content, content_type="application/pdf")
    url = reverse("grants:upload-offer-letter", args=[world.draft.pk, world.draft_offer.pk])
    kept = OfferLetter.objects.get(offer=world.draft_offer)
    response = post_and_check(world, "owner", url, {"file": upload}, invalid=True)
    assert response.status_code == 400
    assert OfferLetter.objects.get(offer=world.draft_offer) == kept
    assert default_storage.exists(kept.file.name)


# Costs a rate card entry cannot take, and costs it can.
BAD_COSTS = ["", "1e309", "NaN", "--5", "١٢٣", "9" * 40, "-5", "£", "0.001", SCRIPT, "\x00"]


@settings(max_examples=25)
@given(
    data=fields(["grade", "financial_year"], financial_year=st.one_of(VALUES, st.just("2025/26"))),
    cost=st.one_of(st.sampled_from(BAD_COSTS), st.sampled_from(["52600", "£1m", "0.066m"])),
)
def test_the_rate_card_takes_hostile_entries_without_failing(world, data, cost):
    data["annual_cost"] = cost
    post_and_check(
        world,
        "administrator",
        reverse("rate_card:add"),
        data,
        invalid=cost in BAD_COSTS,
        shows=[reverse("rate_card:list"), reverse("staff-home")],
    )


@settings(max_examples=25)
@given(seen=st.one_of(VALUES, st.sampled_from(STALE_LOCKS)), year=VALUES)
def test_a_rate_card_change_from_a_page_never_rendered_changes_nothing(world, seen, year):
    valid = {"grade": "Band E", "financial_year": "2025/26", "annual_cost": "1", "seen": seen}
    for url in (
        reverse("rate_card:change", args=[world.rate.pk]),
        reverse("rate_card:remove", args=[world.rate.pk]),
    ):
        post_and_check(world, "administrator", url, valid, invalid=True)
    check(client_for(world.users["administrator"]).get(reverse("rate_card:list"), {"year": year}))
    check(client_for(world.users["administrator"]).get(reverse("rate_card:add"), {"year": year}))


@settings(max_examples=25)
@given(
    data=fields(
        ["recommendation", "funder", "financial_year", "note", *date("offer_date")],
        recommendation=st.one_of(VALUES, st.sampled_from(["1", "2"])),
        financial_year=st.one_of(VALUES, st.sampled_from(["2024/25", "2026/27"])),
    ),
    amount=st.one_of(
        st.sampled_from(["1e309", "NaN", "--5", "١٢٣", "9" * 40, "-5", "£", "0.001", SCRIPT]),
        st.sampled_from(["£1m", "250000"]),
    ),
)
def test_accepting_an_offer_under_a_standing_authority_never_fails(world, data, amount):
    data["amount"] = amount
    post_and_check(
        world,
        "owner",
        reverse("approvals:standing-authority", args=[world.standing.pk]),
        data,
        invalid=amount not in ("£1m", "250000"),
        shows=[reverse("approvals:standing-authority", args=[world.standing.pk])],
    )


# Query parameters ---------------------------------------------------------------------------

REGISTER_URLS = ["/decisions/", "/decisions.csv", "/decisions.json", "/decisions/feed/"]
PARAMETER = st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3))


@settings(max_examples=25)
@given(
    params=fields(
        ["q", "year", "funder", "outcome", "page", "format"],
        year=st.one_of(PARAMETER, st.sampled_from(["2025/26", "2025-26", "2099/00"])),
        funder=st.one_of(PARAMETER, st.just("Home Office")),
        outcome=st.one_of(PARAMETER, st.sampled_from(["approved", "rejected"])),
        page=st.one_of(PARAMETER, st.sampled_from(["2", "0", "١", "99999999999999999999"])),
    ),
    path=st.sampled_from(REGISTER_URLS),
)
def test_the_register_and_its_exports_take_any_query(world, params, path):
    response = check(Client().get(path, params))
    assert response.status_code in (200, 400)


@settings(max_examples=25)
@given(
    state=PARAMETER,
    figures=PARAMETER,
    order=PARAMETER,
    versions=fields(
        ["from", "to"], **dict.fromkeys(["from", "to"], st.one_of(VALUES, st.just("1")))
    ),
    method=PARAMETER,
    next_url=PARAMETER,
)
def test_staff_pages_take_any_query(world, state, figures, order, versions, method, next_url):
    ready = world.ready.pk
    client = client_for(world.users["dmpc"])
    check(client.get(reverse("grants:case-list"), {"state": state}))
    check(client.get(reverse("grants:report", args=[ready]), {"figures": figures}))
    check(client.get(reverse("approvals:version", args=[ready, 1]), {"figures": figures}))
    check(client.get(reverse("approvals:history", args=[ready]), {"order": order}))
    check(client.get(reverse("approvals:compare", args=[ready]), versions))
    check(client.get(reverse("mfa-verify"), {"method": method, "next": next_url}))


@settings(max_examples=25)
@given(slug=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1))
def test_any_decision_reference_in_a_public_url_is_found_or_not_found(world, slug):
    client = Client()
    for suffix in ("", "document.json", "decision.pdf", "agreement.pdf"):
        response = check(client.get(f"/decisions/{slug}/{suffix}"))
        assert response.status_code in (200, 404)


# What people write in a report's sections -----------------------------------------------

# Blocks of Markdown, each its own paragraph or list. Long texts are left to the forms'
# tests: laying out 100,000 characters in a PDF takes seconds, and finds nothing new.
MARKDOWN = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from([value for value in HOSTILE if len(value) < 1_000]),
        st.sampled_from(
            [
                "1. first\n2. second",
                "9" * 5_000 + ". far on",
                "99999999999. further",
                "0. zero",
                "- a bullet\n    - nested",
                "**bold** and *italic*",
                "[a link](https://example.org)",
                "[bad](javascript:alert(1))",
                "<b>markup</b> &amp; &#0; &#x110000;",
                "> quoted",
                "```\ncode\n```",
            ]
        ),
    ),
    max_size=5,
).map("\n\n".join)


SECTION = Template("{% load grant_tags %}<h1>A section</h1>{{ text|formatted }}")


@settings(max_examples=25, deadline=None)
@given(text=MARKDOWN)
def test_any_section_text_is_shown_safely_and_laid_out_in_the_decision_pdf(text):
    assert SCRIPT not in render_text(text)
    # Drawn as the decision form draws its sections: tagged, and fetching nothing.
    content = pdf.draw(SECTION, {"text": text}, title="A section")
    assert content.startswith(b"%PDF-")


def test_a_published_list_numbered_from_thousands_of_digits_still_makes_a_pdf(people):
    numbered = "9" * 5_000 + ". A list that starts very far on."
    published = publish(people, title="Far on", introduction=numbered)
    response = Client().get(reverse("decision-pdf", args=[published.slug]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


# What the tests above found, pinned down --------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month"),
    [
        ("²", "3"),
        ("1", "²"),
        ("9" * 20, "3"),
        ("1", "9" * 20),
        ("9" * 5_000, "3"),
        ("1", "9" * 5_000),
    ],
)
def test_a_date_no_one_could_mean_is_refused_with_a_message(day, month):
    form = TimeSensitivityForm({"needed_by_0": day, "needed_by_1": month, "needed_by_2": "2024"})
    assert not form.is_valid()
    assert form.errors["needed_by"] == ["The date the decision is needed by must be a real date"]


def test_a_date_in_other_scripts_digits_is_still_read():
    form = TimeSensitivityForm({"needed_by_0": "١٢", "needed_by_1": "٣", "needed_by_2": "٢٠٢٤"})
    assert form.is_valid()
    assert form.cleaned_data["needed_by"] == datetime.date(2024, 3, 12)


@pytest.mark.parametrize("amount", ["9" * 40, "9" * 27 + ".5", "1" + "0" * 30 + "m"])
def test_an_amount_with_more_digits_than_money_has_is_too_large(amount):
    with pytest.raises(ValidationError) as refused:
        MoneyField(label="Amount").clean(amount)
    assert refused.value.code == "too_large"
