"""Bar charts drawn on the server as SVG: no script, no chart library.

A chart is horizontal bars in groups, one group a row: its label above, then a bar for
each series (accepted, rejected, ...) with its amount in words beside it, in a viewBox
that scales to the width it is given, so it reads the same at 375 px as at 1280. It is
an image with a title and a description for screen readers (role="img"); the same
figures are always in a table beside it, which is where assistive technology and anyone
copying a figure should read them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from grants.money import format_pounds

WIDTH = 320
FONT_SIZE = 16  # in the viewBox's units: about 17px at 375px wide, 19px at most
LABEL_HEIGHT = 24  # a line of text
BAR_HEIGHT = 16
BAR_GAP = 8
GROUP_GAP = 12
# A bold character of the text is at most about 9.2 units wide: room is left to the right
# of a chart's longest bar for its longest amount ("£12,345,678.00" needs about 137).
CHARACTER_WIDTH = Decimal("9.2")
LABEL_CHARACTERS = 40
# Series are told apart by their words as well as their colour (WCAG 1.4.1).
SERIES_CLASSES = ("app-bar-chart__rect--1", "app-bar-chart__rect--2", "app-bar-chart__rect--3")
# Used and what is left: blue and grey, with no red, which would read as a warning.
USED_AND_LEFT = ("app-bar-chart__rect--1", "app-bar-chart__rect--3")


@dataclass(frozen=True)
class Bar:
    series: str  # "" in a chart of one series
    amount: Decimal
    amount_text: str  # as drawn beside the bar: the series' name and the amount
    y: int
    width: Decimal
    text_x: Decimal
    text_y: int
    css_class: str


@dataclass(frozen=True)
class Group:
    label: str  # as drawn: a long name is shortened (the table has it whole)
    label_y: int
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    groups: list[Group]
    height: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def _shortened(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def _amount_text(series: str, amount: Decimal) -> str:
    return f"{series} {format_pounds(amount)}" if series else format_pounds(amount)


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, Decimal]]) -> BarChart:
    """A chart of one bar for each (label, amount) row, in the order given."""
    return grouped_bar_chart(chart_id, title, [(label, [("", amount)]) for label, amount in rows])


def grouped_bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, Decimal]]]],
    *,
    series_classes: Sequence[str] = SERIES_CLASSES,
) -> BarChart:
    """A chart of groups: (label, [(series, amount), ...]) rows, in the order given. Every
    bar is to the scale of the largest amount; £0 or less has no bar, only its amount.
    `series_classes` colour the series in turn.

    A bar of one series has its amount beside it; in a group of named series, each bar
    has its series and amount on the line above it, so a long name never squeezes it."""
    named = any(series for _, bars in rows for series, _ in bars)
    if named:
        room = Decimal("0")
    else:
        longest = max((len(format_pounds(a)) for _, bars in rows for _, a in bars), default=0)
        room = longest * CHARACTER_WIDTH + 8
    largest = max((amount for _, bars in rows for _, amount in bars), default=Decimal("0"))
    scale = (Decimal(WIDTH) - room) / largest if largest > 0 else Decimal("0")
    groups, top = [], 0
    for label, bars in rows:
        label_y = top + 17
        top += LABEL_HEIGHT
        drawn = []
        for index, (series, amount) in enumerate(bars):
            width = max(Decimal("0"), amount * scale).quantize(Decimal("0.1"))
            if named:
                text_x, text_y = Decimal("0"), top + 16
                top += LABEL_HEIGHT - 2
            else:
                text_x, text_y = width + 6, top + 13
            drawn.append(
                Bar(
                    series=series,
                    amount=amount,
                    amount_text=_amount_text(series, amount),
                    y=top,
                    width=width,
                    text_x=text_x,
                    text_y=text_y,
                    css_class=series_classes[index % len(series_classes)],
                )
            )
            top += BAR_HEIGHT + BAR_GAP
        groups.append(Group(label=_shortened(label), label_y=label_y, bars=drawn))
        top += GROUP_GAP
    description = "; ".join(
        f"{label}: " + ", ".join(_amount_text(series, amount) for series, amount in bars)
        for label, bars in rows
    )
    return BarChart(
        id=chart_id,
        title=title,
        description=description or "No figures.",
        groups=groups,
        height=max(top, LABEL_HEIGHT + BAR_HEIGHT),
    )
