"""The register's rows are formatted in Python (approvals.publication.views.public._listed): the
same text the template filters gave, escaped the same way."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from approvals.models import Publication
from approvals.publication.views.public import long_date
from tests.workflow import bulk_publish, publish

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "day",
    [datetime.date(2026, 1, 1), datetime.date(2024, 2, 29), datetime.date(1999, 12, 31)]
    + [datetime.date(2025, month, 9) for month in range(1, 13)],
)
def test_long_dates_are_what_the_date_filter_gives(day):
    assert long_date(day) == date_filter(day, "j F Y")


@pytest.mark.parametrize(
    "moment",
    [
        # Just after midnight in London during summer time, still the day before in UTC.
        datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC),
    ],
)
def test_publication_times_are_shown_as_london_dates(moment):
    # A template shows a moment in the current time zone before the date filter reads it.
    in_template = Template('{{ moment|date:"j F Y" }}')
    with timezone.override(LONDON):
        shown = in_template.render(Context({"moment": moment}))
        assert long_date(timezone.localtime(moment)) == shown


def test_a_rows_text_is_escaped(client, people):
    template = publish(people, title="Template")
    bulk_publish(
        template,
        [{"title": "<script>alert(1)</script> & co", "funders": "Smith & <Sons>"}],
    )
    page = client.get("/decisions/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    # In the row, and as the funder filter's option (its value and its label).
    assert page.count("Smith &amp; &lt;Sons&gt;") == 3
    assert "<Sons>" not in page


def test_a_row_shows_what_was_published(client, people):
    publication = publish(people, title="Knife crime prevention")
    publication = Publication.objects.get(pk=publication.pk)
    page = client.get("/decisions/").content.decode()
    assert f'href="/decisions/{publication.slug}/">{publication.reference}: Knife crime' in page
    assert date_filter(publication.published_at, "j F Y") in page
    assert date_filter(publication.decision_date, "j F Y") in page
