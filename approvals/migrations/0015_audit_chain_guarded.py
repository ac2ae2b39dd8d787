"""Guard the audit chain against the tables' owner, key it, and anchor it.

On PostgreSQL: TRUNCATE of the chain's tables is refused (only a superuser, who can do
anything, may still empty them, as a test database's flush does); the head row moves
only by an append; anchors are append-only like events.

On every database: an existing chain is sealed (its first keyed event names the last
unkeyed one, which becomes the first anchor), and each decision already published gets
the anchor its publication event would have recorded.
"""

import json

from django.db import migrations
from django.utils import timezone

GUARDS = """
CREATE OR REPLACE FUNCTION approvals_refuse_audit_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION approvals_refuse_anchor_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit anchors are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION approvals_guard_chain_head() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM approvals_auditchainhead) THEN
            RAISE EXCEPTION 'the audit chain has one head'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id
        OR NEW.sequence <> OLD.sequence + 1
        OR NEW.hash IS DISTINCT FROM (
            SELECT hash FROM approvals_auditevent WHERE sequence = NEW.sequence
        )
        OR (NEW.keyed_from <> OLD.keyed_from
            AND NOT (OLD.keyed_from = 0 AND NEW.keyed_from = NEW.sequence))
    THEN
        RAISE EXCEPTION 'the audit chain head moves only by appending an event'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER approvals_auditevent_no_truncate
    BEFORE TRUNCATE ON approvals_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_refuse_audit_truncate();
CREATE TRIGGER approvals_auditchainhead_no_truncate
    BEFORE TRUNCATE ON approvals_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_refuse_audit_truncate();
CREATE TRIGGER approvals_auditanchor_no_truncate
    BEFORE TRUNCATE ON approvals_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_refuse_audit_truncate();
CREATE TRIGGER approvals_auditanchor_append_only
    BEFORE UPDATE OR DELETE ON approvals_auditanchor
    FOR EACH ROW EXECUTE FUNCTION approvals_refuse_anchor_change();
CREATE TRIGGER approvals_auditchainhead_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON approvals_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION approvals_guard_chain_head();
"""

DROP_GUARDS = """
DROP TRIGGER IF EXISTS approvals_auditchainhead_append_only ON approvals_auditchainhead;
DROP TRIGGER IF EXISTS approvals_auditanchor_append_only ON approvals_auditanchor;
DROP TRIGGER IF EXISTS approvals_auditanchor_no_truncate ON approvals_auditanchor;
DROP TRIGGER IF EXISTS approvals_auditchainhead_no_truncate ON approvals_auditchainhead;
DROP TRIGGER IF EXISTS approvals_auditevent_no_truncate ON approvals_auditevent;
DROP FUNCTION IF EXISTS approvals_guard_chain_head();
DROP FUNCTION IF EXISTS approvals_refuse_anchor_change();
DROP FUNCTION IF EXISTS approvals_refuse_audit_truncate();
"""


def seal_and_anchor(apps, schema_editor):
    from approvals.audit import canonical, event_hash

    Head = apps.get_model("approvals", "AuditChainHead")
    Event = apps.get_model("approvals", "AuditEvent")
    Anchor = apps.get_model("approvals", "AuditAnchor")
    Revision = apps.get_model("approvals", "PublishedRevision")

    head = Head.objects.select_for_update().filter(pk=1).first()
    if head is None or head.keyed_from:
        return
    if head.sequence == 0:
        # Nothing unkeyed to seal: the chain's first event will be keyed.
        return

    # Decisions published before the chain had anchors: their publication event was the
    # chain's head at the time.
    for event in Event.objects.filter(action="published").order_by("sequence"):
        revision = Revision.objects.filter(
            publication__reference=event.details.get("reference"),
            number=event.details.get("revision"),
        ).first()
        if revision is not None and not Anchor.objects.filter(revision=revision).exists():
            Anchor.objects.create(
                kind="published",
                sequence=event.sequence,
                hash=event.hash,
                recorded_at=event.occurred_at,
                revision=revision,
            )

    unkeyed = {"sequence": head.sequence, "hash": head.hash}
    seal = Event(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor=None,
        actor_name="System",
        action="chain_keyed",
        details=json.loads(canonical({"unkeyed_head": unkeyed})),
        previous_hash=head.hash,
    )
    seal.hash = event_hash(seal)
    seal.save()
    Anchor.objects.create(kind="keyed", recorded_at=seal.occurred_at, **unkeyed)
    # The head's guard is created after this step.
    Head.objects.filter(pk=1).update(
        sequence=seal.sequence, hash=seal.hash, keyed_from=seal.sequence
    )


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDS, params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GUARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0014_audit_anchors")]

    operations = [
        migrations.RunPython(seal_and_anchor, migrations.RunPython.noop),
        migrations.RunPython(create_guards, drop_guards),
    ]
