"""The case editor's tables of rows (offers, units, recommendations), driven through the
test client as a grants manager would use them."""

import datetime
import re
from decimal import Decimal

import pytest

from grants.models import (
    FundedUnit,
    Funder,
    GrantOffer,
    Post,
)
from tests.grants.editor_pages import (
    error_summary,
    submit,
    url,
)

pytestmark = pytest.mark.django_db


# Each page saves what it shows -----------------------------------------------------------------


def test_offers_can_be_changed_and_removed_and_a_typed_funder_is_reused(manager_client, draft):
    html = manager_client.get(url("edit-offers", draft)).content.decode()
    assert re.search(r'name="then" value="more"[^>]*>Save and add another offer</button>', html)
    assert "<legend" in html and "Offer 1" in html and "New offer" in html
    submit(
        manager_client,
        url("edit-offers", draft),
        {
            "offers-0-DELETE": "on",
            "offers-1-new_funder": "home office",
            "offers-1-amount": "250000",
            "offers-1-financial_year": "2024/25",
            "offers-1-period_start_0": "1",
            "offers-1-period_start_1": "4",
            "offers-1-period_start_2": "2024",
            "offers-1-conditions": "Quarterly claims.",
        },
    )
    [offer] = GrantOffer.objects.filter(case=draft)
    assert (offer.funder.name, offer.amount, offer.financial_year, offer.period_start) == (
        "Home Office",
        Decimal("250000.00"),
        2024,
        datetime.date(2024, 4, 1),
    )
    assert offer.conditions == "Quarterly claims."
    assert Funder.objects.count() == 1


def test_two_offers_can_swap_funders_in_one_save(manager_client, draft):
    emsou = Funder.objects.create(name="EMSOU")
    GrantOffer.objects.create(
        case=draft, funder=emsou, amount=Decimal("5"), financial_year=2023, position=2
    )
    home_office = Funder.objects.get(name="Home Office")
    response = submit(
        manager_client,
        url("edit-offers", draft),
        {"offers-0-funder": str(emsou.pk), "offers-1-funder": str(home_office.pk)},
    )
    assert response.status_code == 302
    assert list(draft.offers.order_by("position").values_list("funder__name", "amount")) == [
        ("EMSOU", Decimal("100000.00")),
        ("Home Office", Decimal("5.00")),
    ]


def test_units_can_swap_names_and_a_removed_unit_takes_its_posts(manager_client, draft, unit):
    other = FundedUnit.objects.create(case=draft, name="ROCU", position=2)
    response = submit(
        manager_client,
        url("edit-units", draft),
        {"units-0-name": "ROCU", "units-1-name": "ACE"},
    )
    assert response.status_code == 302
    assert FundedUnit.objects.get(pk=unit.pk).name == "ROCU"
    assert FundedUnit.objects.get(pk=other.pk).name == "ACE"

    submit(manager_client, url("edit-units", draft), {"units-0-DELETE": "on"})
    assert list(draft.units.values_list("name", flat=True)) == ["ACE"]
    assert not Post.objects.filter(unit_id=unit.pk).exists()


def test_two_units_with_one_name_get_a_clear_error_not_a_database_error(manager_client, draft):
    response = submit(
        manager_client,
        url("edit-units", draft),
        {"units-1-name": "ACE", "units-1-grant_allocation": "1"},
    )
    assert response.status_code == 200
    assert error_summary(response.content.decode()) == [
        (
            "id_units-1-name",
            "Unit 2: Unit 1 is already called ‘ACE’. Give each unit a different name.",
        )
    ]
    assert draft.units.count() == 1


def test_recommendations_with_a_standing_authority(manager_client, draft):
    page = url("edit-recommendations", draft)
    response = submit(
        manager_client,
        page,
        {
            "recommendations-0-text": "Accept future offers.",
            "recommendations-0-is_standing_authority": "on",
        },
    )
    assert error_summary(response.content.decode()) == [
        (
            "id_recommendations-0-annual_cap",
            "Recommendation 1: Enter the most that can be accepted each year",
        ),
        (
            "id_recommendations-0-ends_on_0",
            "Recommendation 1: Enter the date the standing authority ends",
        ),
    ]
    assert not draft.recommendations.exists()

    submit(
        manager_client,
        page,
        {
            "recommendations-0-text": "Accept future offers of up to £2.000m annually until 2027.",
            "recommendations-0-is_standing_authority": "on",
            "recommendations-0-annual_cap": "£2m",
            "recommendations-0-ends_on_0": "31",
            "recommendations-0-ends_on_1": "3",
            "recommendations-0-ends_on_2": "2027",
            "then": "more",
        },
    )
    submit(
        manager_client,
        page,
        {"recommendations-1-text": "Accept the grant.", "recommendations-1-ORDER": "0"},
    )
    assert list(
        draft.recommendations.values_list(
            "position", "text", "is_standing_authority", "annual_cap", "ends_on"
        )
    ) == [
        (1, "Accept the grant.", False, None, None),
        (
            2,
            "Accept future offers of up to £2.000m annually until 2027.",
            True,
            Decimal("2000000.00"),
            datetime.date(2027, 3, 31),
        ),
    ]
