"""The published decision as a PDF: the decision record, then Part 1 of the report laid out
as the web page lays it out, with figures in £m to 3 decimal places.

It is built from a published revision alone, whose document never holds Part 2's content,
so the PDF cannot show it. The report's light formatting (Markdown) becomes plain
paragraphs and list items, keeping bold and italic and writing links out: it is rendered
and sanitised by grants.formatting first, so the PDF says exactly what the web page says.
"""

import datetime
import functools
import io
from html import escape
from html.parser import HTMLParser

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.tables import TableStyle

from approvals.models import PublishedRevision
from approvals.publication.record import decision_facts
from grants.formatting import long_date, long_moment, render_text
from grants.money import format_millions
from grants.presentation import report_context
from grants.templatetags.grant_tags import fte

# Part of the PDF's ETag (see approvals.publication.views.public): change it when the
# layout changes, so that browsers and caches fetch the new one.
LAYOUT = 2

BLACK = colors.HexColor("#0b0c0c")
GREY = colors.HexColor("#505a5f")
BORDER = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")

# Bitstream Vera ships with ReportLab, so every server has it; it is embedded in the PDF
# and covers the report's typography (£, ’, –) that the built-in fonts may not.
FONT, BOLD = "Vera", "VeraBd"


@functools.cache
def _register_fonts() -> None:
    for name in ("Vera", "VeraBd", "VeraIt", "VeraBI"):
        pdfmetrics.registerFont(TTFont(name, f"{name}.ttf"))
    pdfmetrics.registerFontFamily(
        "Vera", normal="Vera", bold="VeraBd", italic="VeraIt", boldItalic="VeraBI"
    )


def _style(name: str, size: float = 10, **kwargs) -> ParagraphStyle:
    options = {"fontName": FONT, "fontSize": size, "leading": size * 1.35, "textColor": BLACK}
    return ParagraphStyle(name, **{**options, **kwargs})


STYLES = {
    "caption": _style("caption", 12, textColor=GREY, spaceAfter=2),
    "title": _style("title", 20, fontName=BOLD, spaceAfter=10),
    # Headings stay on the page of what follows them.
    "h2": _style("h2", 15, fontName=BOLD, spaceBefore=14, spaceAfter=6, keepWithNext=1),
    "h3": _style("h3", 11, fontName=BOLD, spaceBefore=10, spaceAfter=4, keepWithNext=1),
    "body": _style("body", 10, spaceAfter=6),
    "lead": _style("lead", 12, spaceAfter=8),
    "cell": _style("cell", 8.5),
    "cell_bold": _style("cell_bold", 8.5, fontName=BOLD),
    "figure": _style("figure", 8.5, alignment=TA_RIGHT),
    "figure_bold": _style("figure_bold", 8.5, fontName=BOLD, alignment=TA_RIGHT),
    "hash": _style("hash", 8.5, wordWrap="CJK"),  # a SHA-256 may break anywhere
}


# Text -----------------------------------------------------------------------------------


class _Blocks(HTMLParser):
    """Sanitised report HTML (grants.formatting.render_text) as paragraphs and list items
    in ReportLab's paragraph markup: (markup, bullet, depth). Links keep their address in
    brackets, since a printed page cannot be clicked."""

    INLINE = {"strong": "b", "em": "i"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, int]] = []
        self._lists: list[list] = []  # [tag, next number] of each open list
        self._text: list[str] = []
        self._bullet = ""
        self._href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("p", "ul", "ol", "li"):
            self._flush()
        if tag in ("ul", "ol"):
            start = attrs.get("start") or "1"
            # int() refuses thousands of digits; a list cannot really start that far on.
            number = int(start) if start.isdigit() and len(start) <= 9 else 1
            self._lists.append([tag, number])
        elif tag == "li":
            current = self._lists[-1] if self._lists else ["ul", 1]
            if current[0] == "ol":
                self._bullet, current[1] = f"{current[1]}.", current[1] + 1
            else:
                self._bullet = "•"
        elif tag in self.INLINE:
            self._text.append(f"<{self.INLINE[tag]}>")
        elif tag == "br":
            self._text.append("<br/>")
        elif tag == "a":
            self._href = attrs.get("href")

    def handle_endtag(self, tag):
        if tag in ("p", "li", "ul", "ol"):
            self._flush()
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
            self._bullet = ""
        elif tag in self.INLINE:
            self._text.append(f"</{self.INLINE[tag]}>")
        elif tag == "a" and self._href:
            self._text.append(escape(f" ({self._href})"))
            self._href = None

    def handle_data(self, data):
        self._text.append(escape(data))

    def _flush(self):
        markup = "".join(self._text).strip()
        if markup:
            self.blocks.append((markup, self._bullet, len(self._lists)))
            self._bullet = ""  # kept until used: a loose list item starts with <p>
        self._text = []


def _paragraph(markup: str, style: ParagraphStyle, **kwargs) -> Paragraph:
    try:
        return Paragraph(markup, style, **kwargs)
    except ValueError:
        # Markup ReportLab cannot parse (it should not happen with sanitised HTML) is
        # shown as its plain text rather than failing the whole PDF.
        plain = _Blocks()
        plain.feed(f"<p>{markup}</p>")
        return Paragraph(escape(" ".join(text for text, _, _ in plain.blocks)), style)


def formatted(text: str) -> list[Paragraph]:
    """Lightly formatted text (Markdown) as paragraphs and list items."""
    parser = _Blocks()
    parser.feed(render_text(text))
    parser.close()
    parser._flush()
    flowables = []
    for markup, bullet, depth in parser.blocks:
        if bullet:
            indent = 14 * depth
            style = ParagraphStyle(
                f"item{depth}", parent=STYLES["body"], leftIndent=indent, bulletIndent=indent - 14
            )
            flowables.append(_paragraph(markup, style, bulletText=bullet))
        else:
            flowables.append(_paragraph(markup, STYLES["body"]))
    return flowables


def _inset(text: str) -> Table:
    """Text set off by a rule on its left, like the GOV.UK inset text on the web page."""
    inset = Table([[_plain(text)]], hAlign="LEFT", spaceAfter=10)
    inset.setStyle(
        TableStyle(
            [
                ("LINEBEFORE", (0, 0), (0, 0), 4, BORDER),
                ("LEFTPADDING", (0, 0), (0, 0), 10),
                ("BOTTOMPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    return inset


def _plain(text: str, style: str = "body") -> Paragraph:
    """Text typed as it is, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


# The decision record -----------------------------------------------------------------------


def _day(value: str | datetime.date) -> str:
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return long_date(day)


def _moment(value: datetime.datetime) -> str:
    return long_moment(value)


def _grid(rows, widths, *, header: bool = True, extra: list | None = None) -> Table:
    table = Table(
        rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT", spaceAfter=8
    )
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, BORDER),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("LINEBELOW", (0, 0), (-1, 0), 1, BLACK))
    table.setStyle(TableStyle(commands + (extra or [])))
    return table


def _record(revision: PublishedRevision, width: float) -> list:
    rows = [
        [Paragraph(escape(fact.label), STYLES["cell_bold"]), _plain(fact.text, "cell")]
        for fact in decision_facts(revision.record)
    ]
    published = _moment(revision.publication.published_at)
    if revision.number > 1:
        published += (
            f". This is revision {revision.number}, published {_moment(revision.published_at)}."
        )
    rows.append([Paragraph("Published", STYLES["cell_bold"]), _plain(published, "cell")])
    if revision.note:
        rows.append([Paragraph("Correction", STYLES["cell_bold"]), _plain(revision.note, "cell")])
    rows.append(
        [
            Paragraph("SHA-256 of the published Part 1", STYLES["cell_bold"]),
            Paragraph(revision.document_sha256, STYLES["hash"]),
        ]
    )
    return [_grid(rows, [0.3 * width, 0.7 * width], header=False)]


# Part 1 -------------------------------------------------------------------------------------


def _figure(value, bold: bool = False) -> Paragraph:
    text = "" if value is None or value == "" else format_millions(value)
    return Paragraph(text, STYLES["figure_bold" if bold else "figure"])


def _revenue_table(context: dict, width: float) -> Table:
    years = context["years"]
    label_width = 0.34 * width
    figure_width = (width - label_width) / (len(years) + 1)
    head = [Paragraph("BAU revenue (£m)", STYLES["cell_bold"])] + [
        Paragraph(escape(year), STYLES["figure_bold"]) for year in [*years, "Total"]
    ]
    rows, extra = [head], []
    for row in context["summary_rows"]:
        index = len(rows)
        if row.kind == "heading":
            rows.append(
                [Paragraph(escape(row.label), STYLES["cell_bold"])] + [""] * (len(years) + 1)
            )
            extra.append(("SPAN", (0, index), (-1, index)))
            continue
        bold = row.kind == "total"
        rows.append(
            [Paragraph(escape(row.label), STYLES["cell_bold" if bold else "cell"])]
            + [_figure(value, bold) for value in [*row.values, row.total]]
        )
        if bold:
            extra.append(("BACKGROUND", (0, index), (-1, index), SHADE))
    return _grid(rows, [label_width] + [figure_width] * (len(years) + 1), extra=extra)


def _unit_table(unit: dict, width: float) -> list:
    """One funded unit's staffing and costs, as includes/unit_table.html has it."""
    match = unit["has_match"]
    columns = 6 if match else 4
    head = ["Grade or rank", "Annual cost £m", "FTE", "Total cost £m"]
    if match:
        head += ["Match funded total cost £m", "Grand total £m"]
    rows = [
        [Paragraph(head[0], STYLES["cell_bold"])]
        + [Paragraph(text, STYLES["figure_bold"]) for text in head[1:]]
    ]
    extra = []

    def spanned(label: str, value, *, bold: bool = True):
        """A label across every column but the last, which holds the figure."""
        index = len(rows)
        rows.append(
            [Paragraph(escape(label), STYLES["cell_bold" if bold else "cell"])]
            + [""] * (columns - 2)
            + [_figure(value, bold)]
        )
        extra.append(("SPAN", (0, index), (-2, index)))
        if bold:
            extra.append(("BACKGROUND", (0, index), (-1, index), SHADE))

    for group in unit["groups"]:
        if group["name"]:
            index = len(rows)
            rows.append(
                [Paragraph(escape(group["name"]), STYLES["cell_bold"])] + [""] * (columns - 1)
            )
            extra.append(("SPAN", (0, index), (-1, index)))
        for post in group["posts"]:
            row = [
                Paragraph(escape(post["grade"]), STYLES["cell"]),
                _figure(post["annual_cost"]),
                Paragraph(fte(post["grant_fte"]), STYLES["figure"]),
                _figure(post["grant_cost"]),
            ]
            if match:
                row += [_figure(post["match_cost"] if post["match_fte"] else None)]
                row += [_figure(post["total_cost"])]
            rows.append(row)
        if group["name"]:
            totals = group["totals"]
            index = len(rows)
            row = [
                Paragraph("Total", STYLES["cell_bold"]),
                "",
                Paragraph(fte(totals["grant_fte"]), STYLES["figure_bold"]),
                _figure(totals["grant_cost"], True),
            ]
            if match:
                row += [_figure(totals["match_cost"], True), _figure(totals["total_cost"], True)]
            rows.append(row)
            extra.append(("BACKGROUND", (0, index), (-1, index), SHADE))
    if unit["has_groups"] and unit["cost_lines"]:
        spanned("Total police officer and police staff costs", unit["totals"]["staff_cost"])
    for line in unit["cost_lines"]:
        spanned(line["description"], line["amount"], bold=False)

    allocation = format_millions(unit["grant_allocation"])
    index = len(rows)
    total = [
        Paragraph(f"Grand total expenditure against £{allocation}m", STYLES["cell_bold"]),
        "",
        Paragraph(fte(unit["totals"]["grant_fte"]), STYLES["figure_bold"]),
    ]
    total += ["", ""] if match else []
    rows.append([*total, _figure(unit["totals"]["planned_spend"], True)])
    extra.append(("BACKGROUND", (0, index), (-1, index), SHADE))

    label_width = 0.34 * width
    figure_width = (width - label_width) / (columns - 1)
    caption = Paragraph(f"{escape(unit['name'])} (grant amount £{allocation}m)", STYLES["h3"])
    return [caption, _grid(rows, [label_width] + [figure_width] * (columns - 1), extra=extra)]


def _recommendations(doc: dict, record: dict | None = None) -> list:
    """The report's recommendations; under each, once decided one by one, whether the
    DMPC approved it."""
    record = record or {}
    approved = set(record.get("recommendations_approved", ()))
    not_approved = set(record.get("recommendations_not_approved", ()))
    flowables = [
        Paragraph("Recommendations", STYLES["h2"]),
        _plain(
            "The Deputy Mayor for Policing and Crime, via the Investment Advisory and "
            "Monitoring meeting (IAM), is asked to:"
        ),
    ]
    for number, recommendation in enumerate(doc["recommendations"], start=1):
        text = f"<b>{escape(recommendation['text'])}</b>"
        standing = recommendation.get("standing_authority")
        if standing:
            text += (
                f"<br/>Standing authority: up to £{format_millions(standing['annual_cap'])}m a "
                f"year until {_day(standing['ends_on'])}"
            )
        if recommendation["position"] in approved:
            text += "<br/>Decision: approved by the DMPC."
        elif recommendation["position"] in not_approved:
            text += "<br/>Decision: not approved by the DMPC."
        style = ParagraphStyle("recommendation", parent=STYLES["body"], leftIndent=16)
        flowables.append(Paragraph(text, style, bulletText=f"{number}."))
    if not doc["recommendations"]:
        flowables.append(_plain("No recommendations."))
    return flowables


def _part1(document: dict, width: float, record: dict | None = None) -> list:
    context = report_context(document)
    doc = context["doc"]
    story = [
        Paragraph("Part 1", STYLES["h2"]),
        _inset(
            "This section of the report is published by MOPAC. It is classified as "
            "OFFICIAL – PUBLIC."
        ),
    ]
    if doc["case"].get("report_by"):
        story.append(
            _plain(
                "MOPAC Investment Advisory & Monitoring meeting – report by "
                + doc["case"]["report_by"],
                "lead",
            )
        )
    if doc.get("related_decisions"):
        story.append(Paragraph("Related decisions", STYLES["h2"]))
        story += [
            _plain(f"This decision {link['kind']} {link['reference']}.")
            for link in doc["related_decisions"]
        ]
    for kind, section, text in context["blocks"]:
        if kind == "section":
            story += [Paragraph(escape(section.title), STYLES["h2"]), *formatted(text)]
        elif kind == "recommendations":
            story += _recommendations(doc, record)
        elif kind == "time_sensitivity":
            story.append(Paragraph("Time sensitivity", STYLES["h2"]))
            needed_by = doc["time_sensitivity"]["needed_by"]
            if needed_by:
                story.append(
                    Paragraph(
                        f"A decision is required by <b>{_day(needed_by)}</b>.", STYLES["body"]
                    )
                )
            story += formatted(doc["time_sensitivity"]["reason"])
        elif kind == "revenue_impact":
            story += [Paragraph("Revenue impact summary", STYLES["h2"]), *formatted(text)]
            story.append(_revenue_table(context, width))
        elif kind == "breakdown":
            story.append(Paragraph("Breakdown of grant funded expenditure", STYLES["h2"]))
            for unit in doc["units"]:
                story += _unit_table(unit, width)
            if not doc["units"]:
                story.append(_plain("No funded units."))
    if doc["case"].get("report_author"):
        story.append(Spacer(1, 8))
        story.append(
            Paragraph(
                f"<b>Report author:</b> {escape(doc['case']['report_author'])}", STYLES["body"]
            )
        )
    return story


def render_decision_pdf(revision: PublishedRevision) -> bytes:
    """The decision record and Part 1 of a published revision, as a PDF."""
    _register_fonts()
    record = revision.record
    buffer = io.BytesIO()
    margin = 18 * mm
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 6 * mm,
        title=f"{record['reference']}: {record['title']}",
        author="Mayor’s Office for Policing and Crime",
        subject="Decision record and Part 1 of the report",
        creator="Grant decisions",
        lang="en-GB",
    )
    width = document.width

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        canvas.drawString(
            margin, margin, f"{record['reference']} · Decision record · OFFICIAL – PUBLIC"
        )
        canvas.drawRightString(A4[0] - margin, margin, f"Page {doc.page}")
        canvas.restoreState()

    story = [
        Paragraph(escape(record["reference"]), STYLES["caption"]),
        Paragraph(escape(record["title"]), STYLES["title"]),
        Paragraph("Decision record", STYLES["h2"]),
        *_record(revision, width),
        *_part1(revision.document, width, record),
    ]
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
