from django.db import migrations

ADMINISTRATOR = "administrator"


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=ADMINISTRATOR)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ADMINISTRATOR).delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0015_audit_chain_guarded")]

    operations = [migrations.RunPython(create_role, remove_role)]
