"""From a report's blocks to a plan of the draft case: its title, sections,
recommendations, time sensitivity, offers, units with their posts and cost lines, budget
years and Part 2, with notes of what was recognised and what was not, and where.

The plan follows the IAM report template: sections by their headings, tables by their
header cells. Tables show £m to 3 decimal places, so the posts' annual costs are found
again in pounds: one price for each grade at each shown price, chosen so that every
figure of the report's tables, rounded as the report rounds, comes out as it shows.
"""

import calendar
import datetime
import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from grants.importing.reading import Block, NotAReport
from grants.money import MILLION, financial_year_label, format_millions
from grants.sections import SECTION_BY_FIELD

PENNY = Decimal("0.01")
# Beyond any grant, and within what the case's money and FTE fields hold.
LARGEST = Decimal(10) ** 11
LARGEST_FTE = Decimal(9999)
# The most terms of the tables' totals that finding the prices may visit.
WORK = 2_000_000
MAX_TOTALS = 2000


@dataclass
class Note:
    text: str
    where: str = ""


@dataclass
class PostPlan:
    grade: str
    annual_cost: Decimal
    grant_fte: Decimal
    match_fte: Decimal
    group: str = ""
    where: str = ""


@dataclass
class CostLinePlan:
    description: str
    amount: Decimal
    where: str = ""


@dataclass
class UnitPlan:
    name: str
    grant_allocation: Decimal
    posts: list[PostPlan] = field(default_factory=list)
    cost_lines: list[CostLinePlan] = field(default_factory=list)
    where: str = ""


@dataclass
class OfferPlan:
    funder: str
    amount: Decimal
    financial_year: int
    short_name: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    where: str = ""


@dataclass
class RecommendationPlan:
    text: str
    is_standing_authority: bool = False
    annual_cap: Decimal | None = None
    ends_on: datetime.date | None = None
    where: str = ""


@dataclass
class Plan:
    title: str = ""
    report_by: str = ""
    report_author: str = ""
    financial_year: int | None = None
    sections: dict[str, str] = field(default_factory=dict)
    needed_by: datetime.date | None = None
    time_sensitivity: str = ""
    part2_content: str = ""
    part2_exemption_reason: str = ""
    recommendations: list[RecommendationPlan] = field(default_factory=list)
    offers: list[OfferPlan] = field(default_factory=list)
    units: list[UnitPlan] = field(default_factory=list)
    budget_years: list[int] = field(default_factory=list)
    recognised: list[Note] = field(default_factory=list)
    not_recognised: list[Note] = field(default_factory=list)

    def to_data(self) -> dict:
        """Plain JSON data, for keeping the plan between the review and the confirmation."""
        return _plain(asdict(self))

    @classmethod
    def from_data(cls, data: dict) -> "Plan":
        def dated(value):
            return datetime.date.fromisoformat(value) if value else None

        def money(value):
            return Decimal(value) if value is not None else None

        return cls(
            **{
                **data,
                "needed_by": dated(data["needed_by"]),
                "recommendations": [
                    RecommendationPlan(
                        **{
                            **r,
                            "annual_cap": money(r["annual_cap"]),
                            "ends_on": dated(r["ends_on"]),
                        }
                    )
                    for r in data["recommendations"]
                ],
                "offers": [
                    OfferPlan(
                        **{
                            **o,
                            "amount": Decimal(o["amount"]),
                            "period_start": dated(o["period_start"]),
                            "period_end": dated(o["period_end"]),
                        }
                    )
                    for o in data["offers"]
                ],
                "units": [
                    UnitPlan(
                        **{
                            **u,
                            "grant_allocation": Decimal(u["grant_allocation"]),
                            "posts": [
                                PostPlan(
                                    **{
                                        **p,
                                        "annual_cost": Decimal(p["annual_cost"]),
                                        "grant_fte": Decimal(p["grant_fte"]),
                                        "match_fte": Decimal(p["match_fte"]),
                                    }
                                )
                                for p in u["posts"]
                            ],
                            "cost_lines": [
                                CostLinePlan(**{**c, "amount": Decimal(c["amount"])})
                                for c in u["cost_lines"]
                            ],
                        }
                    )
                    for u in data["units"]
                ],
                "recognised": [Note(**n) for n in data["recognised"]],
                "not_recognised": [Note(**n) for n in data["not_recognised"]],
            }
        )


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# The template's headings ------------------------------------------------------------------

# (what the heading starts with, once lower-cased and stripped of its number) -> where its
# content goes. Sections are the case's fields (grants.sections); the rest are parts of the
# case with their own rows.
HEADINGS = (
    ("executive summary", "executive_summary"),
    ("summary", "executive_summary"),
    ("recommendation", "recommendations"),
    ("time sensitivity", "time_sensitivity"),
    ("non-confidential facts", "front"),
    ("introduction", "introduction"),
    ("issues for consideration", "issues_for_consideration"),
    ("contributes to", "contribution_to_plans"),
    ("contribution to", "contribution_to_plans"),
    ("financial", "financial_comments"),
    ("revenue impact", "revenue_impact_note"),
    ("breakdown of", "financial_comments"),
    ("legal", "legal_comments"),
    ("equality", "equality_comments"),
    ("privacy", "privacy_comments"),
    ("risk", "risk_comments"),
    ("real estate", "real_estate_implications"),
    ("environment", "environmental_implications"),
    ("background", "background_papers"),
    ("supporting papers", "background_papers"),
    ("part 2", "part2"),
    ("part two", "part2"),
)
# Headings whose own words are part of the section's text.
TITLED_SECTIONS = {"contribution_to_plans"}
FRONT_MATTER = ("mayor of london", "office for policing and crime", "part 1")
MEETING_LINE = re.compile(r"^mopac investment advisory", re.IGNORECASE)
REPORT_BY = re.compile(r"^report by\s+(?P<by>.+)$", re.IGNORECASE)
REPORT_AUTHOR = re.compile(r"^report author\s*[:–-]\s*(?P<author>.+)$", re.IGNORECASE)
CAPTION = re.compile(r"^table\s+\d+\s*[:.–-]", re.IGNORECASE)
EXEMPTION = re.compile(
    r"^(?:\*\*)?(?:exemption(?:\s+ground)?|reason for exemption|exempt under|why (?:it|this) is "
    r"exempt)(?:\*\*)?\s*[:–-]\s*(?P<reason>.+)$",
    re.IGNORECASE,
)
_NUMBER_PREFIX = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[ivx]+\.|[a-z]\))\s+", re.IGNORECASE)

REQUIRED_HEADINGS = 2


def heading_target(text: str) -> str | None:
    words = _NUMBER_PREFIX.sub("", text.strip()).strip(" *_:").lower()
    words = words.replace("’", "'")
    for start, target in HEADINGS:
        if words.startswith(start):
            return target
    return None


def _is_heading_like(block: Block) -> bool:
    """A heading, or a short line naming a template section typed as plain or bold text,
    with or without its number ("2. Recommendations")."""
    if block.kind == "heading":
        return True
    text = _NUMBER_PREFIX.sub("", block.text.replace("**", "").strip()).strip()
    return (
        len(text) <= 90
        and len(text.split()) <= 10
        and not text.endswith((".", ";", ","))
        and heading_target(text) is not None
    )


# Numbers ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\(?-?£?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(m|k)?\)?$")
_AMOUNT = re.compile(r"£\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(m\b|million\b|k\b)?")


@dataclass(frozen=True)
class Shown:
    """A figure as a table shows it: its value and the half-unit its rounding hides."""

    value: Decimal
    half: Decimal
    has_point: bool
    raw: Decimal


def shown(cell: str, scale: Decimal) -> Shown | None:
    text = cell.replace(" ", "").strip()
    if text in ("", "-", "–", "—"):
        return None
    match = _NUMBER.match(text.lower())
    if not match:
        return None
    number, suffix = match.groups()
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    unit = {"m": MILLION, "k": Decimal(1000)}.get(suffix or "", scale)
    if value * unit > LARGEST:
        return None
    places = len(number.split(".")[1]) if "." in number else 0
    half = unit * Decimal(5) / Decimal(10) ** (places + 1)
    return Shown(value * unit, half, "." in number, value)


def amount_in_text(text: str) -> Decimal | None:
    match = _AMOUNT.search(text)
    if not match:
        return None
    value = Decimal(match[1].replace(",", ""))
    if value > LARGEST:
        return None
    suffix = (match[2] or "").lower()
    if suffix in ("m", "million"):
        value *= MILLION
    elif suffix == "k":
        value *= 1000
    return value.quantize(PENNY)


def _m(amount: Decimal) -> str:
    return f"£{format_millions(amount)}m"


def _fte(value: Decimal) -> str:
    return f"{value.normalize():f}"


# Dates and years ---------------------------------------------------------------------------

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_NEEDED_BY = re.compile(
    r"\bby\s+(?:the\s+)?(?:end\s+of\s+)?(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+)?"
    r"(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})\b"
    r"|\bby\s+(?P<numeric>\d{1,2}/\d{1,2}/\d{4})\b",
)
_YEAR_PAIR = re.compile(r"\b(20\d\d)\s*[/-]\s*(\d{2}(?!\d)|20\d\d)")
_PERIOD = re.compile(r"(\d{1,2}/\d{1,2}/\d{4})\s+(?:to|until|-|–)\s+(\d{1,2}/\d{1,2}/\d{4})")


def _numeric_date(text: str) -> datetime.date | None:
    try:
        day, month, year = (int(part) for part in text.split("/"))
        return datetime.date(year, month, day)
    except ValueError:
        return None


def needed_by_in(text: str) -> datetime.date | None:
    for match in _NEEDED_BY.finditer(text):
        if match["numeric"]:
            found = _numeric_date(match["numeric"])
            if found:
                return found
            continue
        month = MONTHS.get(match["month"].lower())
        if not month:
            continue
        year = int(match["year"])
        last = calendar.monthrange(year, month)[1]
        day = int(match["day"]) if match["day"] else last
        if 1 <= day <= last:
            return datetime.date(year, month, day)
    return None


def year_pair(text: str) -> int | None:
    match = _YEAR_PAIR.search(text)
    if not match:
        return None
    start, end = int(match[1]), int(match[2])
    return start if end % 100 == (start + 1) % 100 else None


# Offers, in the executive summary's sentences -----------------------------------------------

_OFFER_SENTENCE = re.compile(
    r"(?P<funder>[A-Z][\w'&.-]*(?:\s+(?:of|for|and|the|on|[A-Z][\w'&.-]*))*?)"
    r"\s*(?:\((?P<short>[A-Z][A-Za-z]{1,15})\))?\s+"
    r"(?:has\s+|have\s+)?(?:wrote|written|confirmed|offered|awarded|made|provided)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
_STANDING = re.compile(
    r"\bup to\s+(?P<cap>£\s*[\d.,]+\s*(?:m\b|million\b|k\b)?)\s*(?:annually|a year|per year|"
    r"each year|per annum|a financial year)\s+(?:until|to|up to)\s+(?:(?:the\s+end\s+of\s+)?"
    r"(?:(?P<day>\d{1,2})\s+)?(?P<month>[A-Za-z]+)\s+)?(?P<year>20\d\d)(?:\s*/\s*(?P<to>\d{2}))?",
    re.IGNORECASE,
)


def offers_in(text: str, where: str, default_year: int | None) -> list[OfferPlan]:
    offers = []
    for sentence in _SENTENCE_END.split(text):
        if "offer" not in sentence.lower():
            continue
        match = _OFFER_SENTENCE.search(sentence)
        if not match:
            continue
        rest = sentence[match.end() :]
        amount = amount_in_text(rest)
        if amount is None:
            continue
        after = rest[_AMOUNT.search(rest).end() :]
        year = year_pair(after) or year_pair(sentence) or default_year
        if year is None:
            continue
        funder = re.sub(r"^(?:The|In|Additionally|Also)\s+", "", match["funder"]).strip(" .")
        offers.append(
            OfferPlan(
                funder=funder,
                short_name=match["short"] or "",
                amount=amount,
                financial_year=year,
                where=where,
            )
        )
    return offers


def standing_authority(text: str) -> tuple[Decimal, datetime.date] | None:
    if "future" not in text.lower():
        return None
    match = _STANDING.search(text)
    if not match:
        return None
    cap = amount_in_text(match["cap"])
    year = int(match["year"])
    if match["to"]:
        # "until 2026/27": the end of that financial year.
        ends_on = datetime.date(year + 1, 3, 31)
    elif match["month"] and match["month"].lower() in MONTHS:
        month = MONTHS[match["month"].lower()]
        last = calendar.monthrange(year, month)[1]
        day = int(match["day"]) if match["day"] and 1 <= int(match["day"]) <= last else last
        ends_on = datetime.date(year, month, day)
    else:
        # "until 2027": the end of the financial year that closes in it.
        ends_on = datetime.date(year, 3, 31)
    return cap, ends_on


# Tables -----------------------------------------------------------------------------------

_UNIT_HEADER = re.compile(
    r"^(?P<name>.+?)\s*\(\s*(?:total\s+)?grant(?:\s+amount|\s+allocation)?\s*[:=]?\s*"
    r"(?P<amount>£?\s*[\d.,]+\s*(?:m|k|million)?)\s*\)\s*$",
    re.IGNORECASE,
)
_AGAINST = re.compile(r"against\s+(£\s*[\d.,]+\s*(?:m|k|million)?)", re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"[\s\-]", "", text.lower())


def _scale(header: str) -> Decimal:
    text = header.lower().replace(" ", "")
    if "£m" in text or "(m)" in text or "£million" in text:
        return MILLION
    if "£k" in text or "£000" in text or "£'000" in text:
        return Decimal(1000)
    return Decimal(1)


def unit_columns(header: tuple[str, ...]) -> dict[str, int] | None:
    """Where each figure of a staffing table is, by its header cell; None when the row is
    not a staffing table's header."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        if index == 0:
            continue
        squashed = _squash(cell)
        if "annualcost" in squashed or "costperpost" in squashed or squashed.startswith("salary"):
            columns.setdefault("annual", index)
        elif "match" in squashed and "fte" in squashed:
            columns.setdefault("match_fte", index)
        elif "fte" in squashed:
            columns.setdefault("grant_fte", index)
        elif "match" in squashed:
            columns.setdefault("match_cost", index)
        elif "grandtotal" in squashed:
            columns.setdefault("grand", index)
        elif "total" in squashed or "cost" in squashed:
            columns.setdefault("grant_total", index)
    if "annual" in columns and "grant_fte" in columns:
        return columns
    return None


def offers_columns(header: tuple[str, ...]) -> dict[str, int] | None:
    """The funder, amount and year columns of a table of grant offers."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        squashed = _squash(cell)
        if "funder" in squashed or squashed.startswith("offeredby"):
            columns.setdefault("funder", index)
        elif "amount" in squashed or squashed.startswith("offer"):
            columns.setdefault("amount", index)
        elif "year" in squashed:
            columns.setdefault("year", index)
    return columns if {"funder", "amount"} <= set(columns) else None


def revenue_columns(header: tuple[str, ...]) -> dict[int, int] | None:
    """The financial year of each column of a revenue impact summary's header."""
    years = {}
    for index, cell in enumerate(header[1:], start=1):
        year = year_pair(cell)
        if year is not None:
            years[index] = year
    if len(years) >= 1 and ("revenue" in header[0].lower() or len(years) >= 2):
        return years
    return None


@dataclass
class _Price:
    """One grade at one shown annual cost: a price in pounds, within what its rows allow."""

    grade: str
    low: Decimal
    high: Decimal
    value: float = 0.0


@dataclass
class _Sum:
    """A figure a table shows as a total: coefficients of prices plus a constant."""

    terms: dict[tuple, Decimal]
    constant: Decimal
    low: Decimal
    high: Decimal
    where: str
    label: str

    def at(self, prices: dict[tuple, Decimal]) -> Decimal:
        return self.constant + sum(
            (coefficient * prices[key] for key, coefficient in self.terms.items()), Decimal(0)
        )


@dataclass
class _Row:
    unit: UnitPlan
    post: PostPlan
    key: tuple


class Parser:
    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.plan = Plan()
        self.texts: dict[str, list[str]] = {}
        self.counts: dict[str, list[str]] = {}
        self.prices: dict[tuple, _Price] = {}
        self.rows: list[_Row] = []
        self.sums: list[_Sum] = []
        self.revenue: list[tuple[str, dict[int, Shown], str]] = []
        self.headings_found: set[str] = set()
        self.revenue_note: Note | None = None
        self.table_offers: list[OfferPlan] = []
        self.author_where = ""

    # Notes.

    def recognised(self, text: str, where: str = "") -> None:
        self.plan.recognised.append(Note(text, where))

    def not_recognised(self, text: str, where: str = "") -> None:
        self.plan.not_recognised.append(Note(text, where))

    # The walk through the blocks.

    def parse(self) -> Plan:
        target: str | None = None
        for block in self.blocks:
            if block.kind == "table":
                if target == "part2":
                    # Part 2 is never published: its tables stay in it, as text, and never
                    # become the case's units or offers.
                    rows = [" | ".join(row) for row in block.rows if any(row)]
                    self.add_text("part2", "\n".join(rows), block.where)
                else:
                    self.table(block)
                continue
            text = block.text.strip()
            author = REPORT_AUTHOR.match(text.replace("**", ""))
            if author:
                self.plan.report_author = author["author"].strip()
                self.author_where = block.where
                continue
            if _is_heading_like(block):
                plain = text.replace("**", "").strip()
                if self.is_title(block, plain) and self.front_heading(plain, block.where):
                    continue
                found = heading_target(plain)
                if found == "front":
                    target = None
                    continue
                if found is not None:
                    target = found
                    self.headings_found.add(found)
                    if found in TITLED_SECTIONS:
                        self.add_text(found, f"**{plain}**", block.where)
                    continue
                if self.front_heading(plain, block.where):
                    continue
                if target is None:
                    self.not_recognised(
                        f"Heading “{_short(plain)}” outside any section", block.where
                    )
                elif target == "recommendations":
                    self.not_recognised(
                        f"Heading “{_short(plain)}” inside the recommendations", block.where
                    )
                else:
                    self.add_text(target, f"**{plain}**", block.where)
                continue
            if target is None:
                self.front_paragraph(text, block.where)
            elif target == "recommendations":
                self.recommendation(text, block.where)
            elif target == "part2":
                exemption = EXEMPTION.match(text)
                if exemption:
                    self.plan.part2_exemption_reason = exemption["reason"].strip()
                    self.recognised("Part 2 exemption ground", block.where)
                else:
                    self.add_text("part2", text, block.where)
            elif CAPTION.match(text.replace("**", "")):
                continue
            else:
                self.add_text(target, text, block.where)
        return self.finish()

    def is_title(self, block: Block, text: str) -> bool:
        """The report's first heading, before any section, is its title even where it
        starts like a section ("Financial Investigation Grant 2024 - 2026"): a title has a
        year or more words than a section heading."""
        return (
            block.kind == "heading"
            and not self.plan.title
            and not self.headings_found
            and (re.search(r"\b20\d\d\b", text) is not None or len(text.split()) > 6)
        )

    def front_heading(self, text: str, where: str) -> bool:
        if MEETING_LINE.match(text) or text.lower().startswith(FRONT_MATTER):
            return True
        by = REPORT_BY.match(text)
        if by:
            self.plan.report_by = by["by"].strip()
            self.recognised("Report by", where)
            return True
        if not self.plan.title:
            self.plan.title = text[:300]
            self.recognised(f"Title: {_short(text, 120)}", where)
            return True
        return False

    def front_paragraph(self, text: str, where: str) -> None:
        plain = text.replace("**", "").strip()
        if plain.lower().startswith(FRONT_MATTER) or MEETING_LINE.match(plain):
            return
        by = REPORT_BY.match(plain)
        if by:
            self.plan.report_by = by["by"].strip()
            self.recognised("Report by", where)
            return
        if not self.plan.title and len(plain) <= 300 and not plain.endswith("."):
            # A title typed as a plain or bold paragraph rather than a heading.
            self.plan.title = plain
            self.recognised(f"Title: {_short(plain, 120)}", where)
            return
        self.not_recognised(f"Text outside any section: “{_short(plain)}”", where)

    def add_text(self, target: str, text: str, where: str) -> None:
        self.texts.setdefault(target, []).append(text)
        self.counts.setdefault(target, []).append(where)

    def recommendation(self, text: str, where: str) -> None:
        plain = text.replace("**", "").strip()
        if not self.plan.recommendations and plain.endswith(":"):
            return
        words = _NUMBER_PREFIX.sub("", plain).strip()
        if not words:
            return
        if not re.match(r"^\d+\.\s", plain) and self.plan.recommendations and words[:1].islower():
            # The second half of a recommendation cut in two.
            self.plan.recommendations[-1].text += f" {words}"
            return
        standing = standing_authority(words)
        self.plan.recommendations.append(
            RecommendationPlan(
                text=words,
                is_standing_authority=standing is not None,
                annual_cap=standing[0] if standing else None,
                ends_on=standing[1] if standing else None,
                where=where,
            )
        )

    # Tables.

    def table(self, block: Block) -> None:
        rows = [row for row in block.rows if any(cell for cell in row)]
        if not rows:
            return
        header = rows[0]
        columns = unit_columns(header)
        if columns is not None:
            self.unit_table(block, header, columns, rows[1:])
            return
        years = revenue_columns(header)
        if years is not None:
            self.revenue_table(block, years, rows[1:])
            return
        offer_columns = offers_columns(header)
        if offer_columns is not None:
            self.offers_table(block, header, offer_columns, rows[1:])
            return
        self.not_recognised(
            f"A table whose header (“{_short(' | '.join(c for c in header if c))}”) is not "
            "one of the template's tables",
            block.where,
        )

    def unit_table(self, block, header, columns, rows) -> None:
        scale = _scale(" ".join(header[index] for index in columns.values()))
        match = _UNIT_HEADER.match(header[0])
        name = (match["name"] if match else header[0]).strip(" :–-") or "Unit"
        allocation = amount_in_text(f"£{match['amount'].lstrip('£ ')}") if match else None
        existing = {unit.name.lower() for unit in self.plan.units}
        if name.lower() in existing:
            self.not_recognised(
                f"A second table for the unit “{name}”; its rows are added to the first",
                block.where,
            )
            unit = next(u for u in self.plan.units if u.name.lower() == name.lower())
        else:
            unit = UnitPlan(name=name[:200], grant_allocation=Decimal(0), where=block.where)
            self.plan.units.append(unit)
        group = ""
        group_start = len(self.rows)
        unit_start = len(self.rows)
        unit_lines = len(unit.cost_lines)

        def cell(row, role):
            index = columns.get(role)
            return shown(row[index], scale) if index is not None and index < len(row) else None

        for number, row in enumerate(rows, start=2):
            where = f"{block.where}, row {number}"
            label = row[0].strip() if row else ""
            values = {role: cell(row, role) for role in columns}
            present = {role: value for role, value in values.items() if value is not None}
            lower = label.lower()
            if "total" in lower:
                against = _AGAINST.search(label)
                if against and allocation is None:
                    allocation = amount_in_text(against[1])
                if "grand total" in lower or "expenditure against" in lower:
                    self.total(present, unit, unit_start, len(self.rows), where, "unit", unit_lines)
                elif "staff" in lower or "officer" in lower:
                    self.total(present, unit, unit_start, len(self.rows), where, "staff", None)
                else:
                    self.total(present, unit, group_start, len(self.rows), where, "group", None)
                    # A subtotal closes its group.
                    group, group_start = "", len(self.rows)
                continue
            if not label and not present:
                continue
            if "annual" in present and "grant_fte" in present:
                self.post(unit, group, label, present, where)
                continue
            if not present:
                group = label[:200]
                group_start = len(self.rows)
                continue
            amount = next(
                (
                    present[role].value
                    for role in ("grand", "grant_total", "match_cost", "annual")
                    if role in present
                ),
                None,
            )
            if label and amount is not None and not ("annual" in present or "grant_fte" in present):
                unit.cost_lines.append(
                    CostLinePlan(label[:200], amount.quantize(PENNY, ROUND_HALF_UP), where)
                )
                continue
            self.not_recognised(
                f"A row of the {name} table that is neither a post nor a cost line "
                f"(“{_short(label or ' | '.join(row))}”)",
                where,
            )
        if allocation is None:
            self.not_recognised(
                f"The {name} table does not give the unit's grant amount; its grant "
                "allocation is £0",
                block.where,
            )
        else:
            unit.grant_allocation = allocation

    def post(self, unit: UnitPlan, group: str, grade: str, present: dict, where: str) -> None:
        annual: Shown = present["annual"]
        grant_fte = _count(present["grant_fte"])
        if grant_fte > LARGEST_FTE or not annual.value:
            self.not_recognised(f"The row for {grade} has figures no post can have", where)
            return
        match_fte = Decimal(0)
        match_money: Shown | None = None
        if "match_fte" in present:
            match_fte = min(_count(present["match_fte"]), LARGEST_FTE)
        else:
            stated = present.get("match_cost")
            implied = None
            if "grand" in present and "grant_total" in present:
                implied = present["grand"].value - present["grant_total"].value
            if (
                stated is not None
                and stated.has_point
                and (implied is None or abs(stated.value - implied) <= 3 * stated.half)
            ):
                match_money = stated
            elif implied is not None and implied > 0:
                match_money = Shown(implied, present["grand"].half * 2, True, implied)
                if stated is not None:
                    self.not_recognised(
                        f"The match-funded column of {grade} holds “{_count(stated)}”, not "
                        f"the {_m(implied)} its grand total implies; read as "
                        f"{_fte(_fte_of(implied, annual.value))} match-funded FTE",
                        where,
                    )
            elif stated is not None and not stated.has_point:
                match_fte = min(_count(stated), LARGEST_FTE)
                self.not_recognised(
                    f"The match-funded column of {grade} holds “{_count(stated)}”; read as FTE",
                    where,
                )
            if match_money is not None:
                match_fte = _fte_of(match_money.value, annual.value)
        match_fte = min(match_fte, LARGEST_FTE)
        key = (grade.strip().lower(), annual.value)
        price = self.prices.get(key)
        if price is None:
            price = _Price(grade, annual.value - annual.half, annual.value + annual.half)
            self.prices[key] = price
        for figure, count in (
            (present.get("grant_total"), grant_fte),
            (match_money, match_fte),
            (present.get("grand"), grant_fte + match_fte),
        ):
            if figure is not None and count > 0:
                price.low = max(price.low, (figure.value - figure.half) / count)
                price.high = min(price.high, (figure.value + figure.half) / count)
        plan = PostPlan(
            grade=grade[:120],
            annual_cost=annual.value,
            grant_fte=grant_fte,
            match_fte=match_fte,
            group=group,
            where=where,
        )
        unit.posts.append(plan)
        self.rows.append(_Row(unit, plan, key))

    def total(self, present, unit, start, end, where, kind, lines_from) -> None:
        if len(self.sums) >= MAX_TOTALS:
            self.not_recognised("A total beyond the most a report's tables can have", where)
            return
        rows = self.rows[start:end]
        constant = Decimal(0)
        if kind == "unit":
            constant = sum((line.amount for line in unit.cost_lines[lines_from:]), Decimal(0))
        for role, weigh in (
            ("grant_total", lambda row: row.post.grant_fte),
            ("match_cost", lambda row: row.post.match_fte),
            ("grand", lambda row: row.post.grant_fte + row.post.match_fte),
        ):
            figure = present.get(role)
            if figure is None:
                continue
            if kind == "unit" and role != ("grand" if "grand" in present else "grant_total"):
                continue
            terms: dict[tuple, Decimal] = {}
            for row in rows:
                terms[row.key] = terms.get(row.key, Decimal(0)) + weigh(row)
            self.sums.append(
                _Sum(
                    terms,
                    constant if role != "match_cost" else Decimal(0),
                    figure.value - figure.half,
                    figure.value + figure.half,
                    where,
                    f"{unit.name} {'total' if kind != 'group' else 'subtotal'}",
                )
            )
        fte = present.get("grant_fte")
        if fte is not None:
            counted = sum((row.post.grant_fte for row in rows), Decimal(0))
            if counted != _count(fte):
                self.not_recognised(
                    f"The {unit.name} table's total of {_fte(_count(fte))} FTE differs from "
                    f"its posts' {_fte(counted)} FTE",
                    where,
                )

    def offers_table(self, block, header, columns: dict[str, int], rows) -> None:
        scale = _scale(header[columns["amount"]])
        for number, row in enumerate(rows, start=2):
            where = f"{block.where}, row {number}"
            cells = {
                role: row[index] if index < len(row) else "" for role, index in columns.items()
            }
            funder = cells["funder"].strip()
            amount = shown(cells["amount"], scale)
            year = year_pair(cells.get("year", "")) or year_pair(self.plan.title)
            if not funder or amount is None or year is None:
                self.not_recognised(
                    f"A row of the offers table without a funder, an amount and a financial "
                    f"year (“{_short(' | '.join(row))}”)",
                    where,
                )
                continue
            short = re.match(r"^(?P<name>.+?)\s*\((?P<short>[A-Za-z]{1,15})\)$", funder)
            self.table_offers.append(
                OfferPlan(
                    funder=(short["name"] if short else funder)[:200],
                    short_name=short["short"] if short else "",
                    amount=amount.value.quantize(PENNY, ROUND_HALF_UP),
                    financial_year=year,
                    where=where,
                )
            )

    def revenue_table(self, block, years: dict[int, int], rows) -> None:
        scale = MILLION
        self.plan.budget_years = sorted(set(years.values()))
        self.revenue_note = Note(
            f"Revenue impact summary, {financial_year_label(min(years.values()))} to "
            f"{financial_year_label(max(years.values()))}",
            block.where,
        )
        for number, row in enumerate(rows, start=2):
            figures = {
                years[index]: value
                for index in years
                if index < len(row) and (value := shown(row[index], scale)) is not None
            }
            self.revenue.append((row[0].strip(), figures, f"{block.where}, row {number}"))

    # Prices.

    def solve_prices(self) -> None:
        """Choose each price inside what its rows allow so that the tables' totals come
        out as shown, then round it to the roundest figure that keeps them so."""
        keys = list(self.prices)
        for key in keys:
            price = self.prices[key]
            if price.low > price.high:
                price.low = price.high = (price.low + price.high) / 2
            price.value = float((price.low + price.high) / 2)

        def room(key, up):
            price = self.prices[key]
            return float(price.high) - price.value if up else price.value - float(price.low)

        # Each pass visits every term of every total; a report's tables need a few dozen
        # passes, and no table, however built, may take more than WORK term visits.
        cost = max(1, sum(len(total.terms) for total in self.sums))
        for _ in range(min(200, WORK // cost)):
            moved = False
            for total in self.sums:
                current = float(total.constant) + sum(
                    float(c) * self.prices[k].value for k, c in total.terms.items()
                )
                margin = min(
                    0.25 * float(total.high - total.low),
                    1.0 + sum(float(c) for c in total.terms.values()),
                )
                low, high = float(total.low) + margin, float(total.high) - margin
                if low <= current <= high:
                    continue
                need = (low - current) if current < low else (high - current)
                up = need > 0
                weights = {k: float(c) * room(k, up) for k, c in total.terms.items()}
                scale = sum(float(total.terms[k]) * w for k, w in weights.items())
                if scale <= 0:
                    continue
                step = need / scale
                for k, w in weights.items():
                    price = self.prices[k]
                    price.value = min(
                        max(price.value + step * w, float(price.low)), float(price.high)
                    )
                moved = True
            if not moved:
                break

        chosen = {
            key: Decimal(price.value).quantize(Decimal(1), ROUND_HALF_UP)
            for key, price in self.prices.items()
        }
        # Rounding tries each price against every total: only where that work is bounded.
        # A second round finds the rounder figures the first round's roundings made room for.
        for key in keys * 2 if len(keys) * 6 * cost <= WORK else ():
            for step in (Decimal(1000), Decimal(100), Decimal(10)):
                rounder = (chosen[key] / step).quantize(Decimal(1), ROUND_HALF_UP) * step
                trial = {**chosen, key: rounder}
                price = self.prices[key]
                if price.low <= rounder <= price.high and self._fits(trial, chosen):
                    chosen[key] = rounder
                    break
        for row in self.rows:
            row.post.annual_cost = chosen[row.key].quantize(PENNY)
        for total in self.sums:
            value = total.at(chosen)
            if not total.low <= value <= total.high:
                self.not_recognised(
                    f"The {total.label} shown ({_m((total.low + total.high) / 2)}) differs "
                    f"from the rows above it ({_m(value)})",
                    total.where,
                )

    def _fits(self, trial, current) -> bool:
        for total in self.sums:
            before = total.low <= total.at(current) <= total.high
            if before and not total.low <= total.at(trial) <= total.high:
                return False
        return True

    # The plan.

    def finish(self) -> Plan:
        plan = self.plan
        for target, texts in self.texts.items():
            body = _join(texts)
            if target == "time_sensitivity":
                plan.time_sensitivity = body
                plan.needed_by = needed_by_in(body.replace("**", ""))
            elif target == "part2":
                plan.part2_content = body
            elif target != "recommendations":
                plan.sections[target] = body
        if len(self.headings_found - {"part2"}) < REQUIRED_HEADINGS or not (
            plan.title or plan.sections
        ):
            raise NotAReport(
                "This does not look like a report in the IAM report template: it does not "
                "have the template's headings, such as “Executive summary”, "
                "“Recommendations” and “Financial comments”."
            )
        if not plan.title:
            plan.title = "Imported report"
            self.not_recognised("The report has no title; the draft is called “Imported report”")
        self.solve_prices()
        self.find_offers()
        self.find_years()
        self.check_revenue()
        self.describe()
        return plan

    def find_offers(self) -> None:
        plan = self.plan
        default = year_pair(plan.title)
        summary = self.texts.get("executive_summary", [])
        wheres = self.counts.get("executive_summary", [])
        found: dict[tuple[str, int], OfferPlan] = {}
        stated = [(offer, offer.where) for offer in self.table_offers]
        for text, where in zip(summary, wheres, strict=True):
            stated += [(o, where) for o in offers_in(text.replace("**", ""), where, default)]
        for offer, where in stated:
            key = (offer.funder.lower(), offer.financial_year)
            first = found.setdefault(key, offer)
            if first is not offer and first.amount != offer.amount:
                self.not_recognised(
                    f"A second offer from {offer.funder} for "
                    f"{financial_year_label(offer.financial_year)} ({_m(offer.amount)}); only "
                    f"the first ({_m(first.amount)}) is kept",
                    where,
                )
        period = _PERIOD.search(" ".join(summary))
        start = _numeric_date(period[1]) if period else None
        end = _numeric_date(period[2]) if period else None
        for offer in found.values():
            if start and end and start <= end:
                offer.period_start, offer.period_end = start, end
        plan.offers = list(found.values())
        if not plan.offers:
            self.not_recognised(
                "No grant offers: the executive summary does not say who offered how much "
                "(“… confirmed an offer of £1.000m for 2024/25”)"
            )

    def find_years(self) -> None:
        plan = self.plan
        grant_years = []
        for label, figures, _ in self.revenue:
            if label.lower().startswith("grant"):
                grant_years = [year for year, value in sorted(figures.items()) if value.value]
        if grant_years:
            plan.financial_year = grant_years[0]
        elif plan.offers:
            plan.financial_year = min(offer.financial_year for offer in plan.offers)
        elif plan.budget_years:
            plan.financial_year = plan.budget_years[0]
        else:
            plan.financial_year = year_pair(plan.title) or _this_financial_year()
            self.not_recognised(
                f"No financial year found; the case is costed for "
                f"{financial_year_label(plan.financial_year)}"
            )
        years = set(plan.budget_years) | {plan.financial_year}
        years |= {offer.financial_year for offer in plan.offers}
        plan.budget_years = sorted(years)

    def check_revenue(self) -> None:
        """The revenue impact summary's planned spend for each unit, against its table."""
        plan = self.plan
        by_name = {unit.name.lower(): unit for unit in plan.units}
        for label, figures, where in self.revenue:
            unit = by_name.get(label.lower())
            if unit is None or plan.financial_year not in figures:
                continue
            figure = figures[plan.financial_year]
            spend = sum(
                (p.annual_cost * (p.grant_fte + p.match_fte) for p in unit.posts), Decimal(0)
            ) + sum((line.amount for line in unit.cost_lines), Decimal(0))
            if abs(spend - figure.value) > figure.half:
                self.not_recognised(
                    f"The revenue impact summary gives {unit.name} a planned spend of "
                    f"{_m(figure.value)}, but its table adds up to {_m(spend)}",
                    where,
                )

    def describe(self) -> None:
        plan = self.plan
        if plan.report_author:
            self.recognised("Report author", self.author_where)
        for target, wheres in self.counts.items():
            if target in SECTION_BY_FIELD:
                title = SECTION_BY_FIELD[target].title
            else:
                title = {
                    "time_sensitivity": "Time sensitivity",
                    "part2": "Part 2",
                    "recommendations": "Recommendations",
                }.get(target, target)
            self.recognised(f"{title}: {_paragraphs(len(wheres))}", _span(wheres))
        if plan.recommendations:
            standing = [r for r in plan.recommendations if r.is_standing_authority]
            text = f"{len(plan.recommendations)} recommendation{_s(plan.recommendations)}"
            for r in standing:
                text += (
                    f"; a standing authority to accept up to {_m(r.annual_cap)} a year until "
                    f"{r.ends_on:%-d %B %Y}"
                )
            self.recognised(text, _span([r.where for r in plan.recommendations]))
        else:
            self.not_recognised(
                "No recommendations: the Recommendations section has no numbered list"
            )
        if plan.needed_by:
            self.recognised(
                f"Decision needed by {plan.needed_by:%-d %B %Y}",
                _span(self.counts.get("time_sensitivity", [])),
            )
        elif plan.time_sensitivity:
            self.not_recognised(
                "The time sensitivity section does not say the date the decision is needed "
                "by (“by March 2025”)"
            )
        for offer in plan.offers:
            self.recognised(
                f"Grant offer: {offer.funder} {_m(offer.amount)} for "
                f"{financial_year_label(offer.financial_year)}",
                offer.where,
            )
        for unit in plan.units:
            spend = sum(
                (p.annual_cost * (p.grant_fte + p.match_fte) for p in unit.posts), Decimal(0)
            ) + sum((line.amount for line in unit.cost_lines), Decimal(0))
            fte = sum((p.grant_fte for p in unit.posts), Decimal(0))
            self.recognised(
                f"Funded unit {unit.name}: grant allocation {_m(unit.grant_allocation)}, "
                f"{len(unit.posts)} post{_s(unit.posts)} ({_fte(fte)} grant-funded FTE), "
                f"{len(unit.cost_lines)} cost line{_s(unit.cost_lines)}, planned spend {_m(spend)}",
                unit.where,
            )
        if self.revenue_note is not None:
            plan.recognised.append(self.revenue_note)
        if not plan.units:
            self.not_recognised(
                "No funded units: no table has the staffing table's header (“Annual cost”, "
                "“FTE”, “Total cost”)"
            )
        if plan.part2_content and not plan.part2_exemption_reason:
            self.not_recognised("Part 2 does not say why it is exempt (“Exemption ground: …”)")


def _count(figure: Shown) -> Decimal:
    """A figure as the count it holds, whatever column it was read from."""
    return figure.raw.quantize(PENNY, ROUND_HALF_UP).normalize() + 0


def _fte_of(money: Decimal, annual: Decimal) -> Decimal:
    """FTE to one decimal place, as the tables' rounding allows no finer."""
    return (money / annual).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _this_financial_year() -> int:
    today = datetime.date.today()
    return today.year if today.month >= 4 else today.year - 1


def _join(texts: list[str]) -> str:
    out = ""
    for text in texts:
        if not out:
            out = text
        elif re.match(r"^(\s*[-*•]|\s*\d+\.)\s", text) and re.match(
            r"^(\s*[-*•]|\s*\d+\.)\s", out.rsplit("\n", 1)[-1] or ""
        ):
            out += "\n" + text
        else:
            out += "\n\n" + text
    return out


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _s(items) -> str:
    return "" if len(items) == 1 else "s"


def _paragraphs(count: int) -> str:
    return f"{count} paragraph{'' if count == 1 else 's'}"


def _span(wheres: list[str]) -> str:
    wheres = [where for where in wheres if where]
    if not wheres:
        return ""
    if len(wheres) == 1 or wheres[0] == wheres[-1]:
        return wheres[0]
    return f"{wheres[0]} to {wheres[-1].split(', ')[0]}"


def parse_blocks(blocks: list[Block]) -> Plan:
    if not blocks:
        raise NotAReport("The report is empty.")
    return Parser(blocks).parse()
