"""What someone holding the audit tables' owner role (not a superuser) can do to the
trail on PostgreSQL, and how each attempt is refused or found out."""

import io
import json
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from approvals.audit import GENESIS, event_hash
from approvals.models import AuditAnchor, AuditEvent
from tests.workflow import publish

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the tables' owner role is PostgreSQL's"
    ),
]

AUDIT_TABLES = ("approvals_auditevent", "approvals_auditchainhead", "approvals_auditanchor")


class _Undo(Exception):
    pass


@pytest.fixture
def owner(people):
    """A role that owns the audit tables, as the application's own database role does,
    without being a superuser. Everything is undone with the test's transaction."""
    role = f"audit_owner_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        # Django's foreign keys are checked at commit; ALTER TABLE wants none pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER")
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} OWNER TO {role}")
    return role


@contextmanager
def as_owner(role):
    """Run statements as the owner in a savepoint, hand back to the test's own role to
    check the result, then undo it all."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Django's foreign keys are checked at commit; TRUNCATE wants none pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL ROLE {role}")
            yield cursor
            raise _Undo
    except _Undo:
        pass


def verify(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, err.getvalue()
    return 0, out.getvalue()


def rehash(cursor, from_sequence: int, *, keyed: bool) -> str:
    """Recompute each hash from an event to the head, as the owner can with UPDATE."""
    previous = AuditEvent.objects.get(sequence=from_sequence).previous_hash
    for event in AuditEvent.objects.filter(sequence__gte=from_sequence).order_by("sequence"):
        event.previous_hash = previous
        event.hash = event_hash(event, keyed=keyed)
        cursor.execute(
            "UPDATE approvals_auditevent SET previous_hash = %s, hash = %s WHERE id = %s",
            [event.previous_hash, event.hash, event.pk],
        )
        previous = event.hash
    cursor.execute("UPDATE approvals_auditchainhead SET hash = %s", [previous])
    return previous


@pytest.fixture
def saved_anchors(client, people, tmp_path):
    """Two publications, and a copy of their anchors kept outside the database."""
    publish(people, title="Knife crime prevention")
    publish(people, title="Violence against women and girls")
    copy = tmp_path / "anchors.json"
    copy.write_bytes(b"".join(client.get("/audit-anchors.json").streaming_content))
    assert len(json.loads(copy.read_bytes())["anchors"]) == 2
    return copy


def test_truncate_is_refused_to_the_tables_owner(owner, saved_anchors):
    for table in AUDIT_TABLES:
        refused = pytest.raises(DatabaseError, match="append-only: TRUNCATE refused")
        with refused, as_owner(owner) as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert verify()[0] == 0


def test_the_chain_head_moves_only_by_an_append(owner, saved_anchors):
    events = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="moves only by appending"), as_owner(owner) as cursor:
        cursor.execute("UPDATE approvals_auditchainhead SET sequence = 0, hash = %s", [GENESIS])
    with pytest.raises(DatabaseError, match="cannot be deleted"), as_owner(owner) as cursor:
        cursor.execute("DELETE FROM approvals_auditchainhead")

    # The owner can switch the triggers off; the reset head is then found out.
    with as_owner(owner) as cursor:
        cursor.execute("ALTER TABLE approvals_auditchainhead DISABLE TRIGGER USER")
        cursor.execute("UPDATE approvals_auditchainhead SET sequence = 0, hash = %s", [GENESIS])
        code, output = verify()
        assert code == 1
        assert f"the chain head says event 0 but the chain ends at event {events}" in output


def test_a_rewrite_with_recomputed_unkeyed_hashes_is_found_out(owner, saved_anchors):
    with as_owner(owner) as cursor:
        cursor.execute("ALTER TABLE approvals_auditevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE approvals_auditchainhead DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE approvals_auditevent SET actor_name = 'Someone else' WHERE sequence = 3"
        )
        rehash(cursor, 3, keyed=False)
        code, output = verify()
        assert code == 1
        assert "Audit trail broken at event 3: its content does not match its hash" in output
        assert "keyed with AUDIT_KEY" in output


def test_a_rewrite_with_the_key_is_contradicted_by_anchors_kept_outside(
    owner, saved_anchors, settings
):
    with as_owner(owner) as cursor:
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE approvals_auditevent SET actor_name = 'Someone else' WHERE sequence = 3"
        )
        rehash(cursor, 3, keyed=True)
        # ...and the anchors the database holds, so that it agrees with itself.
        for anchor in AuditAnchor.objects.all():
            cursor.execute(
                "UPDATE approvals_auditanchor SET hash = "
                "(SELECT hash FROM approvals_auditevent WHERE sequence = %s) WHERE id = %s",
                [anchor.sequence, anchor.pk],
            )

        code, output = verify()
        assert code == 0, output  # consistent: only an outside copy can tell

        code, output = verify("--anchors", str(saved_anchors))
        assert code == 1
        assert "Audit trail contradicted" in output
        assert "the history up to it has been rewritten" in output

        # The service's own list now agrees with the rewrite: it is not taken as proof.
        settings.SITE_URL = "https://decisions.example.org"
        code, output = verify("--anchors", "https://decisions.example.org/audit-anchors.json")
        assert code == 2
        assert "Anchors must come from outside the database" in output
