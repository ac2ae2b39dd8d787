from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from grants.formatting import render_text
from grants.money import financial_year_label, format_millions, format_pounds

register = template.Library()


@register.filter
def formatted(text: str) -> str:
    """Lightly formatted text (Markdown) as sanitised GOV.UK-styled HTML."""
    return mark_safe(render_text(text))  # render_text sanitises with nh3


@register.filter
def millions(amount) -> str:
    """Pounds as £m to 3 decimal places, without the symbol: 1701000 → 1.701."""
    return "" if amount is None else format_millions(amount)


@register.filter
def pounds(amount) -> str:
    """Exact pounds and pence: 1701000 → £1,701,000.00."""
    return "" if amount is None else format_pounds(amount)


@register.filter
def fte(value) -> str:
    """FTE without trailing zeros: 12.00 → 12, 0.50 → 0.5."""
    if value is None:
        return ""
    value = Decimal(value)
    return f"{value.normalize():f}" if value else "0"


@register.filter
def figure(amount, exact: bool = False) -> str:
    """A report figure: £m to 3 dp, or exact pounds when asked for."""
    if amount is None:
        return ""
    return format_pounds(amount) if exact else format_millions(amount)


@register.filter
def financial_year(start_year) -> str:
    """2023 → 2023/24."""
    return "" if start_year in (None, "") else financial_year_label(int(start_year))
