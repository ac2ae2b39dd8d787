"""The audit trail is append-only and tamper-evident."""

import io
import itertools

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from approvals import audit
from approvals.audit import GENESIS, event_hash, verify_chain
from approvals.models import AuditAction, AuditEvent, CaseVersion, ImmutableRecordError
from tests.factories import make_case
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's"
)


@pytest.fixture
def trail(people):
    case = make_case(people.manager)
    to_ready(case, people)
    approve(case, people)
    return list(AuditEvent.objects.order_by("sequence"))


def verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, err.getvalue()
    return 0, out.getvalue()


def tamper(sql: str, params: list):
    """Change the table behind the application's back, as a database superuser could: on
    PostgreSQL that means switching triggers off for the session first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_events_are_chained_in_order(trail):
    assert [e.sequence for e in trail] == list(range(1, len(trail) + 1))
    assert trail[0].previous_hash == GENESIS
    for before, after in itertools.pairwise(trail):
        assert after.previous_hash == before.hash
    assert all(event_hash(e) == e.hash for e in trail)


def test_verify_audit_passes_on_an_intact_trail(trail):
    code, output = verify()
    assert code == 0
    assert f"Audit trail intact: {len(trail)} events." in output


def test_verify_audit_names_the_event_whose_details_were_altered(trail):
    target = trail[4]
    tamper(
        "UPDATE approvals_auditevent SET details = %s WHERE id = %s",
        ['{"area": "finance", "advice": "Quietly changed."}', target.pk],
    )
    code, output = verify()
    assert code == 1
    assert f"Audit trail broken at event {target.sequence}" in output
    assert "content does not match its hash" in output


def test_verify_audit_notices_a_deleted_event(trail):
    tamper("DELETE FROM approvals_auditevent WHERE id = %s", [trail[2].pk])
    code, output = verify()
    assert code == 1
    assert f"event {trail[2].sequence} is missing" in output


def test_verify_audit_notices_a_rewritten_and_rehashed_event(trail):
    """Recomputing one event's hash is not enough: the next event still names the old one."""
    target = trail[3]
    target.details = {"area": "legal", "advice": "Rewritten."}
    tamper(
        "UPDATE approvals_auditevent SET details = %s, hash = %s WHERE id = %s",
        ['{"area": "legal", "advice": "Rewritten."}', event_hash(target), target.pk],
    )
    check = verify_chain()
    assert not check.intact
    assert check.broken_at == trail[4].sequence


def test_the_application_cannot_change_or_delete_an_event(trail):
    event = trail[0]
    event.details = {"changed": True}
    with pytest.raises(ImmutableRecordError):
        event.save()
    with pytest.raises(ImmutableRecordError):
        event.delete()
    version = CaseVersion.objects.first()
    with pytest.raises(ImmutableRecordError):
        version.save()


@on_postgresql
def test_postgresql_refuses_a_direct_update_or_delete(trail):
    for sql in (
        "UPDATE approvals_auditevent SET actor_name = 'Someone else'",
        "DELETE FROM approvals_auditevent",
    ):
        refused = pytest.raises(DatabaseError, match="append-only")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == len(trail)
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_an_event_is_only_written_inside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(AuditAction.MEETING_RECORDED, actor=None)
