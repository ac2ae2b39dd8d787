"""Nothing that is not published reaches a public URL.

Distinctive words are planted wherever unpublished or exempt information lives: Part 2
(whose exemption ground alone is published, on the decision form), a draft's title and
sections, a case under review, an approved decision not yet published, a deferred one and
its reason, advisers' advice, IAM minutes, the name of an agreement uploaded for an
unpublished decision, the published decision's offer letter (its name, its text and
its hash: offer letters are never published), and what was published and then withdrawn:
a correction, an agreement (its name and its text) and a decision's only revision. Then
every public URL is fetched, including searches for each planted word, and none may
appear."""

import hashlib
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from approvals import services
from approvals.accounts.roles import Role
from approvals.models import (
    AgendaItem,
    ClearanceArea,
    GrantAgreement,
    IamMeeting,
    Publication,
)
from approvals.publication import historic
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.publication.agreements import upload_agreement
from approvals.publication.historic import ImportRefused
from grants.letters import upload_letter
from grants.models import GrantCase, OfferLetter
from tests.factories import make_case, make_pdf, make_user
from tests.money import decided_with_offers, deferred_with_offers
from tests.publication.historic_files import csv_bytes, historic_row
from tests.workflow import ADVISERS, approve, decide_only, to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db

# Published: the decision form says why Part 2 is exempt, never what it holds.
EXEMPTION_GROUND = "zqxexemptionground"
PLANTED = {
    "part2": "zqxpartwocontent",
    "draft title": "zqxdrafttitle",
    "draft section": "zqxdraftsection",
    "under review": "zqxunderreview",
    "unpublished title": "zqxunpublishedtitle",
    "deferred title": "zqxdeferredtitle",
    "deferral reason": "zqxdeferralreason",
    "advice": "zqxadvisersadvice",
    "minutes": "zqxiamminutes",
    "item minutes": "zqxagendaitemminutes",
    "attendees": "zqxiamattendees",
    "place": "zqxiamplace",
    "invitees": "zqxiaminvitees",
    "agreement name": "zqxagreementname",
    "offer letter name": "zqxofferlettername",
    "offer letter text": "zqxofferlettertext",
    "refused import": "zqxrefusedimport",
    "withdrawn correction title": "zqxwithdrawntitle",
    "withdrawn correction reasons": "zqxwithdrawnreasons",
    "withdrawn correction note": "zqxwithdrawnnote",
    "withdrawn agreement name": "zqxwithdrawnagreementname",
    "withdrawn agreement text": "zqxwithdrawnagreementtext",
    "withdrawn decision title": "zqxwithdrawndecision",
    "unpublished funder": "zqxunpublishedfunder",
    "unpublished amount": "98,765.43",
    "unpublished amount in data": "98765.43",
    "deferred funder": "zqxdeferredfunder",
    "deferred amount": "87,654.32",
    "deferred amount in data": "87654.32",
}
STATIC_PAGES = ["/", "/accessibility/", "/privacy/", "/open-data/"]
LISTS = [
    "/decisions/",
    "/decisions.csv",
    "/decisions.json",
    "/decisions/feed/",
    "/decisions/datapackage.json",
    "/audit-anchors/",
    "/audit-anchors.json",
    "/grants-accepted/",
    "/grants-accepted.csv",
]
PER_DECISION = ["/", "/document.json", "/decision.pdf", "/agreement.pdf"]


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_agreement(decision, by, *, name: str) -> GrantAgreement:
    content = blank_pdf()
    return GrantAgreement.objects.create(
        decision=decision,
        file=ContentFile(content, name="agreement.pdf"),
        original_name=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
    )


@pytest.fixture
def planted(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    # Published, with Part 2, internal advice and IAM minutes behind it.
    case = make_case(
        people.manager,
        title="A published grant",
        part2_content=f"Exempt: {PLANTED['part2']}.",
        part2_exemption_reason=f"Because {EXEMPTION_GROUND}.",
    )
    upload_letter(
        case.offers.get(),
        SimpleUploadedFile(
            f"{PLANTED['offer letter name']}.pdf",
            make_pdf(f"Offer letter {PLANTED['offer letter text']}"),
            content_type="application/pdf",
        ),
        by=people.manager,
    )
    to_dmpc_review(case, people)
    IamMeeting.objects.update(
        minutes=f"Minutes: {PLANTED['minutes']}.",
        attendees=f"Chair {PLANTED['attendees']}",
        place=f"Room {PLANTED['place']}",
        invitees=f"Chair {PLANTED['invitees']}",
    )
    AgendaItem.objects.update(minutes=f"On this case: {PLANTED['item minutes']}.")
    for area, name in ADVISERS.items():
        services.sign_off(
            case,
            by=getattr(people, name),
            area=ClearanceArea(area),
            advice=f"{area.label}: {PLANTED['advice']}.",
        )
    services.mark_ready(case, by=people.dmpc_office)
    published = approve(case, people)
    add_agreement(published, people.manager, name="Signed agreement.pdf")
    publishing.publish_now(published.publication, by=people.publisher)

    # Not published, at each stage.
    make_case(
        people.manager,
        title=PLANTED["draft title"],
        executive_summary=f"Summary {PLANTED['draft section']}.",
        introduction=f"Introduction {PLANTED['draft section']}.",
    )
    to_iam(make_case(people.manager, title=PLANTED["under review"]), people)
    unpublished = decide_only(people, title=PLANTED["unpublished title"])
    add_agreement(unpublished, people.manager, name=f"{PLANTED['agreement name']}.pdf")
    deferred = decide_only(people, title=PLANTED["deferred title"])
    publishing.defer(
        deferred.publication,
        by=people.publisher,
        until=timezone.now() + timezone.timedelta(days=30),
        reason=f"Operation {PLANTED['deferral reason']}.",
    )
    # Money not yet published: no total, chart or CSV may name its funder or amount.
    decided_with_offers(people, [("Zqxunpublishedfunder", "98765.43")], title="Awaiting")
    deferred_with_offers(people, [("Zqxdeferredfunder", "87654.32")], title="Deferred money")
    # An import of the earlier register refused for one bad row: its good rows are not
    # published either.
    refused = [
        historic_row(7001, title=f"Imported {PLANTED['refused import']}"),
        historic_row(7002, summary=f"Summary {PLANTED['refused import']}.", date_signed="soon"),
    ]
    with pytest.raises(ImportRefused):
        historic.import_decisions(csv_bytes(refused))

    plant_withdrawals(people)
    return published.publication


def plant_withdrawals(people) -> None:
    """Published, then withdrawn with a second publisher's confirmation: a correction and
    an agreement of a decision that stays published, and a decision's only revision."""
    second = make_user("second-publisher", Role.PUBLISHER)

    def withdraw(thing):
        asked = withdrawing.request_withdrawal(
            thing, by=people.publisher, reason="Published in error."
        )
        withdrawing.confirm_withdrawal(asked, by=second)

    corrected = decide_only(people, title="A corrected grant")
    agreement = upload_agreement(
        corrected,
        SimpleUploadedFile(
            f"{PLANTED['withdrawn agreement name']}.pdf",
            make_pdf(f"Agreement {PLANTED['withdrawn agreement text']}"),
            content_type="application/pdf",
        ),
        by=people.manager,
    )
    publishing.publish_now(corrected.publication, by=people.publisher)
    correction = publishing.publish_correction(
        Publication.objects.get(pk=corrected.publication.pk),
        by=people.publisher,
        note=f"Added {PLANTED['withdrawn correction note']}.",
        changes={
            "title": f"A corrected grant {PLANTED['withdrawn correction title']}",
            "reasons": f"Reasons {PLANTED['withdrawn correction reasons']}.",
        },
    )
    withdraw(correction)
    withdraw(agreement)

    gone = decide_only(people, title=f"Grant {PLANTED['withdrawn decision title']}")
    publishing.publish_now(gone.publication, by=people.publisher)
    withdraw(Publication.objects.get(pk=gone.publication.pk).current_revision())


def public_urls() -> list[str]:
    urls = STATIC_PAGES + LISTS
    # Every decision's URLs, published or not: the unpublished ones must answer 404.
    for slug in Publication.objects.values_list("slug", flat=True):
        urls += [f"/decisions/{slug}{suffix}" for suffix in PER_DECISION]
    for word in PLANTED.values():
        urls += [f"{path}?q={word}" for path in LISTS[:3]]
    urls += ["/decisions/?page=2", "/decisions/?outcome=approved", "/decisions/?funder=x"]
    return urls


def readable(response) -> str:
    """Everything a visitor receives: headers and the body, with a PDF's text extracted."""
    # The test client closes a streamed response once it has been read to the end.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    if response.get("Content-Type", "").startswith("application/pdf") and content:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    else:
        text = content.decode("utf-8", errors="replace")
    return f"{headers}\n{text}".casefold()


def test_no_public_url_shows_anything_unpublished_or_exempt(client, planted):
    # The planted words are really there to be leaked.
    assert GrantCase.objects.filter(title=PLANTED["draft title"]).exists()
    assert GrantAgreement.objects.filter(original_name__contains=PLANTED["agreement name"])
    letter = OfferLetter.objects.get(original_name__contains=PLANTED["offer letter name"])
    statuses = {}
    for url in public_urls():
        response = client.get(url)
        statuses[url] = response.status_code
        text = readable(response)
        searched = parse_qs(urlsplit(url).query).get("q", [""])[0]
        if searched and url.startswith("/decisions/?"):
            # The search page repeats what was searched for; it must find nothing.
            assert "0 decisions" in text, url
            text = text.replace(searched, "")
        if searched and url.startswith("/decisions.json?"):
            # The JSON's metadata repeats the search its rows match; it must match none.
            document = json.loads(text[text.index("\n{") :])
            assert document["metadata"]["filters"] == {"q": searched}, url
            assert document["metadata"]["count"] == 0 and document["decisions"] == [], url
            text = text.replace(searched, "")
        for where, word in PLANTED.items():
            assert word not in text, f"{where} ({word}) appears at {url}"
        assert letter.sha256 not in text, f"the offer letter's hash appears at {url}"
    # The published decision was really visited, and only it.
    slug = planted.slug
    assert statuses[f"/decisions/{slug}/"] == 200
    assert statuses[f"/decisions/{slug}/document.json"] == 200
    # The money totals were drawn, from the published decisions' offers alone: this one's
    # and the one whose correction and agreement were withdrawn; the decision withdrawn
    # altogether counts no more.
    assert statuses["/grants-accepted/"] == statuses["/grants-accepted.csv"] == 200
    assert "funder,home office,,2000.00,2" in readable(client.get("/grants-accepted.csv"))
    unpublished = Publication.objects.filter(published_at__isnull=True)
    assert unpublished.count() == 4
    for other in unpublished:
        for suffix in PER_DECISION:
            assert statuses[f"/decisions/{other.slug}{suffix}"] == 404
    # What was withdrawn was really published, and its pages were visited: the corrected
    # decision's page shows its first revision; the withdrawn decision's page says only
    # that it was withdrawn, and its files are gone.
    # Listed again under the title of the revision it shows.
    corrected = Publication.objects.get(title="A corrected grant")
    assert (
        PLANTED["withdrawn correction title"] in corrected.revisions.get(number=2).record["title"]
    )
    assert statuses[f"/decisions/{corrected.slug}/"] == 200
    assert statuses[f"/decisions/{corrected.slug}/agreement.pdf"] == 410
    gone = Publication.objects.get(withdrawn_at__isnull=False)
    assert statuses[f"/decisions/{gone.slug}/"] == 200
    for suffix in PER_DECISION[1:]:
        assert statuses[f"/decisions/{gone.slug}{suffix}"] == 410


def test_what_was_withdrawn_is_kept_for_the_staff(client, planted, people):
    """The withdrawn agreement's words are in the file the staff can still download."""
    agreement = GrantAgreement.objects.get(
        original_name__contains=PLANTED["withdrawn agreement name"]
    )
    client.force_login(people.publisher)
    response = client.get(f"/staff/cases/{agreement.decision.case_id}/agreements/{agreement.pk}/")
    assert response.status_code == 200
    assert PLANTED["withdrawn agreement text"] in readable(response)


def test_searching_for_unpublished_words_finds_nothing(client, planted):
    for word in PLANTED.values():
        page = client.get("/decisions/", {"q": word}).content.decode()
        assert "0 decisions" in page, word


def test_the_published_page_says_there_is_a_part_2_without_showing_it(client, planted):
    text = readable(client.get(f"/decisions/{planted.slug}/"))
    assert "part 2 of the report holds exempt information. it is not published." in text
    assert "a published grant" in text
    # The PDF check reads the PDF's text, so it would see a leak there.
    assert EXEMPTION_GROUND in text
    pdf = client.get(f"/decisions/{planted.slug}/decision.pdf")
    assert pdf.status_code == 200
    pdf_text = readable(pdf)
    assert "a published grant" in pdf_text
    assert EXEMPTION_GROUND in pdf_text
    assert PLANTED["part2"] not in pdf_text


def test_the_offer_letter_is_there_to_be_leaked_for_staff_only(client, planted, people):
    """The planted letter's words are found where it is served: to staff, never at a
    public URL (above)."""
    letter = OfferLetter.objects.get(original_name__contains=PLANTED["offer letter name"])
    url = f"/staff/cases/{letter.offer.case_id}/offers/{letter.offer_id}/letter.pdf"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(people.dmpc)
    text = readable(client.get(url))
    assert PLANTED["offer letter text"] in text
    assert PLANTED["offer letter name"] in text  # in Content-Disposition


HOSTILE_TITLE = '<script>alert("zqx")</script><img src=x onerror=alert(1)>'


def test_hostile_text_imported_from_the_earlier_register_is_shown_as_text(client, settings):
    rows = [
        historic_row(
            7101,
            title=HOSTILE_TITLE,
            summary='<a href="javascript:alert(1)">Click</a> [link](javascript:alert(2))',
            decision_maker='=HYPERLINK("http://evil.example","x")',
            funders="@SUM(1+1); -2+3",
        )
    ]
    historic.import_decisions(csv_bytes(rows))

    for url in ["/decisions/", "/decisions/pcd-7101/", "/decisions/feed/"]:
        text = client.get(url).content.decode()
        assert "<script>alert" not in text, url
        assert "<img src=x" not in text, url
        assert 'href="javascript:' not in text, url
    page = client.get("/decisions/pcd-7101/").content.decode()
    assert "&lt;script&gt;alert(&quot;zqx&quot;)&lt;/script&gt;" in page
    exported = b"".join(client.get("/decisions.csv").streaming_content).decode()
    # Funders sorted, and the cell made one no spreadsheet runs as a formula.
    assert ",'-2+3; @SUM(1+1)," in exported
