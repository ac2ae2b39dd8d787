"""The historic register: `manage.py import_decisions` loads the earlier register's
decisions (approvals.publication.historic)."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from approvals import audit, services
from approvals.models import (
    AuditAction,
    AuditAnchor,
    AuditEvent,
    DrawnPdf,
    Publication,
    PublishedRevision,
    ReferenceSequence,
)
from approvals.publication import historic
from approvals.publication import services as publishing
from approvals.publication.historic import ImportRefused, Problem, import_decisions
from tests.publication.historic_files import (
    csv_bytes,
    historic_row,
    pdf_with_javascript,
    small_pdf,
    write_import,
)
from tests.workflow import publish

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def run(path: Path, files: Path | None = None):
    return import_decisions(path.read_bytes(), files=files, source=path.name)


def three_rows(tmp_path) -> tuple[Path, Path]:
    rows = [
        historic_row(1201, title="Acceptance of the Organised Crime Specific Grant"),
        historic_row(
            1202,
            title="Knife crime prevention funding",
            funders="Home Office; Youth Endowment Fund",
            financial_years="2019/20; 2020-21",
            outcome="partly approved",
        ),
        # Only the required facts: no outcome, funders, total, years or PDF.
        historic_row(
            "880",
            reference="CEOD 880",
            title="A decision of the chief executive",
            outcome="",
            funders="",
            total_grant_amount="",
            financial_years="",
            date_signed="12/03/2018",
            date_published="2018-03-20",
        ),
    ]
    path, files = write_import(tmp_path, rows[:2])
    rows[2]["pdf"] = ""
    path.write_bytes(csv_bytes(rows))
    return path, files


def test_it_imports_the_earlier_registers_decisions_as_imported_records(tmp_path, media):
    path, files = three_rows(tmp_path)
    result = run(path, files)

    assert result.imported == ["PCD 1201", "PCD 1202", "CEOD 880"]
    partly = Publication.objects.get(slug="pcd-1202")
    assert partly.imported and partly.decision is None
    assert (partly.outcome, partly.funders, partly.financial_years) == (
        "partly_approved",
        "Home Office; Youth Endowment Fund",
        "2019/20; 2020/21",
    )
    assert partly.total_grant_amount == Decimal("1701000.00")
    assert partly.decision_date.isoformat() == "2019-04-01"
    assert partly.published_at.date().isoformat() == "2019-04-03"
    bare = Publication.objects.get(slug="ceod-880")
    assert (bare.outcome, bare.funders, bare.total_grant_amount) == ("", "", None)
    assert bare.decision_date.isoformat() == "2018-03-12"
    revision = partly.current_revision()
    assert revision.record["decided_by"] == "Deputy Mayor for Policing and Crime"
    assert revision.pdf.sha256 == audit_sha(files / "PCD-1202.pdf")
    assert not DrawnPdf.objects.filter(revision__publication=bare).exists()


def audit_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_imported_records_are_on_the_register_in_search_filters_open_data_and_feed(
    client, tmp_path, media
):
    path, files = three_rows(tmp_path)
    run(path, files)

    listing = body(client.get("/decisions/"))
    assert "PCD 1201: Acceptance of the Organised Crime Specific Grant" in listing
    assert "Imported from the earlier register" in listing
    assert "Not recorded" in listing  # CEOD 880's outcome, funders and grant
    searched = body(client.get("/decisions/", {"q": "knife"}))
    assert "PCD 1202" in searched and "PCD 1201" not in searched
    by_reference = body(client.get("/decisions/", {"q": "CEOD 880"}))
    assert "A decision of the chief executive" in by_reference
    filtered = body(client.get("/decisions/", {"funder": "Youth Endowment Fund"}))
    assert "PCD 1202" in filtered and "PCD 1201" not in filtered
    by_year = body(client.get("/decisions/", {"year": "2020/21"}))
    assert "PCD 1202" in by_year and "PCD 1201" not in by_year

    rows = list(csv.DictReader(io.StringIO(body(client.get("/decisions.csv")))))
    # Newest first: the two published on the same day, the later imported first.
    assert [row["reference"] for row in rows] == ["PCD 1202", "PCD 1201", "CEOD 880"]
    ceod = rows[2]
    assert (ceod["outcome"], ceod["funders"], ceod["total_grant_amount"]) == ("", "", "")
    assert (ceod["financial_years"], ceod["decision_date"]) == ("", "2018-03-12")
    assert ceod["published_at"] == "2018-03-20T12:00:00+00:00"
    assert rows[0]["outcome"] == "partly approved"
    assert rows[0]["total_grant_amount"] == "1701000.00"
    data = json.loads(body(client.get("/decisions.json")))
    decisions = data["decisions"]
    assert data["metadata"]["count"] == 3
    assert [row["reference"] for row in decisions] == ["PCD 1202", "PCD 1201", "CEOD 880"]

    feed = ET.fromstring(client.get("/decisions/feed/").content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert "CEOD 880: A decision of the chief executive" in titles


def test_an_imported_decisions_page_says_it_is_an_imported_record_with_its_pdf(
    client, tmp_path, media
):
    path, files = three_rows(tmp_path)
    run(path, files)

    page = client.get("/decisions/pcd-1201/")
    assert page.status_code == 200
    assert next(t.name for t in page.templates) == "public/register/imported.html"
    text = body(page)
    assert "This is an imported record" in text
    assert "It has no structured figures" in text
    assert "MOPAC accepts the grant offered for 2019/20, decision 1201." in text
    assert "£1,701,000.00" in text
    assert "/decisions/pcd-1201/decision.pdf" in text
    pdf = client.get("/decisions/pcd-1201/decision.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == (files / "PCD-1201.pdf").read_bytes()
    record = json.loads(body(client.get("/decisions/pcd-1201/document.json")))
    assert record["imported"] is True and record["reference"] == "PCD 1201"

    bare = body(client.get("/decisions/ceod-880/"))
    assert "The earlier register gave no PDF of it." in bare
    assert "decision.pdf" not in bare
    assert client.get("/decisions/ceod-880/decision.pdf").status_code == 404


def test_a_file_with_one_bad_row_imports_nothing_and_names_it(tmp_path, media):
    rows = [historic_row(n) for n in range(1, 6)]
    rows[3]["date_signed"] = "31/02/2019"
    path, files = write_import(tmp_path, rows)
    events = AuditEvent.objects.count()

    with pytest.raises(ImportRefused) as refused:
        run(path, files)

    assert refused.value.problems == [
        Problem(5, "date_signed", "enter a real date like 2019-04-01 or 01/04/2019")
    ]
    assert str(refused.value) == (
        "row 5, field date_signed: enter a real date like 2019-04-01 or 01/04/2019"
    )
    assert not Publication.objects.exists()
    assert not PublishedRevision.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not ReferenceSequence.objects.exists()
    assert stored_files(media) == []


def test_the_refusal_names_every_bad_row_and_field(tmp_path, media):
    rows = [
        historic_row(1, title=""),
        historic_row(2, outcome="deferred", total_grant_amount="about £2m"),
        historic_row(3),
        historic_row(4, financial_years="2019/20; next year", date_published="2019-03-01"),
        historic_row(1),
        historic_row(6, pdf="../../etc/passwd"),
        historic_row(7, pdf="missing.pdf"),
        historic_row(8, date_signed="2999-01-01", reference="PCD\x008", pdf="missing.pdf"),
    ]
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    (tmp_path / "files").mkdir()

    with pytest.raises(ImportRefused) as refused:
        run(path, tmp_path / "files")

    assert [(p.row, p.field) for p in refused.value.problems] == [
        (2, "title"),
        (3, "outcome"),
        (3, "total_grant_amount"),
        (5, "date_published"),
        (5, "financial_years"),
        (7, "pdf"),
        (8, "pdf"),
        (9, "reference"),
        (9, "date_signed"),
        (9, "pdf"),
        (6, "reference"),
    ]
    messages = [str(p) for p in refused.value.problems]
    assert "row 2, field title: enter the title" in messages
    assert "row 5, field date_published: must be the same as or after the date signed" in messages
    assert "row 6, field reference: PCD 1 is also in row 2" in messages
    assert "row 7, field pdf: must name a file inside the --files folder" in messages
    assert "row 9, field date_signed: must be today or in the past" in messages
    assert not Publication.objects.exists()


def test_a_hostile_or_unreadable_pdf_is_refused(tmp_path, media):
    files = tmp_path / "files"
    files.mkdir()
    (files / "script.pdf").write_bytes(pdf_with_javascript())
    (files / "page.pdf").write_bytes(b"<html><script>alert(1)</script></html>")
    (files / "empty.pdf").write_bytes(b"")
    (files / "good.pdf").write_bytes(small_pdf("good"))
    path = tmp_path / "decisions.csv"
    path.write_bytes(
        csv_bytes(
            [
                historic_row(1, pdf="script.pdf"),
                historic_row(2, pdf="page.pdf"),
                historic_row(3, pdf="empty.pdf"),
                historic_row(4, pdf="good.pdf"),
            ]
        )
    )

    with pytest.raises(ImportRefused) as refused:
        run(path, files)

    assert [str(p) for p in refused.value.problems] == [
        "row 2, field pdf: The PDF contains JavaScript. Save it again without them (for "
        "example, print it to a new PDF) and import that copy",
        "row 3, field pdf: The file must be a PDF",
        "row 4, field pdf: The file is empty",
    ]
    assert stored_files(media) == []


def test_a_file_that_is_not_the_earlier_registers_is_refused_whole():
    def problems(content: bytes) -> list[str]:
        with pytest.raises(ImportRefused) as refused:
            import_decisions(content)
        return [str(p) for p in refused.value.problems]

    assert problems(b"") == ["row 1, field file: is empty: the first row names the columns"]
    assert problems(b"\xff\xfe r") == ["row 1, field file: is not UTF-8 text (byte 1 is not)"]
    assert problems(b"reference,title,colour\n") == [
        "row 1, field decision_maker: the column is missing",
        "row 1, field date_signed: the column is missing",
        "row 1, field date_published: the column is missing",
        "row 1, field summary: the column is missing",
        "row 1, field column 3: ‘colour’ is not a column",
    ]
    assert problems(csv_bytes([])) == ["row 2, field file: has no decisions after its header"]
    header, row = csv_bytes([historic_row(1)]).split(b"\r\n", 1)
    assert problems(header + b"\r\n" + row.replace(b"\r\n", b",surplus\r\n")) == [
        "row 2, field row: has 12 cells, the header 11"
    ]


def test_running_it_twice_changes_nothing(tmp_path, media):
    path, files = three_rows(tmp_path)
    run(path, files)
    before = (
        list(Publication.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        AuditAnchor.objects.count(),
        list(ReferenceSequence.objects.order_by("prefix").values_list("prefix", "next_number")),
        sorted(stored_files(media)),
    )

    again = run(path, files)

    assert again.imported == []
    assert again.unchanged == ["PCD 1201", "PCD 1202", "CEOD 880"]
    after = (
        list(Publication.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        AuditAnchor.objects.count(),
        list(ReferenceSequence.objects.order_by("prefix").values_list("prefix", "next_number")),
        sorted(stored_files(media)),
    )
    assert after == before


def test_a_reference_imported_before_with_other_content_is_refused(tmp_path, media):
    path, files = three_rows(tmp_path)
    run(path, files)
    changed = [historic_row(1203), historic_row(1201, title="A new title", outcome="rejected")]
    path.write_bytes(csv_bytes(changed))

    with pytest.raises(ImportRefused) as refused:
        run(path, files)

    assert [str(p) for p in refused.value.problems] == [
        "row 3, field reference: PCD 1201 was imported before with a different title, "
        "outcome, PDF; imported records are not changed"
    ]
    assert not Publication.objects.filter(slug="pcd-1203").exists()


def test_a_decision_made_here_is_never_overwritten(people, tmp_path, media):
    made_here = publish(people, title="Made in this service")
    path = tmp_path / "decisions.csv"
    number = int(made_here.reference.split()[1])
    path.write_bytes(csv_bytes([historic_row(number)]))

    with pytest.raises(ImportRefused) as refused:
        run(path)

    assert [str(p) for p in refused.value.problems] == [
        f"row 2, field reference: {made_here.reference} is a decision made in this service"
    ]
    made_here.refresh_from_db()
    assert made_here.title == "Made in this service" and not made_here.imported


def test_the_reference_sequence_continues_after_the_highest_imported_number(tmp_path, media):
    path, files = three_rows(tmp_path)
    run(path, files)

    with transaction.atomic():
        assert services.next_reference() == "PCD 1203"
    assert ReferenceSequence.objects.get(prefix="CEOD").next_number == 881
    moved = AuditEvent.objects.filter(action=AuditAction.REFERENCES_ADVANCED)
    assert sorted(event.details["to"] for event in moved) == [881, 1203]


def test_each_imported_record_is_audited_and_anchored_like_a_publication(tmp_path, media):
    publish_events = AuditEvent.objects.count()
    path, files = three_rows(tmp_path)
    run(path, files)

    events = list(AuditEvent.objects.filter(action=AuditAction.IMPORTED).order_by("sequence"))
    assert [event.details["reference"] for event in events] == ["PCD 1201", "PCD 1202", "CEOD 880"]
    assert [event.sequence for event in events] == list(
        range(publish_events + 1, publish_events + 4)
    )
    assert events[0].get_action_display() == "Decision imported from the earlier register"
    assert events[0].details["row"] == 2 and events[0].details["source"] == "decisions.csv"
    revision = PublishedRevision.objects.get(publication__slug="pcd-1202")
    assert revision.audit_anchor.sequence == events[1].sequence
    assert revision.audit_anchor.hash == events[1].hash
    assert events[1].details["document_sha256"] == revision.document_sha256
    check = audit.verify_chain()
    assert check.intact, check.problem


def test_record_many_chains_events_as_record_does(db):
    with transaction.atomic():
        first = audit.record(AuditAction.REFERENCES_ADVANCED, actor=None, details={"n": 0})
        many = audit.record_many(
            AuditAction.IMPORTED, actor=None, details=[{"n": 1}, {"n": 2}, {"n": 3}]
        )
        last = audit.record(AuditAction.REFERENCES_ADVANCED, actor=None, details={"n": 4})
    assert [event.previous_hash for event in many] == [first.hash, many[0].hash, many[1].hash]
    assert last.previous_hash == many[2].hash
    assert last.sequence == first.sequence + 4
    assert audit.verify_chain().intact


def test_an_imported_record_is_not_corrected_or_listed_for_publishers(
    people, tmp_path, media, client
):
    path, files = three_rows(tmp_path)
    run(path, files)
    imported = Publication.objects.get(slug="pcd-1201")

    with pytest.raises(publishing.PublicationError, match="imported record"):
        publishing.publish_correction(
            imported, by=people.publisher, note="Fix", changes={"title": "Changed"}
        )
    client.force_login(people.publisher)
    assert client.get(f"/staff/publications/{imported.pk}/").status_code == 404
    listing = client.get("/staff/publications/")
    assert "PCD 1201" not in body(listing)


def test_the_command_reports_every_problem_and_what_it_imported(tmp_path, media):
    rows = [historic_row(1), historic_row(2, decision_maker=""), historic_row(3, summary="")]
    path, files = write_import(tmp_path, rows)

    with pytest.raises(CommandError) as refused:
        call_command("import_decisions", str(path), files=str(files))
    assert str(refused.value) == (
        f"Nothing was imported: {path} has 2 problems.\n"
        "row 3, field decision_maker: enter the decision maker\n"
        "row 4, field summary: enter the summary"
    )
    assert not Publication.objects.exists()

    rows[1]["decision_maker"] = rows[2]["summary"] = "Given."
    path.write_bytes(csv_bytes(rows))
    out = StringIO()
    call_command("import_decisions", str(path), files=str(files), stdout=out)
    assert "Imported 3 decision(s)" in out.getvalue()
    assert "PCD: the next reference is now PCD 4 (it was PCD 1)." in out.getvalue()
    out = StringIO()
    call_command("import_decisions", str(path), files=str(files), stdout=out)
    assert "Imported 0 decision(s)" in out.getvalue()
    assert "Skipped 3 decision(s) imported before with the same content." in out.getvalue()


def test_the_command_refuses_a_missing_file_or_folder(tmp_path):
    with pytest.raises(CommandError, match="Could not read"):
        call_command("import_decisions", str(tmp_path / "nothing.csv"))
    path = tmp_path / "decisions.csv"
    path.write_bytes(csv_bytes([historic_row(1)]))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("import_decisions", str(path), files=str(tmp_path / "nowhere"))


def test_a_row_that_breaks_csv_quoting_is_named(tmp_path):
    content = csv_bytes([historic_row(1)]) + b'PCD 2,"unterminated\r\n'
    with pytest.raises(ImportRefused) as refused:
        import_decisions(content)
    assert [(p.row, p.field) for p in refused.value.problems] == [(3, "row")]
    assert historic.COLUMNS[0] == "reference"


def test_the_import_writes_in_bulk_moving_the_audit_head_once_a_record(tmp_path, media):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(first: int, count: int) -> int:
        rows = [historic_row(number) for number in range(first, first + count)]
        path, files = write_import(tmp_path / str(first), rows)
        with CaptureQueriesContext(connection) as captured:
            run(path, files)
        return len(captured)

    twenty, forty = queries(1, 20), queries(100, 40)
    # Each record's audit event is one more move of the chain's head; nothing else grows.
    assert forty - twenty <= 20


def test_record_many_can_start_the_chain(db):
    with transaction.atomic():
        many = audit.record_many(AuditAction.IMPORTED, actor=None, details=[{"n": 1}, {"n": 2}])
    assert [event.sequence for event in many] == [1, 2]
    assert many[0].previous_hash == audit.GENESIS
    check = audit.verify_chain()
    assert check.intact and check.keyed_from == 1, check.problem
