"""How the service writes what it shows: lightly formatted text, and dates.

Text is stored as plain text (Markdown) and shown as sanitised HTML.

People can write paragraphs, numbered and bulleted lists, bold and italic text and
links. Anything else, including any HTML they type, is removed or escaped.
"""

import datetime
import re
import threading

import markdown
import nh3
from django.utils import dateformat, timezone

ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
GOVUK_CLASSES = {
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
}
_OPENING_TAG = re.compile(r"<(p|ul|ol|a)(?=[ >])")
MARKDOWN_OPTIONS = {"extensions": ["sane_lists"], "output_format": "html"}

# Building a Markdown parser costs about a third of what converting a section does, so
# each thread keeps one and resets it before every text: nothing from one text (a
# reference-style link's target, stashed raw HTML) can reach the next. A parser is not
# safe to share between threads.
_local = threading.local()


def _markdown(text: str) -> str:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(**MARKDOWN_OPTIONS)
    try:
        return md.reset().convert(text)
    except BaseException:
        # A conversion that fails part-way may leave the parser's state half set: start
        # the next one with a new parser.
        _local.md = None
        raise


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # nh3 also lets a few attributes (title, lang) through on every tag: keep only ours.
    # `rel` on links is nh3's own (link_rel below), not what the writer typed.
    if attribute not in ALLOWED_ATTRIBUTES.get(tag, ()) and (tag, attribute) != ("a", "rel"):
        return None
    # A list may start at any whole number; nothing else belongs in `start`.
    if attribute == "start" and not (value.isascii() and value.isdigit()):
        return None
    return value


def render_text(text: str) -> str:
    html = nh3.clean(
        _markdown(str(text or "")),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Sanitised HTML carries no class attribute, so each styled tag gets exactly one.
    return _OPENING_TAG.sub(lambda m: f'<{m[1]} class="{GOVUK_CLASSES[m[1]]}"', html)


# Dates and moments, as the service writes them everywhere: pages, PDFs, messages and
# emails. Templates use the same formats through grant_tags' filters.
LONG_DATE = "j F Y"  # 26 November 2026
SHORT_DATE = "j M Y"  # 26 Nov 2026
LONG_MOMENT = "j F Y \\a\\t H:i"  # 26 November 2026 at 14:05, UK time
SHORT_MOMENT = "j M Y H:i"  # 26 Nov 2026 14:05, UK time


def _formatted(value, format_string: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, format_string)


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(value) -> str:
    """LONG_DATE, written directly rather than through Django's date formatting: the
    register writes two on every row, and the formatter costs more than the row."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def short_date(value) -> str:
    return _formatted(value, SHORT_DATE)


def long_moment(value) -> str:
    return _formatted(value, LONG_MOMENT)


def short_moment(value) -> str:
    return _formatted(value, SHORT_MOMENT)


def machine_moment(value) -> str:
    """A moment as a <time> element's datetime attribute takes it, in UK time to the
    second: 2026-12-02T10:15:30+00:00. HTML allows at most three digits of a second's
    fraction, so Django's "c" format, which gives six, is not valid there."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    return value.isoformat()
