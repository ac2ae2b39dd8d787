"""Bar charts drawn on the server as SVG: no script, no chart library.

A chart is horizontal bars, one a row, each with its label above it and its amount in
words beside it, in a viewBox that scales to the width it is given, so it reads the
same at 375 px as at 1280. It is an image with a title and a description for screen
readers (role="img"); the same figures are always in a table beside it, which is where
assistive technology and anyone copying a figure should read them.
"""

from dataclasses import dataclass
from decimal import Decimal

from grants.money import format_pounds

WIDTH = 400
ROW_HEIGHT = 48
LABEL_BASELINE = 16
BAR_TOP = 22
BAR_HEIGHT = 18
# Room to the right of the longest bar for its amount ("£12,345,678.00" at 14 units a
# character height is about 105 units wide).
AMOUNT_ROOM = 118
LABEL_CHARACTERS = 44


@dataclass(frozen=True)
class Bar:
    label: str  # as drawn: a long name is shortened (the table has it whole)
    amount: Decimal
    amount_text: str
    y: int
    label_y: int
    bar_y: int
    width: Decimal
    text_x: Decimal
    text_y: int


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def _shortened(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, Decimal]]) -> BarChart:
    """A chart of (label, amount) rows, in the order given. Bars are to scale with the
    largest amount; an amount of £0 or less has no bar, only its amount."""
    largest = max((amount for _, amount in rows), default=Decimal("0"))
    scale = Decimal(WIDTH - AMOUNT_ROOM) / largest if largest > 0 else Decimal("0")
    bars = []
    for index, (label, amount) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = max(Decimal("0"), amount * scale).quantize(Decimal("0.1"))
        bars.append(
            Bar(
                label=_shortened(label),
                amount=amount,
                amount_text=format_pounds(amount),
                y=top,
                label_y=top + LABEL_BASELINE,
                bar_y=top + BAR_TOP,
                width=width,
                text_x=width + 6,
                text_y=top + BAR_TOP + 14,
            )
        )
    description = "; ".join(f"{label}: {format_pounds(amount)}" for label, amount in rows)
    return BarChart(
        id=chart_id,
        title=title,
        description=description or "No figures.",
        bars=bars,
        height=max(ROW_HEIGHT, len(rows) * ROW_HEIGHT),
    )
