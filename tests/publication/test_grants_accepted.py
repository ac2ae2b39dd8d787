"""The public page of grants accepted: its charts, tables and CSV add up the offers of
published, approved (or partly approved) decisions, and nothing else."""

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.core.cache import caches
from django.urls import reverse

from approvals.models import PublishedOffer
from approvals.publication import totals
from tests.html import chart_bars, tables
from tests.money import decided_with_offers, deferred_with_offers, published_with_offers
from tests.workflow import bulk_publish

pytestmark = pytest.mark.django_db

FUNDER_BARS = [("Home Office", "£250,000.00"), ("Youth Endowment Fund", "£120,000.50")]
YEAR_BARS = [("2025/26", "£320,000.50"), ("2026/27", "£50,000.00")]


def _forget_everything():
    for kept in caches.all():
        kept.clear()


@pytest.fixture
def money(people):
    """Two funders and two years in two counted decisions (one partly approved), and a
    rejected, an unpublished and a deferred decision that must not count."""
    published_with_offers(
        people,
        [("Home Office", "200000.00"), ("Youth Endowment Fund", "20000.00")],
        title="Violence reduction",
    )
    published_with_offers(
        people, [("Home Office", "50000.00")], year=2026, title="Violence reduction next year"
    )
    published_with_offers(
        people, [("Youth Endowment Fund", "100000.50")], outcome="partly", title="Youth"
    )
    published_with_offers(people, [("Home Office", "99999.00")], outcome="reject", title="No")
    decided_with_offers(people, [("Unpublished Trust", "177777.00")], title="Waiting")
    deferred_with_offers(people, [("Deferred Foundation", "133333.00")], year=2027, title="Later")
    return people


def test_the_charts_show_the_accepted_totals_by_funder_and_by_year(client, money):
    html = client.get(reverse("grants-accepted")).content.decode()

    charts = chart_bars(html)
    assert charts["Grants accepted by funder"] == FUNDER_BARS
    assert charts["Grants accepted by financial year"] == YEAR_BARS


def test_the_tables_beside_the_charts_have_the_same_figures(client, money):
    html = client.get(reverse("grants-accepted")).content.decode()

    found = tables(html)
    by_funder = next(rows for caption, rows in found.items() if "by funder" in caption)
    by_year = next(rows for caption, rows in found.items() if "by financial year" in caption)
    assert by_funder == [
        ["Funder", "Decisions", "Accepted"],
        ["Home Office", "2", "£250,000.00"],
        ["Youth Endowment Fund", "2", "£120,000.50"],
        ["Total", "3", "£370,000.50"],
    ]
    assert by_year == [
        ["Financial year", "Decisions", "Accepted"],
        ["2025/26", "2", "£320,000.50"],
        ["2026/27", "1", "£50,000.00"],
        ["Total", "3", "£370,000.50"],
    ]
    assert "£370,000.50" in html
    assert "Rejected decisions are not counted (1 published)" in html


def test_the_csv_has_the_same_figures(client, money):
    response = client.get(reverse("grants-accepted-csv"))

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="grants-accepted.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["breakdown", "funder", "financial_year", "amount", "decisions"],
        ["funder", "Home Office", "", "250000.00", "2"],
        ["funder", "Youth Endowment Fund", "", "120000.50", "2"],
        ["financial_year", "", "2025/26", "320000.50", "2"],
        ["financial_year", "", "2026/27", "50000.00", "1"],
        ["total", "", "", "370000.50", "3"],
    ]


def test_unpublished_deferred_and_rejected_offers_are_not_named(client, money):
    for name in ("grants-accepted", "grants-accepted-csv"):
        text = client.get(reverse(name)).content.decode()
        for planted in ("Unpublished Trust", "777", "Deferred Foundation", "333", "2027/28"):
            assert planted not in text
        assert "99,999" not in text and "99999" not in text


def test_a_new_publication_changes_the_totals_at_once(client, money):
    client.get(reverse("grants-accepted"))
    published_with_offers(money, [("Home Office", "1.00")], title="One pound")

    html = client.get(reverse("grants-accepted")).content.decode()

    assert chart_bars(html)["Grants accepted by funder"][0] == ("Home Office", "£250,001.00")


def test_the_page_says_when_nothing_is_accepted_yet(client, db):
    response = client.get(reverse("grants-accepted"))

    assert response.status_code == 200
    assert "No grant has been accepted in a published decision yet." in response.content.decode()
    assert chart_bars(response.content.decode()) == {}


def test_imported_records_are_counted_out_and_said_to_be(client, money):
    from approvals.models import Publication

    template = Publication.objects.get(title="Violence reduction")
    copies = bulk_publish(template, 2, drawings=False)
    Publication.objects.filter(pk__in=[p.pk for p in copies]).update(imported=True)

    html = client.get(reverse("grants-accepted")).content.decode()

    assert "2 decisions from the earlier register are not counted" in html


def test_the_totals_take_the_same_queries_however_many_decisions(
    client, money, django_assert_num_queries
):
    _forget_everything()
    with django_assert_num_queries(5):  # the version, by funder, by year, in all, not counted
        client.get(reverse("grants-accepted"))
    template = totals.counted_publications().first()
    bulk_publish(template, 30, drawings=False)
    _forget_everything()
    with django_assert_num_queries(5):
        html = client.get(reverse("grants-accepted")).content.decode()
    assert "33 published decisions" in html
    _forget_everything()
    with django_assert_num_queries(5):
        client.get(reverse("grants-accepted-csv"))


def test_a_second_visit_is_served_from_the_cache(client, money, django_assert_num_queries):
    client.get(reverse("grants-accepted"))
    with django_assert_num_queries(0):
        client.get(reverse("grants-accepted"))


def test_each_published_offer_is_kept_once_when_a_decision_is_corrected(money):
    from approvals.models import Publication
    from approvals.publication import services as publishing

    publication = Publication.objects.get(title="Violence reduction")
    publishing.publish_correction(
        publication, by=money.publisher, note="Title corrected.", changes={"title": "Violence"}
    )

    assert PublishedOffer.objects.filter(publication=publication).count() == 2


def test_the_migration_copies_the_offers_of_decisions_published_before_it(client, money):
    # As if published before offers were kept: the migration copies them from the first
    # published revision of each decision made here.
    PublishedOffer.objects.all().delete()
    migration = importlib.import_module("approvals.migrations.0028_register_totals")
    migration.copy_published_offers(django_apps, None)
    _forget_everything()

    html = client.get(reverse("grants-accepted")).content.decode()

    assert chart_bars(html)["Grants accepted by funder"] == FUNDER_BARS
    assert chart_bars(html)["Grants accepted by financial year"] == YEAR_BARS
    # The rejected decision's offer is kept too (what counts is asked when adding up).
    assert PublishedOffer.objects.count() == 5


@pytest.mark.parametrize("page", ["home", "register"])
def test_the_home_page_and_the_register_link_to_the_totals(client, db, page):
    assert reverse("grants-accepted") in client.get(reverse(page)).content.decode()
