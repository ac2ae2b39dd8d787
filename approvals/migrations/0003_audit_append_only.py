from django.db import migrations

GENESIS = "0" * 64

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION approvals_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER approvals_auditevent_append_only
    BEFORE UPDATE OR DELETE ON approvals_auditevent
    FOR EACH ROW EXECUTE FUNCTION approvals_refuse_audit_change();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS approvals_auditevent_append_only ON approvals_auditevent;
DROP FUNCTION IF EXISTS approvals_refuse_audit_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


def create_chain_head(apps, schema_editor):
    apps.get_model("approvals", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"sequence": 0, "hash": GENESIS}
    )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0002_workflow")]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
