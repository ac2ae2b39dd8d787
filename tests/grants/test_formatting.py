"""Lightly formatted text: Markdown in, sanitised GOV.UK-styled HTML out."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from grants.formatting import LONG_DATE, long_date, machine_moment, render_text

ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "br"}
ALLOWED_ATTRIBUTES = {"class", "href", "start", "rel"}
LIST_CLASS = "govuk-list govuk-list--number"


class Tags(HTMLParser):
    """Every start tag of some HTML, with its attributes as written (duplicates kept)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<iframe" not in lowered
    assert "<style" not in lowered
    for tag, attrs in tags(html):
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name == "href":
                scheme = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), html


def assert_only_allowed_attributes(html: str) -> None:
    for _tag, attrs in tags(html):
        names = [name for name, _ in attrs]
        assert set(names) <= ALLOWED_ATTRIBUTES, html
        assert len(names) == len(set(names)), f"an attribute is repeated in {html}"


# What people write -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", None, "   ", "\n\n"])
def test_it_renders_no_text_as_nothing(text):
    assert render_text(text) == ""


def test_it_renders_paragraphs_in_the_govuk_body_style():
    assert render_text("First paragraph.\n\nSecond paragraph.") == (
        '<p class="govuk-body">First paragraph.</p>\n<p class="govuk-body">Second paragraph.</p>'
    )


def test_it_renders_dashes_as_a_govuk_bulleted_list():
    assert render_text("- ROCU\n- ROCTA") == (
        '<ul class="govuk-list govuk-list--bullet">\n<li>ROCU</li>\n<li>ROCTA</li>\n</ul>'
    )


def test_it_renders_numbers_as_a_govuk_numbered_list():
    assert render_text("1. Approve the grant.\n2. Approve future offers.") == (
        f'<ol class="{LIST_CLASS}">\n<li>Approve the grant.</li>\n'
        "<li>Approve future offers.</li>\n</ol>"
    )


def test_a_numbered_list_has_its_class_once():
    html = render_text("1. Approve the grant.")

    assert_only_allowed_attributes(html)
    assert html.count("class=") == 1


def test_a_numbered_list_keeps_the_number_it_starts_at():
    html = render_text("10. National capabilities.\n11. National ACET capabilities.")

    assert html.startswith(f'<ol class="{LIST_CLASS}" start="10">')
    assert html.count("<li>") == 2


def test_a_list_after_a_paragraph_keeps_its_number():
    html = render_text("Introduction.\n\n5. The MPS is increasing its capability.")

    assert f'<ol class="{LIST_CLASS}" start="5">' in html


def test_it_renders_links_as_govuk_links_that_do_not_share_the_opener():
    assert render_text("[A New Met for London](https://x)") == (
        '<p class="govuk-body"><a class="govuk-link" href="https://x" '
        'rel="noopener noreferrer">A New Met for London</a></p>'
    )


def test_it_keeps_mailto_links():
    assert 'href="mailto:grants@example.org"' in render_text("[Email](mailto:grants@example.org)")


def test_it_keeps_bold_and_italic_text():
    assert render_text("**Approve** the *grant*") == (
        '<p class="govuk-body"><strong>Approve</strong> the <em>grant</em></p>'
    )


def test_it_keeps_hard_line_breaks():
    assert render_text("Line one  \nLine two") == '<p class="govuk-body">Line one<br>\nLine two</p>'


def test_it_escapes_angle_brackets_and_ampersands_in_plain_text():
    html = render_text("Spend < budget & planned > 0")

    assert "&lt;" in html
    assert "&amp;" in html
    assert "<" not in html.replace("<p", "").replace("</p", "")


def test_the_seed_reports_introduction_renders_as_numbered_paragraphs_with_sub_bullets():
    from grants.seed import INTRODUCTION

    html = render_text(INTRODUCTION)

    assert html.startswith("<ol")
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<p class="govuk-body"><strong>Drugs Strategy</strong></p>' in html
    assert_safe(html)


# What an attacker writes -------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<<script>script>alert(1)<</script>/script>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    "<b onmouseover=alert(1)>bold</b>",
    '<p onclick="alert(1)">click</p>',
    "<div onclick=alert(1)>y</div>",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java&#9;script:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<object data="x"></object><embed src="x">',
    '<form action="https://evil.example"><input name="q"></form>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "    <script>alert(1)</script>",
    "`<script>alert(1)</script>`",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_it_removes_scripts_handlers_and_dangerous_urls(text):
    html = render_text(text)
    lowered = html.lower()

    assert "<script" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered
    assert "onload" not in lowered
    assert "onmouseover" not in lowered
    assert "javascript:" not in lowered
    assert "vbscript:" not in lowered
    assert "<iframe" not in lowered
    assert "<style" not in lowered
    assert "<img" not in lowered
    assert "<form" not in lowered
    assert_safe(html)


def test_it_keeps_the_words_of_a_link_whose_url_is_removed():
    html = render_text("[click me](javascript:alert(1))")

    assert "click me" in html
    assert "href" not in html


def test_it_replaces_the_rel_people_write_on_a_link():
    html = render_text('<a href="https://x" rel="opener" target="_blank">x</a>')

    assert 'rel="noopener noreferrer"' in html
    assert 'rel="opener"' not in html
    assert "target" not in html


@pytest.mark.parametrize(
    "text",
    [
        '<p class="evil" style="color:red" id="x">hi</p>',
        '<strong style="x" data-x="1">b</strong>',
        '<ul class="x"><li class="y">i</li></ul>',
        '<ol start="2" reversed type="a"><li>x</li></ol>',
    ],
)
def test_it_removes_the_attributes_people_write_in_html(text):
    html = render_text(text)

    assert_only_allowed_attributes(html)
    for attribute in ("style", "id=", "data-", "evil", "reversed", "type="):
        assert attribute not in html


@pytest.mark.parametrize(
    "text",
    [
        '<p title="Hello" lang="fr">hi</p>',
        '<strong title="x">b</strong>',
        '<a href="https://x" title="t" lang="fr">x</a>',
        '[link](https://x "A title")',
    ],
)
def test_it_removes_title_and_lang_attributes_too(text):
    html = render_text(text)

    assert_only_allowed_attributes(html)
    assert "title=" not in html
    assert "lang=" not in html


def test_raw_html_paragraphs_get_the_govuk_style_too():
    assert render_text('<p title="Hello">hi</p>') == '<p class="govuk-body">hi</p>'


@pytest.mark.parametrize("start", ["javascript:alert(1)", "10 onclick=alert(1)", "ten"])
def test_it_keeps_a_list_start_only_when_it_is_a_number(start):
    html = render_text(f'<ol start="{start}"><li>x</li></ol>')

    assert_safe(html)
    for _tag, attrs in tags(html):
        for name, value in attrs:
            if name == "start":
                assert (value or "").isdigit(), html


# Any text at all ----------------------------------------------------------------------

any_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("<>\"'\x00&/=:;-*_[]()!#`\n \t1.")),
        st.characters(codec="utf-8"),
    ),
    max_size=200,
)

FRAGMENTS = [
    "<script>",
    "</script>",
    "<SCRIPT ",
    "<scr",
    "ipt>",
    "<img src=x onerror=alert(1)>",
    " onerror=",
    '<a href="javascript:alert(1)">',
    "<a href='https://x'>",
    "</a>",
    "[x](javascript:alert(1))",
    "[x](https://example.org)",
    "(",
    ")",
    "<p onclick=x>",
    "<iframe>",
    "<style>",
    "<ol start=3>",
    "<li>",
    "\n\n",
    "\n- ",
    "\n10. ",
    "**",
    "*",
    "`",
    "    ",
    "<!--",
    "-->",
    "&#106;",
    "javascript:",
    '"',
    "'",
    "<",
    ">",
    "\x00",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=30
).map("".join)


@given(any_text)
def test_no_text_renders_a_script_or_an_unexpected_attribute(text):
    html = render_text(text)

    assert "<script" not in html.lower()
    assert_safe(html)
    assert_only_allowed_attributes(html)


@given(hostile_text)
def test_no_mix_of_html_and_markdown_renders_a_script_or_a_handler(text):
    html = render_text(text)

    assert "<script" not in html.lower()
    assert_safe(html)
    for _tag, attrs in tags(html):
        assert {name for name, _ in attrs} <= ALLOWED_ATTRIBUTES, html


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 1, 5),
        datetime.date(2026, 11, 26),
        "2024-02-29",
        datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC),  # 1:30 in London
        datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),
    ],
)
def test_the_long_date_is_what_the_date_filter_writes(value):
    if isinstance(value, str):
        expected = date_filter(datetime.date.fromisoformat(value), LONG_DATE)
    elif isinstance(value, datetime.datetime):
        expected = date_filter(timezone.localtime(value), LONG_DATE)
    else:
        expected = date_filter(value, LONG_DATE)
    assert long_date(value) == expected


def test_a_machine_moment_is_valid_for_a_time_element_in_uk_time_to_the_second():
    # In British Summer Time, with microseconds that HTML's datetime attribute refuses.
    moment = datetime.datetime(2026, 7, 2, 9, 15, 30, 926123, tzinfo=datetime.UTC)
    assert machine_moment(moment) == "2026-07-02T10:15:30+01:00"
    winter = datetime.datetime(2026, 12, 2, 10, 15, 30, 1, tzinfo=datetime.UTC)
    assert machine_moment(winter) == "2026-12-02T10:15:30+00:00"
    assert machine_moment(datetime.date(2026, 12, 2)) == "2026-12-02"
    assert machine_moment(None) == ""
