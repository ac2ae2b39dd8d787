"""The published decision as a PDF: the decision record and Part 1 with the seed report's
figures, never Part 2, served only once published and cached by revision."""

import io
import re

import pytest
from pypdf import PdfReader

from approvals.publication import services as publication
from approvals.publication.pdf import formatted, render_decision_pdf
from approvals.publication.record import decision_facts
from grants.models import Recommendation
from grants.seed import create_seed_case
from tests.factories import make_case
from tests.workflow import approve, decide_each, to_ready

pytestmark = pytest.mark.django_db

PART2_SECRET = "PLANTED-PART2-SECRET-7f3a"


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # Text is compared with its line breaks and runs of spaces collapsed.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def seed_published(people):
    case = create_seed_case(people.manager)
    case.part2_content = f"Names of officers: {PART2_SECRET}"
    case.part2_exemption_reason = "It would identify officers."
    case.save()
    to_ready(case, people)
    decision = approve(case, people, alternatives_considered="Not accepting the grant.")
    publication.publish_now(decision.publication, by=people.publisher)
    decision.publication.refresh_from_db()
    return decision.publication


def test_the_seed_decision_pdf_has_the_record_and_part1_figures(client, seed_published):
    response = client.get(f"/decisions/{seed_published.slug}/decision.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="pcd-1-decision.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == f"PCD 1: {seed_published.title}"
    text = text_of(pdf)

    assert "PCD 1" in text
    assert "Decision Approved" in text
    assert "Not accepting the grant." in text
    assert "Yes. Part 2 of the report holds exempt information. It is not published." in text
    assert "Deputy Mayor for Policing and Crime" in text
    assert "Specified Information" in text
    revision = seed_published.revisions.get()
    assert revision.document_sha256 in text.replace(" ", "")
    # The seed's figures, in £m to 3 decimal places.
    for figure in ("3.748", "1.701", "2.047", "2.851", "0.839", "1.678", "0.000"):
        assert figure in text, figure
    assert "Revenue impact summary" in text
    assert "Breakdown of grant funded expenditure" in text
    assert "Recommendations" in text
    # Markdown is gone: no stray emphasis or list markers.
    assert "**" not in text
    assert PART2_SECRET not in text
    assert PART2_SECRET.encode() not in pdf


def test_each_funded_unit_has_its_own_table(seed_published):
    revision = seed_published.revisions.get()
    text = text_of(render_decision_pdf(revision))
    for unit in revision.document["units"]:
        assert f"{unit['name']} (grant amount £" in text, unit["name"]
    assert text.count("Grand total expenditure against £") == len(revision.document["units"])


def test_the_pdf_is_404_until_published_and_cached_by_revision(client, people):
    case = make_case(people.manager, part2_content=PART2_SECRET, part2_exemption_reason="x")
    to_ready(case, people)
    item = approve(case, people).publication
    url = f"/decisions/{item.slug}/decision.pdf"
    assert client.get(url).status_code == 404

    publication.publish_now(item, by=people.publisher)
    first = client.get(url)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    etag = first["ETag"]
    assert re.fullmatch(r'W/"1-[0-9a-f]{64}-\d+"', etag)
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag and "public" in not_modified["Cache-Control"]

    publication.publish_correction(
        item, by=people.publisher, note="Title mistyped.", changes={"title": "Corrected title"}
    )
    corrected = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert corrected.status_code == 200
    assert corrected["ETag"] != etag
    text = text_of(corrected.content)
    assert "Corrected title" in text
    assert "Title mistyped." in text
    assert "revision 2" in text
    assert PART2_SECRET not in text


def test_an_unknown_or_unpublished_decision_is_404(client, people):
    assert client.get("/decisions/pcd-404/decision.pdf").status_code == 404
    case = make_case(people.manager)
    to_ready(case, people)
    decision = approve(case, people)
    publication.defer(
        decision.publication,
        by=people.publisher,
        until=decision.publication.due_at.replace(year=decision.publication.due_at.year + 1),
        reason="Operational.",
    )
    assert client.get("/decisions/pcd-1/decision.pdf").status_code == 404


def test_markdown_becomes_plain_paragraphs_and_list_items():
    text = (
        "First **bold** and _italic_ with a [link](https://example.org/a?b=1&c=2).\n\n"
        "1. One\n2. Two\n\n- Apple\n- Pear <script>alert(1)</script>"
    )
    blocks = [(p.getPlainText(), p.bulletText) for p in formatted(text)]
    assert blocks == [
        ("First bold and italic with a link (https://example.org/a?b=1&c=2).", None),
        ("One", "1."),
        ("Two", "2."),
        ("Apple", "•"),
        ("Pear", "•"),  # the sanitiser drops scripts, content and all
    ]


def test_the_record_facts_say_what_a_decision_record_needs(seed_published):
    rows = {fact.label: fact.text for fact in decision_facts(seed_published.revisions.get().record)}
    assert rows["Reference"] == "PCD 1"
    assert rows["Decision"] == "Approved"
    assert rows["Decided by"] == "Dmpc, Deputy Mayor for Policing and Crime"
    assert rows["Reasons for the decision"] == "Good value."
    assert rows["Declaration of interests"] == "None declared."
    assert rows["Total grant offered"] == "£1,701,000.00"
    assert PART2_SECRET not in str(rows)


def test_a_partly_approved_decision_says_which_recommendations_were_approved(people):
    case = make_case(people.manager)
    Recommendation.objects.create(case=case, position=2, text="Extend the project by a year.")
    to_ready(case, people)
    decision = decide_each(case, people, {1: True, 2: False})
    publication.publish_now(decision.publication, by=people.publisher)
    decision.publication.refresh_from_db()
    text = text_of(render_decision_pdf(decision.publication.current_revision()))
    assert "Partly approved" in text
    assert "Approved: 1. Not approved: 2." in text
    first, second = text.index("Approve the grant."), text.index("Extend the project by a year.")
    assert "Decision: approved by the DMPC." in text[first:second]
    assert "Decision: not approved by the DMPC." in text[second:]
    assert "Decision: approved by the DMPC." not in text[second:]
