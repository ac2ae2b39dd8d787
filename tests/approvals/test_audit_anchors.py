"""The audit chain is keyed with AUDIT_KEY, sealed at the cut-over, and anchored on the
public record at each publication; verify_audit checks it against a saved copy."""

import hashlib
import importlib
import io
import json
from xml.etree import ElementTree

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from approvals import anchors, audit
from approvals.audit import GENESIS, event_hash, verify_chain
from approvals.models import AuditAction, AuditAnchor, AuditChainHead, AuditEvent
from tests.workflow import publish

pytestmark = pytest.mark.django_db


def verify(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, err.getvalue() + out.getvalue()
    return 0, out.getvalue()


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def rewrite(sql: str, params: list):
    """Change the tables behind the application's back, triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def rewrite_from(sequence: int, *, keyed: bool, actor_name: str):
    """Change one event's actor and recompute every hash from it to the head: with the
    key, or with a plain SHA-256."""
    previous = AuditEvent.objects.get(sequence=sequence).previous_hash
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        if event.sequence == sequence:
            event.actor_name = actor_name
        event.previous_hash = previous
        event.hash = event_hash(event, keyed=keyed)
        rewrite(
            "UPDATE approvals_auditevent SET actor_name = %s, previous_hash = %s, hash = %s "
            "WHERE id = %s",
            [event.actor_name, event.previous_hash, event.hash, event.pk],
        )
        previous = event.hash
    rewrite("UPDATE approvals_auditchainhead SET hash = %s WHERE id = 1", [previous])
    return previous


@pytest.fixture
def published(people):
    first = publish(people, title="Knife crime prevention")
    second = publish(people, title="Violence against women and girls")
    return first, second


def test_events_are_keyed_with_the_audit_key(published, settings):
    event = AuditEvent.objects.order_by("sequence").first()
    assert event.hash == event_hash(event)
    assert event.hash != event_hash(event, keyed=False)
    settings.AUDIT_KEY = "a-different-key-entirely-0123456789abcdef"
    check = verify_chain()
    assert not check.intact
    assert check.broken_at == 1
    assert "keyed with AUDIT_KEY" in check.problem


def test_each_publication_records_the_chains_head_beside_its_revision(published):
    for publication in published:
        revision = publication.revisions.get()
        event = AuditEvent.objects.get(
            action=AuditAction.PUBLISHED, details__reference=publication.reference
        )
        anchor = revision.audit_anchor
        assert (anchor.sequence, anchor.hash, anchor.kind) == (
            event.sequence,
            event.hash,
            "published",
        )
    # The second publication's anchor is the head after it: nothing was written since.
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (
        published[1].revisions.get().audit_anchor.sequence,
        published[1].revisions.get().audit_anchor.hash,
    )


def test_the_decision_page_shows_its_anchor(client, published):
    publication = published[0]
    anchor = publication.revisions.get().audit_anchor
    page = client.get(f"/decisions/{publication.slug}/").content.decode()
    assert f"stood at entry {anchor.sequence}" in page
    assert anchor.hash in page
    assert 'href="/audit-anchors/"' in page


def test_the_anchors_list_and_its_data_hold_every_anchor(client, published):
    page = client.get("/audit-anchors/")
    assert page.status_code == 200
    html = page.content.decode()
    data = json.loads(streamed(client.get("/audit-anchors.json")))
    assert [item["reference"] for item in data["anchors"]] == [p.reference for p in published]
    for item in data["anchors"]:
        assert item["hash"] in html
        assert f">{item['sequence']}<" in html
        event = AuditEvent.objects.get(sequence=item["sequence"])
        assert item["hash"] == event.hash
    assert data["generated_at"]
    # Anchors are outside document.json, whose SHA-256 is fixed at publication.
    document = client.get(f"/decisions/{published[0].slug}/document.json").content
    assert published[0].revisions.get().document_sha256 == hashlib.sha256(document).hexdigest()
    assert b"audit" not in document.lower()


def test_the_feed_carries_each_entrys_anchor(client, published):
    feed = ElementTree.fromstring(client.get("/decisions/feed/").content)
    found = {
        entry.findtext("{http://www.w3.org/2005/Atom}title").split(":")[0]: entry.find(
            f"{{{anchors.FEED_NAMESPACE}}}anchor"
        )
        for entry in feed.iter("{http://www.w3.org/2005/Atom}entry")
    }
    for publication in published:
        anchor = publication.revisions.get().audit_anchor
        element = found[publication.reference]
        assert element.get("sequence") == str(anchor.sequence)
        assert element.get("hash") == anchor.hash


def test_verify_audit_says_the_databases_own_anchors_prove_nothing(published):
    code, output = verify()
    assert code == 0
    assert "agrees with the 2 anchors this database holds" in output
    assert "check it against a copy kept outside with --anchors" in output


@pytest.mark.parametrize("saved_from", ["/audit-anchors.json", "/decisions/feed/"])
def test_a_copy_saved_before_a_keyed_rewrite_contradicts_it(
    client, published, tmp_path, saved_from
):
    response = client.get(saved_from)
    copy = tmp_path / "anchors-copy"
    copy.write_bytes(streamed(response) if response.streaming else response.content)
    code, output = verify("--anchors", str(copy))
    assert code == 0, output
    assert "matching all 2 anchors" in output

    # Someone holding the key rewrites who did an early step, recomputes every hash and
    # the anchors the database holds: the chain alone is consistent again.
    rewrite_from(3, keyed=True, actor_name="Someone else")
    for anchor in AuditAnchor.objects.all():
        event = AuditEvent.objects.get(sequence=anchor.sequence)
        rewrite("UPDATE approvals_auditanchor SET hash = %s WHERE id = %s", [event.hash, anchor.pk])
    assert verify()[0] == 0

    code, output = verify("--anchors", str(copy))
    assert code == 1
    first = published[0]
    assert f"the anchor in {copy} for {first.reference}" in output
    assert "the history up to it has been rewritten" in output


def test_anchors_read_from_this_service_are_not_accepted(published, settings):
    settings.SITE_URL = "https://decisions.example.org"
    code, output = verify("--anchors", "https://decisions.example.org/audit-anchors.json")
    assert code == 2
    assert "Anchors must come from outside the database" in output


def test_unreadable_anchors_are_refused_with_the_reason(published, tmp_path):
    missing = tmp_path / "nothing-here.json"
    assert verify("--anchors", str(missing)) == (2, verify("--anchors", str(missing))[1])
    assert "could not read" in verify("--anchors", str(missing))[1]
    garbled = tmp_path / "garbled.json"
    garbled.write_text('{"anchors": [{"sequence": 1, "hash": "not-a-hash"}]}')
    code, output = verify("--anchors", str(garbled))
    assert code == 2
    assert "is not an anchors list" in output


def test_anchors_of_a_database_rewritten_without_the_key_are_caught(published):
    rewrite_from(2, keyed=False, actor_name="Someone else")
    code, output = verify()
    assert code == 1
    assert "Audit trail broken at event 2: its content does not match its hash" in output


def test_the_database_anchors_catch_a_chain_rewritten_past_them(published):
    # A rewrite with the key that leaves the stored anchors alone is caught by them.
    rewrite_from(3, keyed=True, actor_name="Someone else")
    code, output = verify()
    assert code == 1
    assert "recorded in this database" in output


def _unkeyed_chain(n: int) -> None:
    """A chain as written before keying: plain SHA-256, no key."""
    previous = GENESIS
    for sequence in range(1, n + 1):
        event = AuditEvent(
            sequence=sequence,
            occurred_at=timezone.now(),
            actor_name="System",
            action=AuditAction.MEETING_RECORDED,
            details={"n": sequence},
            previous_hash=previous,
        )
        event.hash = event_hash(event, keyed=False)
        event.save()
        previous = event.hash
    rewrite(
        "INSERT INTO approvals_auditchainhead (id, sequence, hash, keyed_from) "
        "VALUES (1, %s, %s, 0) ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, "
        "hash = excluded.hash, keyed_from = 0",
        [n, previous],
    )


def test_the_migration_seals_an_unkeyed_chain_and_anchors_its_head():
    _unkeyed_chain(3)
    unkeyed_head = AuditEvent.objects.get(sequence=3)
    migration = importlib.import_module("approvals.migrations.0015_audit_chain_guarded")
    with transaction.atomic():
        migration.seal_and_anchor(django_apps, None)

    seal = AuditEvent.objects.get(sequence=4)
    assert seal.action == AuditAction.CHAIN_KEYED
    assert seal.previous_hash == unkeyed_head.hash
    assert seal.details == {"unkeyed_head": {"sequence": 3, "hash": unkeyed_head.hash}}
    assert seal.hash == event_hash(seal)
    first_anchor = AuditAnchor.objects.get()
    assert (first_anchor.kind, first_anchor.sequence, first_anchor.hash) == (
        "keyed",
        3,
        unkeyed_head.hash,
    )
    check = verify_chain()
    assert check.intact, check
    assert check.keyed_from == 4

    # New events are keyed and follow the seal.
    with transaction.atomic():
        event = audit.record(AuditAction.MEETING_RECORDED, actor=None)
    assert (event.sequence, event.previous_hash) == (5, seal.hash)
    assert verify_chain().intact


def test_record_seals_an_unkeyed_chain_loaded_after_the_migration():
    _unkeyed_chain(2)
    with transaction.atomic():
        event = audit.record(AuditAction.MEETING_RECORDED, actor=None)
    assert AuditEvent.objects.get(sequence=3).action == AuditAction.CHAIN_KEYED
    assert event.sequence == 4
    assert AuditAnchor.objects.get().sequence == 2
    assert verify_chain().intact


def test_rewriting_the_unkeyed_part_of_a_sealed_chain_is_caught():
    _unkeyed_chain(3)
    with transaction.atomic():
        audit.record(AuditAction.MEETING_RECORDED, actor=None)
    # Event 2 rewritten and the unkeyed part recomputed: the seal still names the old
    # unkeyed head, and its keyed hash cannot be recomputed without the key.
    rewrite_from(2, keyed=False, actor_name="Someone else")
    check = verify_chain()
    assert not check.intact
    assert check.broken_at == 4


def test_removing_the_seal_to_pass_everything_off_as_unkeyed_is_caught():
    _unkeyed_chain(3)
    with transaction.atomic():
        audit.record(AuditAction.MEETING_RECORDED, actor=None)
    rewrite(
        "UPDATE approvals_auditevent SET action = %s WHERE sequence = 4",
        [AuditAction.MEETING_RECORDED.value],
    )
    check = verify_chain()
    assert not check.intact
    # Without a seal every event must be keyed, and the old ones are not.
    assert check.broken_at == 1
