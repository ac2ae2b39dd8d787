"""The decision form: every part MOPAC's decision records have, in their order, on the
staff page and in its PDF; a draft until signed; drawn once when signed or published;
never Part 2's content in what the public reads."""

import re
from unittest import mock

import pytest
from django.urls import reverse

from approvals.documents import decision_form
from approvals.models import DrawnPdf
from approvals.publication import services as publication
from grants.models import Recommendation
from grants.seed import create_seed_case
from tests.documents.pdfs import header_cells, read
from tests.factories import make_case
from tests.html import page_text
from tests.workflow import approve, decide_each, to_iam, to_ready

pytestmark = pytest.mark.django_db

PART2_SECRET = "PLANTED-PART2-SECRET-7f3a"

# Each part of the form, as its heading names it, in the order MOPAC's records have them.
PARTS = [
    "Executive summary",
    "Recommendations",
    "Approval by the Deputy Mayor for Policing and Crime",
    "Part I – non-confidential facts and advice",
    "Public access to information",
    "Part 2 confidentiality",
    "Officer and clearance checklist",
]
# Part I's sections, in order.
PART_1 = [
    "Introduction and background",
    "Issues for consideration",
    "Time sensitivity",
    "Grant offers",
    "Funded units and posts",
    "Revenue impact summary",
    "Match funding",
    "Financial, commercial and procurement comments",
    "Legal comments",
    "Equality comments",
    "Privacy comments",
    "Risk comments",
    "Contribution to the Police and Crime Plan",
    "Real estate implications",
    "Environmental implications",
    "Background and supporting papers",
]
# The seed's figures, in £m: the offers' total, each offer, the units' allocations, and
# the match funding.
FIGURES = ["1.701", "1.201", "0.500", "1.000", "0.231", "0.220", "0.150", "0.100"]
UNITS = [
    "London Regional Organised Crime Unit",
    "Regional Organised Crime Threat Assessment",
    "ACE Teams",
    "SOC Drugs Strategy",
    "Digital Forensic Support",
]


@pytest.fixture
def seed_case(people):
    case = create_seed_case(people.manager)
    case.part2_content = f"Names of officers: {PART2_SECRET}"
    case.part2_exemption_reason = "It would identify officers in covert roles."
    case.risk_comments = "The grant is paid in arrears; the MPS carries the cash flow risk."
    case.save()
    return case


def _article(html: str) -> str:
    return re.search(r'<article class="app-decision-form".*?</article>', html, re.S).group()


def _headings(html: str, level: str) -> list[str]:
    found = re.findall(rf"<{level}\b[^>]*>(.*?)</{level}>", _article(html), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", title).split()) for title in found]


def _in_order(found: list[str], expected: list[str]) -> bool:
    positions = [found.index(title) for title in expected]
    return positions == sorted(positions)


def _form_page(client, case, number):
    return client.get(reverse("approvals:decision-form", args=[case.pk, number]))


def _form_pdf(client, case, number):
    return client.get(reverse("approvals:decision-form-pdf", args=[case.pk, number]))


def test_the_seed_decision_form_has_every_part_on_the_page_and_in_the_pdf(
    client, people, seed_case
):
    to_ready(seed_case, people)
    client.force_login(people.dmpc)

    page = _form_page(client, seed_case, 1)
    assert page.status_code == 200
    html = page.content.decode()
    assert _headings(html, "h2") == PARTS
    assert _in_order(_headings(html, "h3"), PART_1)
    text = " ".join(page_text(_article(html)).split())

    response = _form_pdf(client, seed_case, 1)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    drawn = read(response.content)
    assert drawn.outline[0] == seed_case.title
    assert _in_order(drawn.outline, PARTS)
    assert _in_order(drawn.outline, PART_1)
    assert drawn.outline.index(PARTS[3]) < drawn.outline.index(PART_1[0])
    assert drawn.outline.index(PART_1[-1]) < drawn.outline.index(PARTS[4])
    assert drawn.title == f"{seed_case.title} – decision form (draft)"
    assert header_cells(response.content) > 40

    for where in (text, drawn.text):
        for figure in FIGURES:
            assert figure in where, figure
        for unit in UNITS:
            assert unit in where, unit
        assert "Match funding" in where
        assert "The grant is paid in arrears" in where
        assert "It would identify officers in covert roles." in where
        assert "Is there a Part 2 form? Yes." in where
        assert PART2_SECRET not in where
        # The officer and clearance checklist: each adviser, who cleared it and when.
        for area in ("Finance", "Legal", "Equalities", "Privacy"):
            assert re.search(rf"{area} Cleared [\w -]+? \d+ \w+ \d{{4}}", where), area
        assert "Prepared for decision by the DMPC office" in where
    assert "Endorsed at the meeting of" in text
    # Marked DRAFT on every page until signed.
    assert len(drawn.pages) > 3
    count = len(drawn.pages)
    for number, on_page in enumerate(drawn.pages, start=1):
        # The margins (drawn after the page's text): the mark, the title, the page number.
        assert on_page.endswith(f"DRAFT {seed_case.title} Page {number} of {count}")
    assert PART2_SECRET.encode() not in response.content


def test_until_signed_the_form_is_drawn_on_each_request(client, people, seed_case):
    to_iam(seed_case, people)
    client.force_login(people.manager)
    with mock.patch.object(decision_form, "draw", wraps=decision_form.draw) as draw:
        _form_pdf(client, seed_case, 1)
        _form_pdf(client, seed_case, 1)
    assert draw.call_count == 2
    assert not DrawnPdf.objects.exists()
    html = _form_page(client, seed_case, 1).content.decode()
    assert "DRAFT" in html
    assert "Not yet signed." in html


def test_the_signed_form_carries_the_decision_and_is_drawn_once(client, people, seed_case):
    to_ready(seed_case, people)
    approve(seed_case, people, alternatives_considered="Not accepting the grant.")
    client.force_login(people.manager)

    html = _form_page(client, seed_case, 1).content.decode()
    text = " ".join(page_text(_article(html)).split())
    assert "DRAFT" not in text
    assert "I approve the recommendation(s) above." in text
    assert "I have no disclosable pecuniary or other interests" in text
    assert "Signed by Dmpc, Deputy Mayor for Policing and Crime" in text
    assert "entering their password again before signing" in text
    assert "Decision: Approved" in text
    assert "DMPC decision PCD 1" in text

    with mock.patch.object(decision_form, "draw", wraps=decision_form.draw) as draw:
        first = _form_pdf(client, seed_case, 1)
        second = _form_pdf(client, seed_case, 1)
    assert draw.call_count == 1
    kept = DrawnPdf.objects.get(version=seed_case.current_version())
    first_bytes, second_bytes = (
        b"".join(first.streaming_content),
        b"".join(second.streaming_content),
    )
    assert first_bytes == second_bytes
    assert kept.sha256 == __import__("hashlib").sha256(first_bytes).hexdigest()
    assert first["Content-Disposition"] == 'inline; filename="pcd-1-decision-form.pdf"'
    drawn = read(first_bytes)
    assert drawn.title == f"PCD 1: {seed_case.title} – decision form"
    assert "DRAFT" not in drawn.text
    assert "Not accepting the grant." in drawn.text


def test_a_partly_approved_form_says_what_was_decided_on_each_recommendation(people):
    case = make_case(people.manager)
    Recommendation.objects.create(case=case, position=2, text="Extend the project by a year.")
    to_ready(case, people)
    decide_each(case, people, {1: True, 2: False})
    form = decision_form.for_version(case.current_version())
    assert [(rec.position, rec.decided) for rec in form.recommendations] == [
        (1, "Approved"),
        (2, "Not approved"),
    ]
    assert form.approval.outcome == "Partly approved"


def _published(seed_case, people, django_capture_on_commit_callbacks):
    to_ready(seed_case, people)
    decision = approve(seed_case, people, alternatives_considered="Not accepting the grant.")
    with django_capture_on_commit_callbacks(execute=True):
        publication.publish_now(decision.publication, by=people.publisher)
    decision.publication.refresh_from_db()
    return decision.publication


def test_publishing_draws_the_public_form_once_and_serving_it_draws_nothing(
    client, people, seed_case, django_capture_on_commit_callbacks, django_assert_num_queries
):
    item = _published(seed_case, people, django_capture_on_commit_callbacks)
    revision = item.current_revision()
    kept = DrawnPdf.objects.get(revision=revision)
    url = f"/decisions/{item.slug}/decision.pdf"

    with mock.patch.object(decision_form, "draw", side_effect=AssertionError("drawn")):
        for _ in range(2):
            with django_assert_num_queries(1):
                response = client.get(url)
            assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert response["ETag"] == f'"{kept.sha256}"'
    assert response["Content-Disposition"] == 'inline; filename="pcd-1-decision.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    drawn = read(content)
    assert drawn.title == f"PCD 1: {seed_case.title} – decision form"
    for figure in FIGURES:
        assert figure in drawn.text, figure
    for unit in UNITS:
        assert unit in drawn.text, unit
    assert "Published on MOPAC’s register of decisions on" in drawn.text
    assert revision.document_sha256 in drawn.text.replace(" ", "")
    assert "Schedule 1" in drawn.text  # the legal basis for publication
    assert "It would identify officers in covert roles." in drawn.text
    assert PART2_SECRET not in drawn.text
    assert PART2_SECRET.encode() not in content
    # The checklist as it stood when published, kept with the record.
    assert [entry["area"] for entry in revision.record["checklist"]["clearances"]] == [
        "Finance",
        "Legal",
        "Equalities",
        "Privacy",
    ]
    assert "Finance Cleared" in drawn.text
    # Links to the service work from the PDF: they are absolute.
    assert all(link.startswith("http") for link in drawn.links)


def test_a_correction_draws_a_new_form_and_keeps_the_old(
    client, people, seed_case, django_capture_on_commit_callbacks
):
    item = _published(seed_case, people, django_capture_on_commit_callbacks)
    url = f"/decisions/{item.slug}/decision.pdf"
    first = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        publication.publish_correction(
            item, by=people.publisher, note="Title mistyped.", changes={"title": "Corrected"}
        )
    corrected = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert corrected.status_code == 200
    assert corrected["ETag"] != first["ETag"]
    assert DrawnPdf.objects.filter(revision__publication=item).count() == 2
    drawn = read(b"".join(corrected.streaming_content))
    assert drawn.title == "PCD 1: Corrected – decision form"
    text = drawn.text
    assert "DMPC decision PCD 1 Corrected" in text
    assert "This is revision 2 of the record" in text and "Title mistyped." in text


def test_a_publication_whose_drawing_failed_is_drawn_when_first_asked_for(
    client, people, seed_case
):
    # Without the commit callback, as when drawing failed after publication.
    to_ready(seed_case, people)
    decision = approve(seed_case, people)
    publication.publish_now(decision.publication, by=people.publisher)
    assert not DrawnPdf.objects.exists()
    response = client.get(f"/decisions/{decision.publication.slug}/decision.pdf")
    assert response.status_code == 200
    assert DrawnPdf.objects.count() == 1


def test_the_form_of_an_unpublished_decision_is_not_public(client, people):
    assert client.get("/decisions/pcd-404/decision.pdf").status_code == 404
    case = make_case(people.manager)
    to_ready(case, people)
    approve(case, people)
    assert client.get("/decisions/pcd-1/decision.pdf").status_code == 404


def test_a_case_not_yet_submitted_has_no_form_yet(client, people):
    case = make_case(people.manager)
    client.force_login(people.manager)
    response = client.get(reverse("approvals:current-decision-form", args=[case.pk]))
    assert response.status_code == 200
    assert "exists once the case is submitted" in response.content.decode()
    to_iam(case, people)
    response = client.get(reverse("approvals:current-decision-form", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:decision-form", args=[case.pk, 1])
    assert _form_page(client, case, 2).status_code == 404


def test_the_signed_form_is_drawn_as_it_stood_when_signed(
    client, people, seed_case, django_capture_on_commit_callbacks
):
    to_ready(seed_case, people)
    with django_capture_on_commit_callbacks(execute=True):
        decision = approve(seed_case, people)
    kept = DrawnPdf.objects.get(version=decision.version)
    with kept.file.open("rb") as handle:
        signed = read(handle.read()).text
    assert "To be published on MOPAC’s register of decisions by" in signed
    # Publishing later changes the page, never the signed PDF.
    publication.publish_now(decision.publication, by=people.publisher)
    client.force_login(people.dmpc)
    html = _form_page(client, seed_case, 1).content.decode()
    assert "Published on MOPAC’s register of decisions on" in html
    response = _form_pdf(client, seed_case, 1)
    assert read(b"".join(response.streaming_content)).text == signed


def test_the_accessibility_statement_says_which_documents_are_accessible(client):
    text = page_text(client.get("/accessibility/").content.decode())
    assert "Every PDF this service draws is made to be accessible" in text
    assert "PDF/UA-1" in text
    assert "historic decisions brought across from MOPAC’s earlier register" in text
    assert "may not be accessible" in text
