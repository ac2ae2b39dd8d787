"""The register's kept counts (RegisterCount): each combination of funder, year and
outcome counts the published decisions that the filters find."""

import itertools

import pytest

from approvals.publication import register
from tests.workflow import bulk_publish, publish

pytestmark = pytest.mark.django_db


def test_the_kept_counts_match_what_the_filters_find(people):
    first = publish(people, title="Organised crime grant")
    bulk_publish(
        first,
        [
            {"funders": "Home Office", "financial_years": "2023/24", "outcome": "approved"},
            {"funders": "Home Office; Ministry of Justice", "financial_years": "2023/24; 2024/25"},
            {"funders": "Ministry of Justice", "financial_years": "2024/25", "outcome": "rejected"},
        ],
    )
    publish(people, title="Another grant")
    assert register.published_total() == register.published().count() == 5
    funders = ["", "Home Office", "Ministry of Justice", "Nobody"]
    years = ["", "2023/24", "2024/25", "2031/32"]
    for funder, year, outcome in itertools.product(funders, years, ["", "approved", "rejected"]):
        filters = {"funder": funder, "year": year, "outcome": outcome}
        filters = {name: value for name, value in filters.items() if value}
        assert register.kept_count(filters) == register.filtered(filters).count(), filters


def test_a_search_with_filters_counts_its_own_matches(people):
    publish(people, title="Knife crime grant")
    publish(people, title="Organised crime grant")
    filters = {"q": "knife", "funder": "Home Office"}
    assert register.kept_count({"funder": "Home Office"}) == 2
    assert register.filtered(filters).count() == 1
    page = register.page_of(register.filtered(filters).values(*register.STORED_FIELDS), "")
    assert page.page.paginator.count == 1


def test_a_filtered_list_holds_exactly_the_matching_decisions_newest_first(people):
    first = publish(people, title="Organised crime grant")
    bulk_publish(
        first,
        [
            {"funders": "Home Office", "financial_years": "2023/24", "outcome": "approved"},
            {"funders": "Home Office; Ministry of Justice", "financial_years": "2023/24; 2024/25"},
            {"funders": "Ministry of Justice", "financial_years": "2024/25", "outcome": "rejected"},
        ],
    )
    everything = list(register.newest_first(register.published()))
    for funder, year, outcome in itertools.product(
        ["", "Home Office", "Ministry of Justice", "Nobody"],
        ["", "2023/24", "2024/25", "2031/32"],
        ["", "approved", "rejected"],
    ):
        filters = {"funder": funder, "year": year, "outcome": outcome}
        filters = {name: value for name, value in filters.items() if value}
        expected = [
            publication.pk
            for publication in everything
            if (not funder or funder in register.split_list(publication.funders))
            and (not year or year in register.split_list(publication.financial_years))
            and (not outcome or publication.outcome == outcome)
        ]
        assert list(register.filtered(filters).values_list("pk", flat=True)) == expected, filters
