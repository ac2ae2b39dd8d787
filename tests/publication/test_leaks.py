"""Nothing that is not published reaches a public URL.

Distinctive words are planted wherever unpublished or exempt information lives: Part 2
(whose exemption ground alone is published, on the decision form), a draft's title and
sections, a case under review, an approved decision not yet published, a deferred one and
its reason, advisers' advice, IAM minutes, the name of an agreement uploaded for an
unpublished decision, agreements uploaded for the published decision that no publisher
has reviewed yet or that one rejected (their names, text and hashes: an agreement is
published only once reviewed), the published decision's offer letter (its name, its text
and its hash: offer letters are never published), the references of unpublished
decisions that a published one's case was linked to (staff notes, never Part 1), forward
plan entries whose case was withdrawn, whose entry was taken off or whose decision is
published (the plan shows the under-review case only by the title the DMPC office gave
it), and what was published and then withdrawn: a correction, an agreement (its name and
its text) and a decision's only revision. Then every public URL is fetched, including
searches for each planted word, and none may appear."""

import hashlib
import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from approvals import forward_plan, services
from approvals.accounts.roles import Role
from approvals.models import (
    AgendaItem,
    AgreementReview,
    ClearanceArea,
    GrantAgreement,
    IamMeeting,
    Publication,
)
from approvals.publication import agreements, historic, sitemap
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.publication.agreements import upload_agreement
from approvals.publication.historic import ImportRefused
from approvals.standing import link_decision
from grants.letters import upload_letter
from grants.models import GrantCase, OfferLetter
from tests.factories import make_case, make_pdf, make_user
from tests.money import decided_with_offers, deferred_with_offers
from tests.publication.historic_files import csv_bytes, historic_row
from tests.workflow import ADVISERS, approve, decide_only, to_dmpc_review, to_iam, to_ready

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
    "unreviewed agreement name": "zqxunreviewedagreementname",
    "unreviewed agreement text": "zqxunreviewedagreementtext",
    "rejected agreement name": "zqxrejectedagreementname",
    "rejected agreement text": "zqxrejectedagreementtext",
    "rejection reason": "zqxrejectionreason",
    "offer letter name": "zqxofferlettername",
    "offer letter text": "zqxofferlettertext",
    "refused import": "zqxrefusedimport",
    "published plan title": "zqxpublishedplantitle",
    "withdrawn plan title": "zqxwithdrawnplantitle",
    "taken off plan title": "zqxtakenoffplantitle",
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
# On the forward plan, for the case under review: the plan shows this, not the case's title.
ON_THE_PLAN = "A decision on violence reduction, expected"
STATIC_PAGES = [
    "/",
    "/accessibility/",
    "/privacy/",
    "/open-data/",
    "/forward-plan/",
    "/forward-plan/feed/",
]
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
    "/sitemap.xml",
]
# Whatever the decision, public and the same for everyone.
SITE_FILES = ["/robots.txt", "/favicon.ico"]
PER_DECISION = ["/", "/document.json", "/decision.pdf", "/agreement.pdf"]


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_agreement(decision, by, *, name: str, content: bytes | None = None) -> GrantAgreement:
    content = blank_pdf() if content is None else content
    return GrantAgreement.objects.create(
        decision=decision,
        file=ContentFile(content, name="agreement.pdf"),
        original_name=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
    )


def unreviewed_agreements() -> list[GrantAgreement]:
    return list(GrantAgreement.objects.exclude(review=AgreementReview.REVIEWED))


def on_plan(people, case, title: str):
    forward_plan.plan_decision(
        case,
        by=people.dmpc_office,
        title=title,
        funders=["Home Office"],
        needed_by=timezone.localdate(),
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
    on_plan(people, case, PLANTED["published plan title"])
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
    signed = add_agreement(published, people.manager, name="Signed agreement.pdf")
    agreements.confirm_agreement(signed, by=people.publisher, checks=agreements.CHECKLIST)
    publishing.publish_now(published.publication, by=people.publisher)
    # Uploaded for it since: one rejected, one waiting for review. Neither is published,
    # however often publication runs.
    rejected = add_agreement(
        published,
        people.manager,
        name=f"{PLANTED['rejected agreement name']}.pdf",
        content=make_pdf(f"Agreement {PLANTED['rejected agreement text']}"),
    )
    agreements.reject_agreement(
        rejected, by=people.publisher, reason=f"Unsigned: {PLANTED['rejection reason']}."
    )
    add_agreement(
        published,
        people.manager,
        name=f"{PLANTED['unreviewed agreement name']}.pdf",
        content=make_pdf(f"Agreement {PLANTED['unreviewed agreement text']}"),
    )
    publishing.publish_due()

    # Not published, at each stage.
    make_case(
        people.manager,
        title=PLANTED["draft title"],
        executive_summary=f"Summary {PLANTED['draft section']}.",
        introduction=f"Introduction {PLANTED['draft section']}.",
    )
    under_review = make_case(people.manager, title=PLANTED["under review"])
    to_iam(under_review, people)
    on_plan(people, under_review, ON_THE_PLAN)
    withdrawn = make_case(people.manager, title="A withdrawn request")
    to_iam(withdrawn, people)
    on_plan(people, withdrawn, PLANTED["withdrawn plan title"])
    services.withdraw(withdrawn, by=people.manager, reasons="The funder withdrew the offer.")
    taken_off = make_case(people.manager, title="A request taken off the plan")
    to_iam(taken_off, people)
    on_plan(people, taken_off, PLANTED["taken off plan title"])
    forward_plan.take_off_plan(taken_off, by=people.dmpc_office)
    unpublished = decide_only(people, title=PLANTED["unpublished title"])
    add_agreement(
        unpublished,
        people.manager,
        name=f"{PLANTED['agreement name']}.pdf",
        content=make_pdf("An agreement of a decision not yet published"),
    )
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
    # A published decision whose case was linked to both unpublished decisions while they
    # were unpublished: those links are staff notes, so their references are never shown.
    citing = make_case(people.manager, title="A published grant citing unpublished ones")
    for earlier in (unpublished, deferred):
        link_decision(
            citing,
            by=people.manager,
            reference=earlier.reference,
            kind="varies",
            lock_version=GrantCase.objects.get(pk=citing.pk).lock_version,
        )
    to_ready(citing, people)
    publishing.publish_now(approve(citing, people).publication, by=people.publisher)
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
    agreements.confirm_agreement(agreement, by=people.publisher, checks=agreements.CHECKLIST)
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
    urls = STATIC_PAGES + LISTS + SITE_FILES
    # Every decision's URLs, published or not: the unpublished ones must answer 404.
    for slug in Publication.objects.values_list("slug", flat=True):
        urls += [f"/decisions/{slug}{suffix}" for suffix in PER_DECISION]
    # Every page of the sitemap that could list any decision, published or not.
    for pk in Publication.objects.values_list("pk", flat=True):
        page = f"/sitemap-{sitemap.page_number(pk)}.xml"
        if page not in urls:
            urls.append(page)
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
    unreviewed = unreviewed_agreements()
    assert len(unreviewed) == 3  # the unpublished decision's, and the published one's two
    unpublished_references = [
        re.compile(rf"\b{re.escape(reference.casefold())}\b")
        for reference in Publication.objects.filter(published_at__isnull=True).values_list(
            "reference", flat=True
        )
    ]
    assert len(unpublished_references) == 4
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
        for agreement in unreviewed:
            assert agreement.sha256 not in text, f"{agreement.original_name}'s hash at {url}"
        for reference in unpublished_references:
            assert not reference.search(text), f"{reference.pattern} is named at {url}"
    # The forward plan was really visited, with an entry on it.
    assert ON_THE_PLAN.casefold() in readable(client.get("/forward-plan/"))
    assert ON_THE_PLAN.casefold() in readable(client.get("/forward-plan/feed/"))
    # The published decision was really visited, and only it.
    slug = planted.slug
    assert statuses[f"/decisions/{slug}/"] == 200
    assert statuses[f"/sitemap-{sitemap.page_number(planted.pk)}.xml"] == 200
    assert statuses[f"/decisions/{slug}/document.json"] == 200
    # Its reviewed agreement is public, and only it.
    assert statuses[f"/decisions/{slug}/agreement.pdf"] == 200
    assert planted.current_revision().agreement.original_name == "Signed agreement.pdf"
    # The money totals were drawn, from the published decisions' offers alone: this one's,
    # the one linked to unpublished decisions, and the one whose correction and agreement
    # were withdrawn; the decision withdrawn altogether counts no more.
    assert statuses["/grants-accepted/"] == statuses["/grants-accepted.csv"] == 200
    assert "funder,home office,,3000.00,3" in readable(client.get("/grants-accepted.csv"))
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


def test_the_sitemap_names_the_published_decision_and_no_other(client, planted):
    listed = "".join(
        client.get(f"/sitemap-{sitemap.page_number(pk)}.xml").content.decode()
        for pk in set(Publication.objects.values_list("pk", flat=True))
    )
    assert f"/decisions/{planted.slug}/" in listed
    # The decision citing an unpublished one is published too; no unpublished one is named.
    for other in Publication.objects.filter(published_at__isnull=True):
        assert f"/decisions/{other.slug}/" not in listed


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


def test_the_unreviewed_agreements_are_there_to_be_leaked_for_staff_only(client, planted, people):
    """The planted agreements' words are found where they are served: to staff, never at
    a public URL (above)."""
    client.force_login(people.dmpc)
    for agreement in unreviewed_agreements():
        case = agreement.decision.case_id
        response = client.get(f"/staff/cases/{case}/agreements/{agreement.pk}/")
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == (
            agreement.sha256
        )
    texts = [
        readable(client.get(f"/staff/cases/{a.decision.case_id}/agreements/{a.pk}/"))
        for a in unreviewed_agreements()
    ]
    assert any(PLANTED["unreviewed agreement text"] in text for text in texts)
    assert any(PLANTED["rejected agreement text"] in text for text in texts)


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
