from django.db import migrations, models


def count_existing_later_events(apps, schema_editor):
    """Decisions that already have later events shown on their pages start at 1, so
    their pages read them."""
    Publication = apps.get_model("approvals", "Publication")
    StandingAuthorityAcceptance = apps.get_model("approvals", "StandingAuthorityAcceptance")
    RelatedDecision = apps.get_model("approvals", "RelatedDecision")
    decisions = {
        *StandingAuthorityAcceptance.objects.values_list("decision_id", flat=True),
        *RelatedDecision.objects.values_list("decision_id", flat=True),
    }
    Publication.objects.filter(decision_id__in=decisions).update(later_events=1)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0007_search_vector_and_filter_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="later_events",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_existing_later_events, migrations.RunPython.noop),
    ]
