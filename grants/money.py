"""Money and financial years.

Money is held as Decimal pounds to 2 decimal places. The report shows £m to 3 decimal
places, as the MOPAC report template does. Financial years run April to March and are
stored as the calendar year they start in (2023 is 2023/24).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
MILLION = Decimal(1_000_000)
MONEY_HELP = "Enter an amount in pounds, like 66000, £66,000.00 or £0.066m"

_MONEY = re.compile(
    r"""^\s*(?P<sign>-)?\s*£?\s*
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*(?P<million>m)?\s*$""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)


class MoneyError(ValueError):
    pass


def parse_money(text: str) -> Decimal:
    """Read an amount as people type it: 66000, 66,000, £66,000.00, 0.066m, £1.701m."""
    match = _MONEY.match(text or "")
    if not match:
        raise MoneyError(MONEY_HELP)
    try:
        amount = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise MoneyError(MONEY_HELP) from None
    if match["million"]:
        amount *= MILLION
    if match["sign"]:
        amount = -amount
    if amount != amount.quantize(PENNY):
        raise MoneyError("Enter an amount to the nearest penny, like £66,000.50")
    return amount.quantize(PENNY)


def as_millions(amount: Decimal) -> Decimal:
    """Pounds as £m to 3 decimal places, rounding halves up as the report does."""
    return (Decimal(amount) / MILLION).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def format_millions(amount: Decimal) -> str:
    return f"{as_millions(amount):,.3f}"


def format_pounds(amount: Decimal) -> str:
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def money_string(amount: Decimal) -> str:
    """Pounds as a plain string for documents and open data: 2 decimal places, or the
    exact figure where a cost times a part-time FTE has fractions of a penny."""
    amount = Decimal(amount)
    if amount == amount.quantize(PENNY):
        return str(amount.quantize(PENNY))
    return str(amount.normalize())


def financial_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


_FY = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$", re.ASCII)


def parse_financial_year(text: str) -> int:
    """Read '2023/24', '2023-24' or '2023/2024' as 2023."""
    match = _FY.match(text or "")
    if match:
        start, end = int(match[1]), int(match[2])
        if end % 100 == (start + 1) % 100 and (end < 100 or end == start + 1):
            return start
    raise ValueError("Enter a financial year like 2023/24")
