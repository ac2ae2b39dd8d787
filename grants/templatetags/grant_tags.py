import html
from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString, mark_safe

from grants.formatting import (
    long_date,
    long_moment,
    machine_moment,
    render_text,
    short_date,
    short_moment,
)
from grants.forms.fields import error_links as form_error_links
from grants.money import financial_year_label, format_millions, format_pounds

register = template.Library()

# The figure filters give only digits, signs, commas, points, slashes and £: nothing HTML
# would read as markup, so their results are marked safe and the template does not
# escape each of the report's many figures again (escaping would change nothing).


@register.filter
def formatted(text: str) -> str:
    """Lightly formatted text (Markdown) as sanitised GOV.UK-styled HTML."""
    return mark_safe(render_text(text))  # render_text sanitises with nh3


@register.filter
def plain_text(text: str) -> str:
    """Lightly formatted text as one line of plain words, for a page's meta description:
    the Markdown drawn and its tags dropped (escaped again where it is output)."""
    drawn = html.unescape(strip_tags(render_text(text)))
    return " ".join(drawn.split())


@register.filter
def millions(amount) -> str:
    """Pounds as £m to 3 decimal places, without the symbol: 1701000 → 1.701."""
    return "" if amount is None else SafeString(format_millions(amount))


@register.filter
def pounds(amount) -> str:
    """Exact pounds and pence: 1701000 → £1,701,000.00."""
    return "" if amount is None else SafeString(format_pounds(amount))


@register.filter
def fte(value) -> str:
    """FTE without trailing zeros: 12.00 → 12, 0.50 → 0.5."""
    if value is None:
        return ""
    value = Decimal(value)
    return SafeString(f"{value.normalize():f}" if value else "0")


@register.filter
def figure(amount, exact: bool = False) -> str:
    """A report figure: £m to 3 dp, or exact pounds when asked for."""
    if amount is None:
        return ""
    return SafeString(format_pounds(amount) if exact else format_millions(amount))


@register.filter
def money(amount, exact: bool = False) -> str:
    """An amount written out: £1.201m, or exact pounds when asked for."""
    if amount is None:
        return ""
    return SafeString(format_pounds(amount) if exact else f"£{format_millions(amount)}m")


@register.filter
def measure(value, kind: str) -> str:
    """A compared figure: money as £m, FTE to two places, a count as a whole number."""
    if kind == "money":
        return SafeString(f"£{format_millions(value)}m")
    if kind == "fte":
        return fte(value)
    return SafeString(f"{int(value):,}")


@register.filter
def difference(value, kind: str) -> SafeString:
    """A change, signed on screen and spelled out for screen readers, which may not read
    a sign: ‘+£0.050m’ is read ‘up by £0.050m’."""
    if not value:
        return SafeString("No change")
    size = measure(abs(value), kind)
    sign, word = ("+", "up") if value > 0 else ("\u2212", "down")
    return format_html(
        '<span aria-hidden="true">{}{}</span><span class="govuk-visually-hidden">{} by {}</span>',
        sign,
        size,
        word,
        size,
    )


@register.simple_tag
def extended_decision(case):
    """The case's link to the earlier decision it extends, or None; read from the case's
    prefetched related decisions where it has them."""
    from approvals.models import RelatedDecision, RelatedDecisionKind

    if "related_decisions" in getattr(case, "_prefetched_objects_cache", {}):
        links = [link for link in case.related_decisions.all() if link.kind == "extends"]
        return min(links, key=lambda link: link.pk) if links else None
    return (
        RelatedDecision.objects.filter(case=case, kind=RelatedDecisionKind.EXTENDS)
        .select_related("decision")
        .order_by("pk")
        .first()
    )


@register.filter
def item(sequence, index):
    """The item at a position of a list: a figure's column heading, for its data-label."""
    try:
        return sequence[int(index)]
    except (IndexError, TypeError, ValueError):
        return ""


@register.filter
def financial_year(start_year) -> str:
    """2023 → 2023/24."""
    if start_year in (None, ""):
        return ""
    return SafeString(financial_year_label(int(start_year)))


# Every status the service shows as a tag, by the words it shows, and the tag's colour:
# named once, so the same status is the same colour on every page.
TAG_COLOURS = {
    # Cases and decisions
    "Draft": "grey", "IAM review": "grey", "DMPC review": "grey", "Approved": "green",
    "Rejected": "red", "Published": "green", "Withdrawn": "grey", "Partly approved": "yellow",
    # IAM's advice
    "Not yet considered": "grey", "Endorsed": "green", "Endorsed with conditions": "turquoise",
    "Returned for changes": "orange", "Not supported": "red",
    # Clearance
    "Signed off": "green", "Outstanding": "grey",
    "Cleared": "green", "Cleared with advice": "turquoise", "Not cleared": "red",
    # Publication
    "Overdue": "red", "Deferred": "yellow", "Scheduled": "grey", "On time": "green",
    "Published late": "red", "Not yet due": "grey",
    # The case editor and its checks
    "Not started": "blue", "In progress": "light-blue", "Has problems": "red",
    "Error": "red", "Warning": "yellow", "Latest": "blue", "Standing authority": "blue",
}  # fmt: skip
OUTCOME_LABELS = {
    "approved": "Approved",
    "partly_approved": "Partly approved",
    "rejected": "Rejected",
}


@register.simple_tag
def status_tag(label) -> SafeString:
    """A status as a GOV.UK tag, in its colour (TAG_COLOURS)."""
    label = str(label)
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', TAG_COLOURS[label], label
    )


@register.simple_tag
def outcome_tag(outcome: str) -> SafeString:
    """A decision's outcome ("approved" or "rejected") as its tag."""
    return status_tag(OUTCOME_LABELS[outcome])


@register.filter
def select_options(field) -> str:
    """A select's <option> elements, with the bound field's value selected: one filter
    rather than a loop of template tags, for selects with many options."""
    value = field.value()
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (option, " selected" if option == value else "", label)
            for option, label in field.field.widget.choices
        ),
    )


@register.filter
def error_links(form) -> list[tuple[str, str]]:
    """A form's errors for includes/error_summary.html, each with the id of its input."""
    return form_error_links(form)


# The service's date formats (grants.formatting), as filters: {{ day|long_date }}.
register.filter("long_date", long_date)
register.filter("short_date", short_date)
register.filter("long_moment", long_moment)
register.filter("short_moment", short_moment)
register.filter("machine_moment", machine_moment)


@register.simple_tag
def current_return(case):
    """The reasons the case was last returned for, until it is submitted again."""
    from approvals.notifications import current_return as latest

    return latest(case)


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The captured text was escaped as it rendered: it is output as it is.
        context[self.name] = mark_safe(self.nodelist.render(context))
        return ""


@register.tag
def capture(parser, token):
    """`{% capture as name %}…{% endcapture %}`: render once, use as {{ name }} after.
    base.html captures the page's title block, which the <title> and the print header
    both show (a block can be defined only once in a template)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
