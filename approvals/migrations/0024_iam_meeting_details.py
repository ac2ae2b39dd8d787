import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    """Meetings get a time, a place and who is invited; who attended is recorded with the
    outcomes. Meetings recorded before keep their attendees, and get 10:00 and "Not
    recorded" for what was not asked then."""

    dependencies = [
        ("approvals", "0023_recommendation_decisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="iammeeting",
            name="time",
            field=models.TimeField(default=datetime.time(10, 0)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="iammeeting",
            name="place",
            field=models.CharField(default="Not recorded", max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="iammeeting",
            name="invitees",
            field=models.TextField(default="Not recorded", help_text="Who is invited, one a line."),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="iammeeting",
            name="attendees",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="minutes",
            field=models.TextField(
                blank=True, help_text="The meeting's minutes on this case; staff only."
            ),
        ),
    ]
