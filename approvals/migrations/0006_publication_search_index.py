from django.db import migrations

INDEX_NAME = "publication_search"


def _index():
    # The same expression the register's search builds (approvals.register.search), so
    # PostgreSQL can answer it from the index instead of reading every row.
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(
        SearchVector("title", "summary", "recommendations", config="english"), name=INDEX_NAME
    )


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("approvals", "Publication"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("approvals", "Publication"), _index())


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_signature_refused")]

    operations = [migrations.RunPython(add_index, remove_index)]
