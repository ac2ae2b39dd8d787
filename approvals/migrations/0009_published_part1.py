import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0008_publication_later_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedPart1",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "renderer",
                    models.CharField(
                        help_text="Fingerprint of the templates and code that drew it.",
                        max_length=32,
                    ),
                ),
                ("html", models.TextField()),
                ("drawn_at", models.DateTimeField(auto_now=True)),
                (
                    "revision",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="part1",
                        to="approvals.publishedrevision",
                    ),
                ),
            ],
        ),
    ]
