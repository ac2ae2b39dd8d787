"""Money as people type it, £m as the report shows it, and financial years."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.money import (
    MONEY_HELP,
    MoneyError,
    financial_year_label,
    format_millions,
    money_string,
    parse_financial_year,
    parse_money,
)

PENNY_HELP = "Enter an amount to the nearest penny, like £66,000.50"

amounts = st.decimals(
    min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("66000", "66000.00"),
        ("66,000", "66000.00"),
        ("£66,000.00", "66000.00"),
        ("0.066m", "66000.00"),
        ("£1.701m", "1701000.00"),
        (" £ 1,234.5 ", "1234.50"),
        ("0.5M", "500000.00"),
        ("1,000,000", "1000000.00"),
        # 0.0661234 × 1,000,000 = 66,123.40: a whole number of pence.
        ("0.0661234m", "66123.40"),
    ],
)
def test_it_accepts_amounts_as_people_type_them(text, expected):
    amount = parse_money(text)

    assert amount == Decimal(expected)
    assert str(amount) == expected


def test_it_holds_parsed_amounts_to_two_decimal_places():
    assert parse_money("66000").as_tuple().exponent == -2
    assert parse_money("£1.701m").as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    ["", "abc", "66.000,00", "1e6", "£", "66,00", "1,2345", "--5", "NaN", "inf", "5.", "£m"],
)
def test_it_rejects_what_is_not_an_amount_with_the_help_text(text):
    with pytest.raises(MoneyError) as error:
        parse_money(text)

    assert str(error.value) == MONEY_HELP


def test_it_rejects_no_text_at_all_with_the_help_text():
    with pytest.raises(MoneyError, match=r"^Enter an amount in pounds"):
        parse_money(None)


@pytest.mark.parametrize("text", ["0.066123456m", "66000.005", "£1,000,000.001"])
def test_it_rejects_fractions_of_a_penny_saying_to_round_to_the_penny(text):
    with pytest.raises(MoneyError) as error:
        parse_money(text)

    assert str(error.value) == PENNY_HELP


def test_a_money_error_is_a_value_error():
    assert issubclass(MoneyError, ValueError)


@given(amounts)
def test_it_reads_back_any_amount_written_in_pounds(amount):
    assert parse_money(f"£{amount:,.2f}") == amount
    assert parse_money(str(amount)) == amount
    assert parse_money(f"{amount:.2f}") == amount


@given(amounts)
def test_it_reads_back_any_amount_written_in_millions_to_enough_places(amount):
    assert parse_money(f"£{amount / 1_000_000:.8f}m") == amount


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("198690", "0.199"),
        ("838500", "0.839"),
        ("2850590", "2.851"),
        ("1701000", "1.701"),
        ("838499.99", "0.838"),
        ("0", "0.000"),
        ("499.99", "0.000"),
        ("500", "0.001"),
        ("1234567890", "1,234.568"),
    ],
)
def test_it_shows_millions_to_three_places_rounding_halves_up(amount, shown):
    assert format_millions(Decimal(amount)) == shown


@pytest.mark.parametrize(
    ("start", "label"),
    [(2023, "2023/24"), (1999, "1999/00"), (2009, "2009/10"), (2000, "2000/01")],
)
def test_it_labels_a_financial_year_by_its_start_and_end(start, label):
    assert financial_year_label(start) == label


@pytest.mark.parametrize("text", ["2023/24", "2023-24", "2023/2024", " 2023 / 24 ", "2023-2024"])
def test_it_reads_a_financial_year_as_the_year_it_starts(text):
    assert parse_financial_year(text) == 2023


def test_it_reads_a_financial_year_across_a_century():
    assert parse_financial_year("1999/00") == 1999
    assert parse_financial_year("1999/2000") == 1999


@pytest.mark.parametrize(
    "text", ["2023/25", "23/24", "2023", "abcd/ef", "2023/2025", "2023/1924", "", "2023/24/25"]
)
def test_it_rejects_what_is_not_a_financial_year(text):
    with pytest.raises(ValueError, match="Enter a financial year like 2023/24"):
        parse_financial_year(text)


@given(st.integers(min_value=1900, max_value=2998))
def test_it_reads_back_any_financial_year_label(year):
    assert parse_financial_year(financial_year_label(year)) == year


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234", "1234.00"),
        ("1234.5", "1234.50"),
        ("0", "0.00"),
        ("1E+3", "1000.00"),
        ("0.3333", "0.3333"),
        ("23364.0033", "23364.0033"),
        ("0.0050", "0.005"),
    ],
)
def test_money_strings_have_pence_or_the_exact_fraction_of_a_penny(amount, text):
    assert money_string(Decimal(amount)) == text


def test_a_cost_times_a_part_time_fte_keeps_its_fraction_of_a_penny():
    assert money_string(Decimal("70800.01") * Decimal("0.33")) == "23364.0033"
    assert money_string(Decimal("52600.00") * Decimal("0.33")) == "17358.00"
