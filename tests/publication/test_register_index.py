"""What the register keeps beside its publications so that its pages stay cheap: the
filter options and (on PostgreSQL) the search words."""

import pytest
from django.db import connection

from approvals.models import FilterOption, Publication
from approvals.publication.register import filter_options, filtered, split_list
from tests.workflow import bulk_publish, decide_only, publish

pytestmark = pytest.mark.django_db


def options_from_publications() -> tuple[list[str], list[str]]:
    """The filter options worked out afresh from every published decision."""
    funders, years = set(), set()
    for publication in Publication.objects.filter(published_at__isnull=False):
        funders.update(split_list(publication.funders))
        years.update(split_list(publication.financial_years))
    return sorted(funders, key=lambda name: (name.casefold(), name)), sorted(years, reverse=True)


def test_publishing_adds_the_decisions_funders_and_years_to_the_filters(people):
    assert filter_options().funders == [] and filter_options().years == []
    first = publish(people, title="Knife crime")
    assert first.funders and first.financial_years
    options = filter_options()
    assert (options.funders, options.years) == options_from_publications()
    assert set(split_list(first.funders)) <= set(options.funders)


def test_a_decision_not_yet_published_adds_nothing(people):
    publish(people, title="Published")
    before = set(FilterOption.objects.values_list("field", "value"))
    scheduled = decide_only(people, title="Decided, not yet published").publication
    Publication.objects.filter(pk=scheduled.pk).update(
        funders="A Funder Nobody Has Published", financial_years="2031/32"
    )
    assert set(FilterOption.objects.values_list("field", "value")) == before
    assert "A Funder Nobody Has Published" not in filter_options().funders


def test_many_decisions_sharing_funders_give_each_option_once(people):
    template = publish(people, title="Template")
    bulk_publish(
        template,
        [
            {"funders": "Home Office; Youth Endowment Fund", "financial_years": "2024/25"},
            {"funders": "Youth Endowment Fund", "financial_years": "2024/25; 2025/26"},
            {"funders": "home office", "financial_years": "2025/26"},
        ],
    )
    options = filter_options()
    assert (options.funders, options.years) == options_from_publications()
    assert len(options.funders) == len(set(options.funders))
    # Sorted regardless of case; distinct spellings stay distinct.
    assert options.funders.index("home office") < options.funders.index("Youth Endowment Fund")


def test_filter_options_are_one_query_however_many_decisions(people, django_assert_num_queries):
    template = publish(people, title="Template")
    bulk_publish(template, [{"funders": f"Funder {n}"} for n in range(30)])
    # The register's version, then the options; then they are kept for that version.
    with django_assert_num_queries(2):
        options = filter_options()
    assert len(options.funders) >= 31
    with django_assert_num_queries(0):
        assert filter_options() == options


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL keeps the search words"
)


@postgresql_only
def test_the_search_words_follow_the_title_summary_and_recommendations(people):
    publication = publish(people, title="Knife crime prevention")
    assert [p.pk for p in filtered({"q": "knife"})] == [publication.pk]
    Publication.objects.filter(pk=publication.pk).update(
        title="Serious violence", summary="Mentoring in custody suites"
    )
    assert not filtered({"q": "knife"}).exists()
    assert [p.pk for p in filtered({"q": "custody mentoring"})] == [publication.pk]


@postgresql_only
def test_decisions_added_in_bulk_are_searchable(people):
    template = publish(people, title="Template")
    made = bulk_publish(template, [{"title": "Drones over the Thames"}])
    assert [p.pk for p in filtered({"q": "drone"})] == [made[0].pk]


def test_only_a_search_with_a_number_in_it_looks_at_references():
    words = str(filtered({"q": "knife crime"}).query)
    reference = str(filtered({"q": "PCD 12"}).query)
    assert '"slug"' not in words.split("WHERE", 1)[1]
    assert "pcd-12" in reference
