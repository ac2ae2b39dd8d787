"""Server-drawn bar charts: bars to scale, every amount in words, and a description
that holds every figure for those who cannot see the bars."""

from decimal import Decimal

from django.template.loader import render_to_string

from approvals import charts
from tests.html import chart_bars


def test_bars_are_to_the_scale_of_the_largest_with_room_for_its_amount():
    chart = charts.bar_chart(
        "c", "Grant", [("Home Office", Decimal("1000000")), ("Other", Decimal("250000"))]
    )

    first, second = (group.bars[0] for group in chart.groups)
    room = len("£1,000,000.00") * charts.CHARACTER_WIDTH + 8
    assert first.width == (Decimal(charts.WIDTH) - room).quantize(Decimal("0.1"))
    assert second.width == (first.width / 4).quantize(Decimal("0.1"))
    assert first.text_x + room - 6 <= charts.WIDTH + Decimal("0.1")


def test_a_zero_amount_has_no_bar_but_says_its_amount():
    html = render_to_string(
        "includes/bar_chart.html",
        {"chart": charts.bar_chart("c", "Grant", [("A", Decimal("0")), ("B", Decimal("5"))])},
    )

    assert html.count("<rect") == 1
    assert chart_bars(html) == {"Grant": [("A", "£0.00"), ("B", "£5.00")]}


def test_the_description_names_every_figure_and_a_long_label_is_shortened_only_in_the_bars():
    name = "An organisation whose name is far too long to draw beside a bar"
    chart = charts.grouped_bar_chart(
        "c", "Grant", [(name, [("Accepted", Decimal("10")), ("Rejected", Decimal("2.5"))])]
    )

    assert chart.description == f"{name}: Accepted £10.00, Rejected £2.50"
    assert chart.groups[0].label.endswith("…")
    assert len(chart.groups[0].label) == charts.LABEL_CHARACTERS
    html = render_to_string("includes/bar_chart.html", {"chart": chart})
    assert 'role="img"' in html
    assert 'aria-labelledby="c-title c-desc"' in html


def test_an_empty_chart_says_it_has_no_figures():
    chart = charts.bar_chart("c", "Grant", [])

    assert chart.groups == []
    assert chart.description == "No figures."
