"""Which financial years a case's costs fall in, and how much in each.

Financial years run 1 April to 31 March and are held as the calendar year they start in
(2023 is 2023/24). A post runs from its start date to its end date, both included; a
blank start is the start of the case's costed year, and a blank end the end of the
financial year the post starts in, so a post with no dates is the whole costed year.

A post that runs for part of a financial year counts pro rata by days: its annual cost ×
FTE × the days of that year it runs for ÷ the days in that year (365, or 366 when the
year holds 29 February). A part-year cost is rounded to the penny, half up, for each post
and year; a whole year is the exact annual cost × FTE, as a single-year case has always
counted it. A cost line falls whole in its own financial year, or in the costed year.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from grants.money import PENNY


def year_start(financial_year: int) -> datetime.date:
    return datetime.date(financial_year, 4, 1)


def year_end(financial_year: int) -> datetime.date:
    return datetime.date(financial_year + 1, 3, 31)


def financial_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def days_in_year(financial_year: int) -> int:
    return (year_end(financial_year) - year_start(financial_year)).days + 1


def post_period(post, costed_year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day a post runs, with blank dates read as the module says."""
    start = post.starts_on or year_start(costed_year)
    end = post.ends_on or year_end(financial_year_of(start))
    return start, end


def days_by_year(start: datetime.date, end: datetime.date) -> dict[int, int]:
    """The days from `start` to `end` (both included) in each financial year; none when
    the period ends before it starts."""
    days = {}
    for year in range(financial_year_of(start), financial_year_of(end) + 1):
        first, last = max(start, year_start(year)), min(end, year_end(year))
        if last >= first:
            days[year] = (last - first).days + 1
    return days


def pro_rata(annual: Decimal, days: int, financial_year: int) -> Decimal:
    """An annual amount for `days` of a financial year: exact for the whole year, else to
    the penny."""
    whole = days_in_year(financial_year)
    if days >= whole:
        return annual
    return (annual * days / whole).quantize(PENNY, rounding=ROUND_HALF_UP)


def post_costs_by_year(post, costed_year: int) -> dict[int, tuple[Decimal, Decimal]]:
    """A post's grant-funded and match-funded cost in each financial year it runs in."""
    grant, match = post.annual_cost * post.grant_fte, post.annual_cost * post.match_fte
    return {
        year: (pro_rata(grant, days, year), pro_rata(match, days, year))
        for year, days in days_by_year(*post_period(post, costed_year)).items()
    }


def cost_line_year(line, costed_year: int) -> int:
    return costed_year if line.financial_year is None else line.financial_year
