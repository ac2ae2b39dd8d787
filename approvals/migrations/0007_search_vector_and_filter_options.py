import django.contrib.postgres.search
from django.db import migrations, models

SEPARATOR = "; "

# PostgreSQL keeps each publication's search_vector from its title, summary and
# recommendations, whoever writes the row; the search reads the stored words instead of
# building them again for every row it looks at.
CREATE_SEARCH = """
CREATE TRIGGER publication_search_vector
BEFORE INSERT OR UPDATE ON approvals_publication
FOR EACH ROW EXECUTE FUNCTION
tsvector_update_trigger(search_vector, 'pg_catalog.english', title, summary, recommendations);
UPDATE approvals_publication SET search_vector = NULL;
CREATE INDEX publication_search_vector ON approvals_publication USING gin (search_vector);
DROP INDEX IF EXISTS publication_search;
"""
DROP_SEARCH = """
DROP INDEX IF EXISTS publication_search_vector;
DROP TRIGGER IF EXISTS publication_search_vector ON approvals_publication;
"""


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SEARCH)


def remove_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SEARCH)
        # Migration 0006's index, so reversing leaves the search as it was.
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        schema_editor.add_index(
            apps.get_model("approvals", "Publication"),
            GinIndex(
                SearchVector("title", "summary", "recommendations", config="english"),
                name="publication_search",
            ),
        )


def add_filter_options(apps, schema_editor):
    Publication = apps.get_model("approvals", "Publication")
    FilterOption = apps.get_model("approvals", "FilterOption")
    published = Publication.objects.filter(published_at__isnull=False).order_by()
    options = set()
    for funders, years in published.values_list("funders", "financial_years").distinct():
        options.update(("funder", item) for item in funders.split(SEPARATOR) if item)
        options.update(("year", item) for item in years.split(SEPARATOR) if item)
    FilterOption.objects.bulk_create(
        (FilterOption(field=field, value=value) for field, value in sorted(options)),
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0006_publication_search_index")]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(add_search_vector, remove_search_vector),
        migrations.CreateModel(
            name="FilterOption",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "field",
                    models.CharField(
                        choices=[("funder", "Funder"), ("year", "Financial year")], max_length=10
                    ),
                ),
                ("value", models.CharField(max_length=1000)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("field", "value"), name="filter_option_unique")
                ],
            },
        ),
        migrations.RunPython(add_filter_options, migrations.RunPython.noop),
    ]
