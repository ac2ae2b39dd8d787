"""Lightly formatted text: stored as plain text (Markdown), shown as sanitised HTML.

People can write paragraphs, numbered and bulleted lists, bold and italic text and
links. Anything else, including any HTML they type, is removed or escaped.
"""

import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
GOVUK_CLASSES = {
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
}
_OPENING_TAG = re.compile(r"<(p|ul|ol|a)(?=[ >])")


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
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Sanitised HTML carries no class attribute, so each styled tag gets exactly one.
    return _OPENING_TAG.sub(lambda m: f'<{m[1]} class="{GOVUK_CLASSES[m[1]]}"', html)
