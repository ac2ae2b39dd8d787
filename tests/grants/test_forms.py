import datetime
from decimal import Decimal

import pytest
from django import forms

from grants.forms import (
    BudgetYearsForm,
    DateField,
    FinancialYearField,
    FteField,
    MoneyField,
    OfferFormSet,
    PostFormSet,
    RecommendationFormSet,
    UnitFormSet,
)
from grants.models import Funder
from grants.money import MONEY_HELP


@pytest.mark.parametrize(
    ("typed", "pounds"),
    [
        ("66000", "66000.00"),
        ("66,000", "66000.00"),
        ("£66,000.00", "66000.00"),
        ("0.066m", "66000.00"),
        ("£1.701m", "1701000.00"),
        ("  £ 1,201,000  ", "1201000.00"),
        ("0", "0.00"),
        ("52600.5", "52600.50"),
        ("2M", "2000000.00"),
    ],
)
def test_money_field_reads_what_people_type(typed, pounds):
    assert MoneyField().clean(typed) == Decimal(pounds)


@pytest.mark.parametrize(
    "typed", ["sixty-six thousand", "66.000,00", "1e6", "--5", "£", "66,00", "1.2.3", "NaN"]
)
def test_money_field_rejects_anything_else_with_the_money_help(typed):
    with pytest.raises(forms.ValidationError) as error:
        MoneyField().clean(typed)
    assert error.value.messages == [MONEY_HELP]


def test_money_field_rejects_negative_amounts_in_plain_words():
    with pytest.raises(forms.ValidationError) as error:
        MoneyField().clean("-5")
    assert error.value.messages == ["Enter an amount of £0 or more, without a minus sign"]


def test_money_field_rejects_fractions_of_a_penny_and_amounts_too_large_to_store():
    with pytest.raises(forms.ValidationError, match="nearest penny"):
        MoneyField().clean("66000.005")
    with pytest.raises(forms.ValidationError, match="less than £1,000,000,000,000"):
        MoneyField().clean("£1,000,000m")


def test_money_field_shows_saved_amounts_with_thousands_separators():
    assert MoneyField().prepare_value(Decimal("1201000.00")) == "1,201,000.00"
    assert MoneyField().prepare_value("66 000 typed") == "66 000 typed"


def test_a_blank_optional_amount_is_none_and_a_required_one_says_so():
    assert MoneyField(required=False).clean("") is None
    with pytest.raises(forms.ValidationError, match="Enter the annual cost"):
        MoneyField(error_messages={"required": "Enter the annual cost"}).clean("  ")


@pytest.mark.parametrize(
    ("typed", "fte"), [("1", "1"), ("0.5", "0.5"), ("0", "0"), ("999.99", "999.99")]
)
def test_fte_field_takes_0_to_999_99(typed, fte):
    assert FteField(label="Grant-funded FTE").clean(typed) == Decimal(fte)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Grant-funded FTE must be a number from 0 to 999.99"),
        ("1000", "Grant-funded FTE must be a number from 0 to 999.99"),
        ("0.125", "Grant-funded FTE can have up to 2 decimal places, like 0.25"),
        ("one", "Grant-funded FTE must be a number, like 1 or 0.5"),
    ],
)
def test_fte_field_explains_what_is_wrong(typed, message):
    with pytest.raises(forms.ValidationError) as error:
        FteField(label="Grant-funded FTE").clean(typed)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    ("typed", "year"), [("2023/24", 2023), ("2023-24", 2023), ("2023/2024", 2023)]
)
def test_financial_year_field_reads_the_usual_ways_of_writing_a_year(typed, year):
    field = FinancialYearField()
    assert field.clean(typed) == year
    assert field.prepare_value(year) == "2023/24"


@pytest.mark.parametrize("typed", ["2023", "2023/25", "23/24", "next year"])
def test_financial_year_field_rejects_other_text(typed):
    with pytest.raises(forms.ValidationError, match="Enter a financial year like 2023/24"):
        FinancialYearField().clean(typed)


@pytest.mark.parametrize(
    ("parts", "message", "marked"),
    [
        (["", "3", "2024"], "The offer date must include a day", [0]),
        (["31", "", ""], "The offer date must include a month and year", [1, 2]),
        (["31", "2", "2024"], "The offer date must be a real date", [0]),
        (["1", "13", "2024"], "The offer date must be a real date", [1]),
        (["1", "3", "24"], "The offer date must include a year with 4 numbers, like 2024", [2]),
        (["x", "3", "2024"], "The offer date must be a real date", [0]),
    ],
)
def test_date_field_uses_gov_uk_messages_and_marks_the_wrong_boxes(parts, message, marked):
    field = DateField(name="the offer date")
    with pytest.raises(forms.ValidationError) as error:
        field.clean(parts)
    assert error.value.messages == [message]
    assert [index for index, part in enumerate(field.fields) if part.widget.errors] == marked


def test_date_field_reads_days_months_and_month_names():
    field = DateField(name="the offer date")
    assert field.clean(["1", "9", "2023"]) == datetime.date(2023, 9, 1)
    assert field.clean([" 31 ", "March", "2024"]) == datetime.date(2024, 3, 31)
    assert field.clean(["", "", ""]) is None
    with pytest.raises(forms.ValidationError, match="Enter the offer date"):
        DateField(name="the offer date", required=True).clean(["", "", ""])


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_blank_new_rows_are_ignored_and_a_blank_match_fte_means_none():
    data = management("posts", 3) | {
        "posts-0-grade": "Band C",
        "posts-0-annual_cost": "£70,800",
        "posts-0-grant_fte": "5",
        "posts-0-match_fte": "",
    }
    formset = PostFormSet(data, rows=[], prefix="posts")
    assert formset.is_valid(), formset.errors
    [edit] = formset.row_edits()
    assert edit.id is None
    assert edit.values == {
        "group": "",
        "grade": "Band C",
        "annual_cost": Decimal("70800.00"),
        "grant_fte": Decimal("5"),
        "match_fte": Decimal("0"),
        "starts_on": None,
        "ends_on": None,
    }


def test_a_row_id_the_page_did_not_show_makes_the_formset_out_of_date():
    data = management("posts", 1, 1) | {
        "posts-0-id": "999",
        "posts-0-grade": "Band C",
        "posts-0-annual_cost": "70800",
        "posts-0-grant_fte": "1",
    }
    formset = PostFormSet(data, rows=[], prefix="posts")
    assert not formset.is_valid()
    assert "This page is out of date" in formset.non_form_errors()[0]


def test_two_units_with_one_name_are_refused_whatever_the_case():
    data = management("units", 2) | {
        "units-0-name": "ROCU",
        "units-0-grant_allocation": "1000",
        "units-1-name": "rocu ",
        "units-1-grant_allocation": "2000",
    }
    formset = UnitFormSet(data, rows=[], prefix="units")
    assert not formset.is_valid()
    assert formset.forms[1].errors["name"] == [
        "Unit 1 is already called ‘rocu’. Give each unit a different name."
    ]


@pytest.mark.django_db
def test_an_offer_needs_a_funder_chosen_or_named_but_not_both():
    home_office = Funder.objects.create(name="Home Office")
    base = {"amount": "1.201m", "financial_year": "2023/24"}
    data = management("offers", 3) | {
        **{f"offers-0-{k}": v for k, v in base.items()},
        **{f"offers-1-{k}": v for k, v in base.items()},
        "offers-1-funder": str(home_office.pk),
        "offers-1-new_funder": "EMSOU",
        **{f"offers-2-{k}": v for k, v in base.items()},
        "offers-2-new_funder": "home office",
        "offers-2-financial_year": "2024/25",
    }
    formset = OfferFormSet(
        data,
        rows=[],
        prefix="offers",
        default_year=2023,
        form_kwargs={"funders": [home_office], "schemes": []},
    )
    assert not formset.is_valid()
    assert formset.forms[0].errors["funder"] == [
        "Choose the funder, or enter the name of a new funder"
    ]
    assert formset.forms[1].errors["new_funder"] == [
        "Choose a funder from the list or enter a new one, not both"
    ]
    # A typed name of a funder already in the list is that funder.
    assert formset.forms[2].cleaned_data["funder"] == home_office


@pytest.mark.django_db
def test_two_offers_from_one_funder_for_one_year_are_refused():
    data = management("offers", 2) | {
        "offers-0-new_funder": "EMSOU",
        "offers-0-amount": "500000",
        "offers-0-financial_year": "2023/24",
        "offers-1-new_funder": "emsou",
        "offers-1-amount": "1000",
        "offers-1-financial_year": "2023-24",
    }
    formset = OfferFormSet(
        data,
        rows=[],
        prefix="offers",
        default_year=2023,
        form_kwargs={"funders": [], "schemes": []},
    )
    assert not formset.is_valid()
    assert formset.forms[1].errors["new_funder"] == [
        "Offer 1 is already from emsou for 2023/24. Put one funder’s money for one year in one "
        "offer."
    ]


@pytest.mark.django_db
def test_an_offer_period_must_end_after_it_starts():
    data = management("offers", 1) | {
        "offers-0-new_funder": "Home Office",
        "offers-0-amount": "1",
        "offers-0-financial_year": "2023/24",
        "offers-0-period_start_0": "1",
        "offers-0-period_start_1": "4",
        "offers-0-period_start_2": "2024",
        "offers-0-period_end_0": "31",
        "offers-0-period_end_1": "3",
        "offers-0-period_end_2": "2024",
    }
    formset = OfferFormSet(
        data,
        rows=[],
        prefix="offers",
        default_year=2023,
        form_kwargs={"funders": [], "schemes": []},
    )
    assert not formset.is_valid()
    assert formset.forms[0].errors["period_end"] == ["The grant period must end after it starts"]


def recommendation_data(**rows) -> dict:
    data = management("recommendations", len(rows))
    for index, fields in enumerate(rows.values()):
        data |= {f"recommendations-{index}-{name}": value for name, value in fields.items()}
    return data


def test_a_standing_authority_needs_its_annual_cap_and_end_date():
    data = recommendation_data(
        first={"text": "Accept future offers.", "is_standing_authority": "on"},
    )
    formset = RecommendationFormSet(data, rows=[], prefix="recommendations")
    assert not formset.is_valid()
    assert formset.forms[0].errors == {
        "annual_cap": ["Enter the most that can be accepted each year"],
        "ends_on": ["Enter the date the standing authority ends"],
    }


def test_a_cap_without_standing_authority_ticked_is_questioned_not_dropped():
    data = recommendation_data(first={"text": "Approve.", "annual_cap": "2m"})
    formset = RecommendationFormSet(data, rows=[], prefix="recommendations")
    assert not formset.is_valid()
    assert "Select ‘standing authority’" in formset.forms[0].errors["annual_cap"][0]


def test_recommendations_are_saved_in_the_order_of_their_numbers():
    data = recommendation_data(
        a={"text": "First typed, numbered 2.", "ORDER": "2"},
        b={"text": "Second typed, numbered 1.", "ORDER": "1"},
        c={"text": "Third typed, no number."},
    )
    formset = RecommendationFormSet(data, rows=[], prefix="recommendations")
    assert formset.is_valid(), formset.errors
    assert [edit.values["text"] for edit in formset.row_edits()] == [
        "Second typed, numbered 1.",
        "First typed, numbered 2.",
        "Third typed, no number.",
    ]


def test_budget_years_must_include_the_costed_year_and_every_offer_year():
    form = BudgetYearsForm(
        {"years": ["2024"]}, costed_year=2023, offer_years={2023, 2024}, chosen={2023}
    )
    assert not form.is_valid()
    assert form.errors["years"] == ["Select 2023/24: the posts and cost lines are costed for it"]
    form = BudgetYearsForm(
        {"years": ["2023", "2024", "2026"]}, costed_year=2023, offer_years={2024}, chosen={2023}
    )
    assert form.is_valid()
    assert form.cleaned_data["years"] == {2023, 2024, 2026}
