"""Decision references after restoring an older backup: `restore_check --register` names
the references the database would issue again, and `advance_references` moves the
sequence past the public register's, audited, never backwards."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from approvals import references
from approvals.audit import verify_chain
from approvals.models import AuditAction, AuditEvent, ReferenceSequence
from tests.workflow import publish

pytestmark = pytest.mark.django_db


def saved(client, tmp_path, url: str) -> str:
    """The register's open data as a person saves it from the public site."""
    response = client.get(url)
    assert response.status_code == 200
    path = tmp_path / url.strip("/")
    path.write_bytes(b"".join(response.streaming_content))
    return str(path)


@pytest.fixture
def published_three(people):
    """PCD 1 to PCD 3 on the register, then the sequence put back to where a backup taken
    after PCD 1 left it."""
    publications = [publish(people, title=f"Grant {number}") for number in (1, 2, 3)]
    assert [p.reference for p in publications] == ["PCD 1", "PCD 2", "PCD 3"]
    ReferenceSequence.objects.filter(prefix="PCD").update(next_number=2)
    return publications


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def next_number(prefix: str = "PCD") -> int:
    return ReferenceSequence.objects.get(prefix=prefix).next_number


@pytest.fixture
def served():
    """Serve bytes over HTTP on a local port, as the public site would."""
    server = None

    def serve(content: bytes, content_type: str) -> str:
        nonlocal server

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/decisions.json"

    yield serve
    if server is not None:
        server.shutdown()
        server.server_close()


# restore_check --register ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/decisions.json", "/decisions.csv"])
def test_restore_check_names_the_references_that_would_be_issued_again(
    client, tmp_path, published_three, url
):
    register = saved(client, tmp_path, url)
    code, _, err = run("restore_check", "--register", register)
    assert code == 1
    assert "the next is PCD 2, but the register already has up to PCD 3" in err
    assert "2 reference(s) would be issued again" in err
    assert "Restore check failed: 1 problem(s)." in err


def test_restore_check_passes_once_the_sequence_is_past_the_register(
    client, tmp_path, published_three
):
    register = saved(client, tmp_path, "/decisions.csv")
    ReferenceSequence.objects.filter(prefix="PCD").update(next_number=4)
    code, out, err = run("restore_check", "--register", register)
    assert (code, err) == (0, "")
    assert "Decision references: the next, PCD 4, is past the register's PCD 3." in out


def test_a_next_reference_equal_to_the_highest_published_is_reported(
    client, tmp_path, published_three
):
    register = saved(client, tmp_path, "/decisions.json")
    ReferenceSequence.objects.filter(prefix="PCD").update(next_number=3)
    code, _, err = run("restore_check", "--register", register)
    assert code == 1
    assert "the next is PCD 3, but the register already has up to PCD 3" in err


def test_restore_check_reads_the_register_from_its_address(client, published_three, served):
    response = client.get("/decisions.json")
    url = served(b"".join(response.streaming_content), "application/json")
    code, _, err = run("restore_check", "--register", url)
    assert code == 1
    assert "the next is PCD 2" in err


def test_without_register_restore_check_does_not_look_at_references(published_three):
    code, out, err = run("restore_check")
    assert (code, err) == (0, "")
    assert "Decision references" not in out


def test_a_prefix_never_issued_counts_from_the_first_number(tmp_path, db, settings):
    settings.DECISION_REFERENCE_START = 5
    register = tmp_path / "decisions.csv"
    register.write_text("reference,title\nCEOD 7,Chief executive's decision\n")
    code, _, err = run("restore_check", "--register", str(register))
    assert code == 1
    assert "the next is CEOD 5, but the register already has up to CEOD 7" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title\nA grant\n", "it has no reference column"),
        ('{"decisions": [{"title": "A grant"}]}', "each decision needs a reference"),
        ("[{]", "is not valid JSON"),
    ],
)
def test_a_file_that_is_not_the_registers_open_data_is_refused(tmp_path, db, content, message):
    register = tmp_path / "register.txt"
    register.write_text(content)
    for command in ("restore_check", "advance_references"):
        with pytest.raises(CommandError, match=message):
            call_command(command, "--register", str(register))


def test_a_missing_file_or_unreachable_address_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="Could not read the register file"):
        call_command("restore_check", "--register", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="Could not fetch the register from"):
        call_command("advance_references", "--register", "http://127.0.0.1:9/decisions.json")


def test_the_register_is_read_as_its_open_data_writes_it(tmp_path, db):
    register = tmp_path / "decisions.json"
    register.write_text(
        '{"metadata": {}, "decisions": [{"reference": "PCD 12"}, {"reference": "PCD 9"},'
        ' {"reference": "CEOD 3"}, {"reference": "Historic decision 2009/4"},'
        ' {"reference": ""}]}'
    )
    published = references.published_references(str(register))
    assert published.highest == {"PCD": 12, "CEOD": 3}
    assert published.unreadable == ["Historic decision 2009/4", ""]


# advance_references ------------------------------------------------------------------------


def test_advance_moves_the_sequence_past_the_register_with_an_audit_event(
    client, tmp_path, people, published_three, served
):
    url = served(b"".join(client.get("/decisions.json").streaming_content), "application/json")
    code, out, _ = run("advance_references", "--register", url)
    assert code == 0
    assert "PCD: the next reference is now PCD 4 (it was PCD 2" in out
    assert next_number() == 4

    event = AuditEvent.objects.get(action=AuditAction.REFERENCES_ADVANCED)
    assert event.case is None
    assert event.details == {"prefix": "PCD", "from": 2, "to": 4, "source": url}
    assert verify_chain().intact

    # The next decision takes the next unused reference.
    assert publish(people, title="After the restore").reference == "PCD 4"
    assert run("restore_check", "--register", url)[0] == 0


def test_advance_never_moves_a_sequence_back(client, tmp_path, published_three):
    register = saved(client, tmp_path, "/decisions.csv")
    ReferenceSequence.objects.filter(prefix="PCD").update(next_number=10)
    code, out, _ = run("advance_references", "--register", register)
    assert code == 0
    assert "PCD 10, is already past the register's PCD 3; left as it is" in out
    assert next_number() == 10
    assert not AuditEvent.objects.filter(action=AuditAction.REFERENCES_ADVANCED).exists()


def test_advance_twice_moves_once(client, tmp_path, published_three):
    register = saved(client, tmp_path, "/decisions.json")
    run("advance_references", "--register", register)
    run("advance_references", "--register", register)
    assert next_number() == 4
    assert AuditEvent.objects.filter(action=AuditAction.REFERENCES_ADVANCED).count() == 1


def test_advance_starts_a_sequence_for_a_prefix_it_has_never_issued(tmp_path, db):
    register = tmp_path / "decisions.csv"
    register.write_text("reference,title\nCEOD 7,A\nPCD 2,B\nCEOD 3,C\n")
    run("advance_references", "--register", str(register))
    assert next_number("CEOD") == 8
    assert next_number("PCD") == 3
    events = AuditEvent.objects.filter(action=AuditAction.REFERENCES_ADVANCED).order_by("pk")
    assert [(e.details["prefix"], e.details["from"], e.details["to"]) for e in events] == [
        ("CEOD", 1, 8),
        ("PCD", 1, 3),
    ]


def test_a_failed_audit_event_leaves_every_sequence_where_it_was(
    client, tmp_path, published_three, monkeypatch
):
    register = tmp_path / "decisions.csv"
    register.write_text("reference,title\nAAA 5,A\nPCD 3,B\n")

    def refuse(action, **kwargs):
        if kwargs["details"]["prefix"] == "PCD":
            raise RuntimeError("the audit trail is unavailable")
        return original(action, **kwargs)

    original = references.audit.record
    monkeypatch.setattr(references.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        call_command("advance_references", "--register", str(register))
    assert next_number() == 2
    assert not ReferenceSequence.objects.filter(prefix="AAA").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REFERENCES_ADVANCED).exists()


def test_an_empty_register_moves_nothing(client, tmp_path, db):
    register = saved(client, tmp_path, "/decisions.csv")
    code, out, _ = run("advance_references", "--register", register)
    assert code == 0
    assert "The register has no decision references: nothing to move." in out
    assert not ReferenceSequence.objects.exists()
