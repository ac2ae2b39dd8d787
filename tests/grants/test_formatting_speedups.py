"""The fast paths of lightly formatted text give exactly what the plain way gives.

render_text keeps one Markdown parser per thread and remembers what it has rendered; the
figure filters mark their results safe. None of that may change a byte of the HTML, and
nothing from one text may reach the next.
"""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import markdown
import nh3
import pytest
from django.template import Context, Template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from grants import formatting
from grants.formatting import render_text
from grants.templatetags import grant_tags


def plain_render(text) -> str:
    """render_text as it was: a new Markdown parser for every text, and nothing kept."""
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    html = nh3.clean(
        html,
        tags=formatting.ALLOWED_TAGS,
        attributes=formatting.ALLOWED_ATTRIBUTES,
        attribute_filter=formatting._attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return formatting._OPENING_TAG.sub(
        lambda m: f'<{m[1]} class="{formatting.GOVUK_CLASSES[m[1]]}"', html
    )


VARIED = [
    "",
    "   ",
    "Plain words, nothing else.",
    "First paragraph.\n\nSecond paragraph.",
    "Line one  \nLine two",
    "- ROCU\n- ROCTA\n- Another",
    "* star\n+ plus\n- dash",
    "1. One\n2. Two\n3. Three",
    "10. Ten\n11. Eleven",
    "3. Three\n\n- a bullet\n\n1. One again",
    "Intro.\n\n5. Five\n\n    - nested bullet\n    - another\n\n6. Six",
    "1. Item\n\n    More of the item.\n\n2. Next",
    "**bold** and *italic* and ***both*** and __under__ and _em_",
    "***bold italic** then italic*",
    "**bold *nested italic* bold**",
    "*italic **nested bold** italic*",
    "a*b*c and snake_case_word and 2 * 3 * 4",
    "[A link](https://example.org) and <https://auto.example> and <me@example.org>",
    '[titled](https://example.org "A title")',
    "[mail](mailto:grants@example.org)",
    "[bad](javascript:alert(1))",
    "[ref link][r]\n\n[r]: https://ref.example",
    "[Short ref]\n\n[short ref]: https://short.example",
    "![an image](https://img.example/x.png)",
    "<b>raw bold</b> and <em>raw em</em>",
    '<div class="x">\n<p>block html</p>\n</div>\n\nAfter.',
    "<script>alert(1)</script>",
    '<a href="https://x" rel="opener" target="_blank">x</a>',
    '<ol start="7"><li>x</li></ol>',
    "<!-- a comment -->\n\nText",
    "`code` and ``double `tick` code``",
    "    indented code block\n    second line",
    "# Heading\n\n## Subheading\n\nText",
    "Setext\n======\n\nText",
    "> A quote\n> over lines",
    "Above\n\n---\n\nBelow",
    "Escapes: \\*not em\\* \\[not link\\] \\\\",
    "Entities: &amp; &copy; &#169; &#xA9; & < > \" '",
    "Spend < budget & planned > 0",
    "Unicode: café, naïve, – — ‘quotes’ “double”, 😀",
    "Tabs\tinside\tlines\n\tand a tab-indented line",
    "Windows\r\nline\r\nendings\r\n\r\nNew paragraph",
    "Footnote-like[^1]\n\n[^1]: The note.",
    "Abbreviation-like HTML\n\n*[HTML]: Hyper Text Markup Language",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Term\n: definition-like",
    "\x02stx\x03etx and \x00 nul",
    "Trailing spaces   \n\n\n\n",
    "word " * 500,
]


@pytest.mark.parametrize("text", VARIED)
def test_it_renders_exactly_what_a_new_parser_renders(text):
    expected = plain_render(text)

    assert render_text(text) == expected
    assert render_text(text) == expected  # again, with the same parser


def test_it_renders_a_whole_series_of_texts_as_new_parsers_do():
    # One parser converts them all, one after another, in this thread.
    for text in VARIED + VARIED[::-1]:
        assert formatting.render_text(text) == plain_render(text), text


def test_it_uses_one_parser_for_a_thread():
    formatting.render_text("One.")
    parser = formatting._local.md
    formatting.render_text("Two.")

    assert formatting._local.md is parser


@pytest.mark.parametrize("text", [None, "", "  \n "])
def test_no_text_renders_as_nothing(text):
    assert render_text(text) == ""


# Nothing carries over from one text to the next -----------------------------------------


def test_a_reference_defined_in_one_text_does_not_resolve_in_the_next():
    defines = "[the plan][plan]\n\n[plan]: https://example.org/plan"
    uses = "See [the plan][plan] and [plan]."

    assert 'href="https://example.org/plan"' in formatting.render_text(defines)
    html = formatting.render_text(uses)

    assert "href" not in html
    assert html == plain_render(uses)
    assert html == '<p class="govuk-body">See [the plan][plan] and [plan].</p>'


def test_raw_html_from_one_text_does_not_reach_the_next():
    formatting.render_text("<div>\n<p>first text's block</p>\n</div>\n\n<b>inline</b>")
    html = formatting.render_text("Second text.")

    assert html == '<p class="govuk-body">Second text.</p>'
    assert "first text" not in html


def test_a_list_start_from_one_text_does_not_reach_the_next():
    formatting.render_text("7. Seventh\n8. Eighth")
    html = formatting.render_text("Intro.\n\n1. First")

    assert html == plain_render("Intro.\n\n1. First")
    assert "start=" not in html


def test_a_conversion_that_fails_part_way_leaves_nothing_behind(monkeypatch):
    formatting.render_text("Warm up.")
    parser = formatting._local.md

    def fail(root):
        raise RuntimeError("boom")

    monkeypatch.setattr(parser.treeprocessors["inline"], "run", fail)
    with pytest.raises(RuntimeError):
        formatting.render_text("[a][r]\n\n[r]: https://r.example\n\n- item")

    # The next text gets a new parser and renders as a new parser would.
    assert formatting._local.md is None
    text = "- item\n\n[a][r]"
    assert formatting.render_text(text) == plain_render(text)
    assert formatting._local.md is not parser


def test_threads_each_render_correctly_at_the_same_time():
    texts = [t for t in VARIED if t.strip()] * 8
    expected = [plain_render(t) for t in texts]
    barrier = threading.Barrier(4)

    def render_all(offset):
        barrier.wait()
        rotated = texts[offset:] + texts[:offset]
        return [formatting.render_text(t) for t in rotated]

    # Switch threads as often as possible, so conversions interleave.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(render_all, [0, 5, 11, 17]))
    finally:
        sys.setswitchinterval(interval)

    for offset, got in zip([0, 5, 11, 17], results, strict=True):
        assert got == expected[offset:] + expected[:offset]


def test_safe_and_plain_strings_of_the_same_text_render_alike():
    text = "<b>x</b> & **y**"

    assert render_text(mark_safe(text)) == render_text(text) == plain_render(text)


markdownish = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("*_[]()<>!#`\\-+.:&;\"'=/ \n\t1234567890abcxyz")),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)
pieces = st.lists(
    st.sampled_from(
        [
            "[r]",
            "[x][r]",
            "\n\n[r]: https://r.example\n\n",
            "\n- ",
            "\n3. ",
            "\n    ",
            "**",
            "*",
            "_",
            "`",
            "<div>\n",
            "\n</div>",
            "<b>",
            "</b>",
            "\n\n",
            "  \n",
            "word",
            " ",
        ]
    ),
    max_size=40,
).map("".join)


@given(st.lists(st.one_of(markdownish, pieces), min_size=1, max_size=6))
def test_any_series_of_texts_renders_as_new_parsers_render_them(texts):
    for text in texts:
        assert formatting.render_text(text) == plain_render(text)
        assert render_text(text) == plain_render(text)


# The figure filters -----------------------------------------------------------------------

AMOUNTS = [
    Decimal("0"),
    Decimal("-0.00"),
    Decimal("0.01"),
    Decimal("-400"),
    Decimal("499.99"),
    Decimal("1701000"),
    Decimal("-1234567.89"),
    Decimal("123456789012.345"),
    1701000,
    "2500.5",
]


@pytest.mark.parametrize("amount", AMOUNTS)
@pytest.mark.parametrize(
    "name, call",
    [
        ("millions", lambda a: grant_tags.millions(a)),
        ("pounds", lambda a: grant_tags.pounds(a)),
        ("figure", lambda a: grant_tags.figure(a)),
        ("figure exact", lambda a: grant_tags.figure(a, True)),
        ("fte", lambda a: grant_tags.fte(a)),
    ],
)
def test_a_figure_marked_safe_is_what_escaping_it_would_give(amount, name, call):
    value = call(amount)

    assert isinstance(value, SafeString)
    assert str(escape(str(value))) == str(value)


@pytest.mark.parametrize("year", [2023, "2023", 1999])
def test_a_financial_year_marked_safe_is_what_escaping_it_would_give(year):
    value = grant_tags.financial_year(year)

    assert isinstance(value, SafeString)
    assert str(escape(str(value))) == str(value)


@pytest.mark.parametrize(
    "call", [grant_tags.millions, grant_tags.pounds, grant_tags.figure, grant_tags.fte]
)
def test_a_missing_figure_is_still_empty(call):
    assert call(None) == ""
    assert grant_tags.financial_year(None) == grant_tags.financial_year("") == ""


def test_the_filters_render_in_a_template_as_before():
    template = Template(
        "{% load grant_tags %}{{ a|millions }}|{{ a|pounds }}|{{ a|figure }}|"
        "{{ a|figure:True }}|{{ f|fte }}|{{ y|financial_year }}|{{ n|pounds }}"
    )
    html = template.render(
        Context({"a": Decimal("-1701500.50"), "f": Decimal("0.50"), "y": 2023, "n": None})
    )

    assert html == "-1.702|-£1,701,500.50|-1.702|-£1,701,500.50|0.5|2023/24|"
    assert conditional_escape(html) == html
