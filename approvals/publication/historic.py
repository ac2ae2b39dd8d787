"""The historic register: decisions published on the earlier register, loaded from a CSV
file by `manage.py import_decisions FILE.csv [--files DIR]`.

Every row is read and checked before anything is written; one bad row and nothing is
imported, and the refusal names every bad row and field. Then everything is written in
one transaction: each decision is a publication marked `imported`, with no decision or
case here and no structured figures, and a first published revision whose record holds
the facts the earlier register gave. It appears on the register, in search, filters,
open data and the feed like any published decision, and each is audited (AuditAction
.IMPORTED) and anchored like a publication. A row whose reference was imported before
with the same content is skipped, so running the same file again changes nothing; with
different content it is refused. Each reference prefix's sequence moves past the highest
number imported, so the service never issues an imported reference again.

Columns, in any order (the first row names them): reference, title, decision_maker,
date_signed, date_published and summary are required; outcome, funders,
total_grant_amount, financial_years and pdf may be left empty.
"""

import csv
import datetime
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from approvals import audit
from approvals.models import AuditAction, DrawnPdf, Publication, PublishedRevision
from approvals.models.documents import drawn_path
from approvals.publication import register
from approvals.publication.agreements import AgreementError, check_pdf
from approvals.references import Advance, advance_past, highest_numbers
from grants.document import document_sha256

logger = logging.getLogger(__name__)

REQUIRED = ("reference", "title", "decision_maker", "date_signed", "date_published", "summary")
OPTIONAL = ("outcome", "funders", "total_grant_amount", "financial_years", "pdf")
COLUMNS = (*REQUIRED, *OPTIONAL)
# What each column is called in a message.
LABELS = {
    "reference": "reference",
    "title": "title",
    "decision_maker": "decision maker",
    "date_signed": "date signed",
    "date_published": "date published",
    "summary": "summary",
    "outcome": "outcome",
    "funders": "funders",
    "total_grant_amount": "total grant amount",
    "financial_years": "financial years",
    "pdf": "PDF",
}
OUTCOMES = {
    "approved": "approved",
    "partly approved": "partly_approved",
    "partly_approved": "partly_approved",
    "rejected": "rejected",
}
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CELL = 100_000
LIMITS = {
    "reference": Publication._meta.get_field("reference").max_length,
    "title": Publication._meta.get_field("title").max_length,
    "decision_maker": 200,
    "summary": 20_000,
    "funders": Publication._meta.get_field("funders").max_length,
    "financial_years": Publication._meta.get_field("financial_years").max_length,
    "pdf": 255,
}
SLUG_LIMIT = Publication._meta.get_field("slug").max_length
FUNDER_LIMIT = 200
# Pounds with pence, as written in a spreadsheet: "1701000", "1,701,000.00", "£1,701,000".
_AMOUNT = re.compile(r"£?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
# Control characters are kept out of every cell; a summary may have line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_PROSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Published at noon London time on the day the earlier register gives, so the day reads
# the same in UTC.
PUBLISHED_AT = datetime.time(12, 0)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of one row. Rows are counted as a spreadsheet
    counts them: the header is row 1."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, field {self.field}: {self.message}"


class ImportRefused(Exception):
    """The file cannot be imported; nothing was. `problems` names every bad row and field."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class ImportedRow:
    """One decision of the earlier register, as checked."""

    row: int
    reference: str
    title: str
    decision_maker: str
    date_signed: datetime.date
    date_published: datetime.date
    summary: str
    outcome: str
    funders: tuple[str, ...]
    total_grant_amount: Decimal | None
    financial_years: tuple[str, ...]
    pdf: Path | None = None
    pdf_size: int = 0
    pdf_sha256: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.reference)

    @property
    def published_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.date_published, PUBLISHED_AT))

    def record(self) -> dict:
        """The record published for it: the earlier register's facts, and nothing else."""
        total = self.total_grant_amount
        return {
            "imported": True,
            "reference": self.reference,
            "title": self.title,
            "decided_by": self.decision_maker,
            "decision_date": self.date_signed.isoformat(),
            "date_published": self.date_published.isoformat(),
            "summary": self.summary,
            "outcome": self.outcome,
            "funders": register.SEPARATOR.join(self.funders),
            "total_grant_amount": "" if total is None else f"{total:.2f}",
            "financial_years": register.SEPARATOR.join(self.financial_years),
            "pdf_sha256": self.pdf_sha256,
        }


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    advances: list[Advance] = field(default_factory=list)


# ---- Reading and checking -----------------------------------------------------------------


def _text(value: str, name: str, problems: list, row: int) -> str:
    text = value.strip()
    pattern = _CONTROL_IN_PROSE if name == "summary" else _CONTROL
    if pattern.search(text):
        problems.append(Problem(row, name, "must not contain control characters"))
        return ""
    limit = LIMITS.get(name)
    if limit and len(text) > limit:
        problems.append(Problem(row, name, f"must be {limit:,} characters or fewer"))
        return ""
    if name in REQUIRED and not text:
        problems.append(Problem(row, name, f"enter the {LABELS[name]}"))
    return text


def parse_date(text: str) -> datetime.date | None:
    """'2019-04-01' or '01/04/2019' (day first); None if it is not a real date."""
    try:
        if match := _UK_DATE.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return None


def _date(text: str, name: str, problems: list, row: int) -> datetime.date | None:
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        problems.append(Problem(row, name, "enter a real date like 2019-04-01 or 01/04/2019"))
    elif day > timezone.localdate():
        problems.append(Problem(row, name, "must be today or in the past"))
        return None
    return day


def parse_amount(text: str) -> Decimal | None:
    """Pounds and pence, with or without £ and thousands commas; None if it is not one."""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    try:
        amount = Decimal(match[1].replace(",", "") + (match[2] or ""))
    except InvalidOperation:
        return None
    return amount if amount < Decimal(10) ** 12 else None


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


def _funders(text: str, problems: list, row: int) -> tuple[str, ...]:
    funders = sorted(set(_list(text)))
    if any(len(name) > FUNDER_LIMIT for name in funders):
        problems.append(
            Problem(row, "funders", f"each funder must be {FUNDER_LIMIT} characters or fewer")
        )
        return ()
    return tuple(funders)


def _years(text: str, problems: list, row: int) -> tuple[str, ...]:
    years = set()
    for item in _list(text):
        year = register.normalise_financial_year(item)
        if year is None:
            problems.append(
                Problem(
                    row,
                    "financial_years",
                    f"‘{item[:40]}’ is not a financial year like 2019/20 "
                    "(separate years with semicolons)",
                )
            )
            return ()
        years.add(year)
    return tuple(sorted(years))


def _pdf(name: str, files: Path | None, problems: list, row: int) -> tuple[Path | None, int, str]:
    if not name:
        return None, 0, ""
    if files is None:
        problems.append(Problem(row, "pdf", "names a file, but no folder was given with --files"))
        return None, 0, ""
    root = files.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or path == root:
        problems.append(Problem(row, "pdf", "must name a file inside the --files folder"))
        return None, 0, ""
    if not path.is_file():
        problems.append(Problem(row, "pdf", f"there is no file called ‘{name}’ in {files}"))
        return None, 0, ""
    try:
        with path.open("rb") as handle:
            size, sha256 = check_pdf(File(handle, name=path.name))
    except AgreementError as refused:
        message = (
            str(refused)
            .replace("The selected file", "The file")
            .replace("The selected PDF", "The PDF")
            .replace("upload that copy", "import that copy")
        )
        problems.append(Problem(row, "pdf", message))
        return None, 0, ""
    except OSError as error:
        problems.append(Problem(row, "pdf", f"could not be read: {error.strerror}"))
        return None, 0, ""
    return path, size, sha256


def _row(number: int, cells: dict[str, str], files: Path | None, problems: list):
    found: list[Problem] = []
    text = {name: _text(cells.get(name) or "", name, found, number) for name in COLUMNS}
    reference = text["reference"]
    if reference and not slugify(reference):
        found.append(Problem(number, "reference", "must have letters or numbers in it"))
    elif reference and len(slugify(reference)) > SLUG_LIMIT:
        found.append(Problem(number, "reference", f"must be {SLUG_LIMIT} characters or fewer"))
    signed = _date(text["date_signed"], "date_signed", found, number)
    published = _date(text["date_published"], "date_published", found, number)
    if signed and published and published < signed:
        found.append(
            Problem(number, "date_published", "must be the same as or after the date signed")
        )
    outcome = ""
    if text["outcome"]:
        outcome = OUTCOMES.get(text["outcome"].casefold(), "")
        if not outcome:
            found.append(
                Problem(number, "outcome", "must be approved, partly approved, rejected or empty")
            )
    total = None
    if text["total_grant_amount"]:
        total = parse_amount(text["total_grant_amount"])
        if total is None:
            found.append(
                Problem(
                    number,
                    "total_grant_amount",
                    "enter an amount in pounds like 1701000.00, or leave it empty",
                )
            )
    funders = _funders(text["funders"], found, number)
    years = _years(text["financial_years"], found, number)
    pdf, size, sha256 = _pdf(text["pdf"], files, found, number)
    problems.extend(found)
    if found:
        return None
    return ImportedRow(
        row=number,
        reference=reference,
        title=text["title"],
        decision_maker=text["decision_maker"],
        date_signed=signed,
        date_published=published,
        summary=text["summary"],
        outcome=outcome,
        funders=funders,
        total_grant_amount=total,
        financial_years=years,
        pdf=pdf,
        pdf_size=size,
        pdf_sha256=sha256,
    )


def read_rows(content: bytes, *, files: Path | None = None) -> list[ImportedRow]:
    """Every row of the file, checked; ImportRefused names every problem found."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused(
            [Problem(1, "file", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [Problem(1, "file", f"is not UTF-8 text (byte {error.start + 1} is not)")]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    rows: list[ImportedRow] = []
    references: list[tuple[int, str]] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportRefused([Problem(1, "file", f"is not a CSV file: {error}")]) from None
    if not header:
        raise ImportRefused([Problem(1, "file", "is empty: the first row names the columns")])
    header = [name.strip().casefold() for name in header]
    for name in REQUIRED:
        if name not in header:
            problems.append(Problem(1, name, "the column is missing"))
    for position, name in enumerate(header):
        if name not in COLUMNS:
            shown = _CONTROL.sub("?", name[:40])
            problems.append(Problem(1, f"column {position + 1}", f"‘{shown}’ is not a column"))
        elif header.index(name) != position:
            problems.append(Problem(1, name, "the column is named twice"))
    if problems:
        raise ImportRefused(problems)
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if number - 1 > MAX_ROWS:
                problems.append(Problem(number, "file", f"has more than {MAX_ROWS:,} rows"))
                break
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                problems.append(
                    Problem(number, "row", f"has {len(cells)} cells, the header {len(header)}")
                )
                continue
            if any(len(cell) > MAX_CELL for cell in cells):
                problems.append(Problem(number, "row", "has a cell that is far too long"))
                continue
            named = dict(zip(header, cells, strict=False))
            references.append((number, (named.get("reference") or "").strip()))
            row = _row(number, named, files, problems)
            if row is not None:
                rows.append(row)
    except csv.Error as error:
        problems.append(Problem(number + 1, "row", f"cannot be read as CSV: {error}"))
    problems.extend(_duplicates(references))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([Problem(2, "file", "has no decisions after its header")])
    return rows


def _duplicates(references: list[tuple[int, str]]) -> list[Problem]:
    """Each row whose reference an earlier row has (as the register's address has it)."""
    problems, first = [], {}
    for number, reference in references:
        slug = slugify(reference)
        if not slug:
            continue
        if slug in first:
            problems.append(
                Problem(
                    number,
                    "reference",
                    f"{_CONTROL.sub('?', reference[:40])} is also in row {first[slug]}",
                )
            )
        else:
            first[slug] = number
    return problems


# ---- Against the register ---------------------------------------------------------------


# The record's names for the columns it keeps (ImportedRow.record).
RECORD_LABELS = {
    **LABELS,
    "decided_by": LABELS["decision_maker"],
    "decision_date": LABELS["date_signed"],
    "pdf_sha256": LABELS["pdf"],
}


def _changes(row: ImportedRow, record: dict) -> list[str]:
    new = row.record()
    return [RECORD_LABELS.get(name, name) for name in new if new[name] != record.get(name)]


def plan(rows: list[ImportedRow]) -> tuple[list[ImportedRow], list[ImportedRow]]:
    """The rows to import and those imported before with the same content; ImportRefused
    names each row whose reference is a decision made here, or was imported before with
    other content."""
    existing = {
        publication.slug: publication
        for publication in Publication.objects.filter(slug__in=[row.slug for row in rows])
    }
    records = dict(
        PublishedRevision.objects.filter(
            publication__slug__in=list(existing), publication__imported=True, number=1
        ).values_list("publication__slug", "record")
    )
    new, unchanged, problems = [], [], []
    for row in rows:
        publication = existing.get(row.slug)
        if publication is None:
            new.append(row)
        elif not publication.imported:
            problems.append(
                Problem(
                    row.row,
                    "reference",
                    f"{publication.reference} is a decision made in this service",
                )
            )
        elif changed := _changes(row, records.get(row.slug, {})):
            problems.append(
                Problem(
                    row.row,
                    "reference",
                    f"{publication.reference} was imported before with a different "
                    f"{', '.join(changed)}; imported records are not changed",
                )
            )
        else:
            unchanged.append(row)
    if problems:
        raise ImportRefused(problems)
    return new, unchanged


# ---- Writing --------------------------------------------------------------------------------


def _store_pdfs(rows: list[ImportedRow]) -> dict[int, str]:
    """Each row's PDF put in storage under a random name, as a drawn decision form is:
    stored before the transaction, removed again if it fails."""
    storage = DrawnPdf._meta.get_field("file").storage
    stored: dict[int, str] = {}
    try:
        for row in rows:
            if row.pdf is None:
                continue
            with row.pdf.open("rb") as handle:
                stored[row.row] = storage.save(drawn_path(None, row.pdf.name), File(handle))
    except BaseException:
        _discard(stored.values())
        raise
    return stored


def _discard(names) -> None:
    storage = DrawnPdf._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete the stored file %s", name)


def _write(rows: list[ImportedRow], stored: dict[int, str], *, by, source: str) -> list[Advance]:
    now = timezone.now()
    publications = Publication.objects.bulk_create(
        [
            Publication(
                decision=None,
                imported=True,
                slug=row.slug,
                due_at=row.published_at,
                published_at=row.published_at,
                legal_basis=settings.DEFAULT_LEGAL_BASIS,
                reference=row.reference,
                title=row.title,
                outcome=row.outcome,
                decision_date=row.date_signed,
                funders=register.SEPARATOR.join(row.funders),
                total_grant_amount=row.total_grant_amount,
                financial_years=register.SEPARATOR.join(row.financial_years),
                summary=row.summary,
            )
            for row in rows
        ],
        batch_size=500,
    )
    records = [row.record() for row in rows]
    revisions = PublishedRevision.objects.bulk_create(
        [
            PublishedRevision(
                publication=publication,
                number=1,
                published_at=now,
                published_by=by,
                note="",
                record=record,
                # The record is also the published document: there is no report here.
                document=record,
                document_sha256=document_sha256(record),
            )
            for publication, record in zip(publications, records, strict=True)
        ],
        batch_size=500,
    )
    DrawnPdf.objects.bulk_create(
        [
            DrawnPdf(
                revision=revision,
                file=stored[row.row],
                size=row.pdf_size,
                sha256=row.pdf_sha256,
            )
            for row, revision in zip(rows, revisions, strict=True)
            if row.row in stored
        ],
        batch_size=500,
    )
    register.add_filter_options(publications)
    register.forget_versions([publication.slug for publication in publications])
    events = audit.record_many(
        AuditAction.IMPORTED,
        actor=by,
        details=[
            {
                "reference": row.reference,
                "revision": 1,
                "source": source,
                "row": row.row,
                "document_sha256": revision.document_sha256,
                "pdf": row.pdf_sha256 or None,
            }
            for row, revision in zip(rows, revisions, strict=True)
        ],
    )
    audit.anchor_many(list(zip(events, revisions, strict=True)))
    return advance_past(highest_numbers(row.reference for row in rows), source=source, by=by)


def import_decisions(
    content: bytes, *, files: Path | None = None, source: str = "", by=None
) -> ImportResult:
    """Import the earlier register's decisions from a CSV file's content, the PDFs it
    names read from `files`: all of them, or, with ImportRefused, none."""
    rows = read_rows(content, files=files)
    new, unchanged = plan(rows)
    result = ImportResult(unchanged=[row.reference for row in unchanged])
    if not new:
        return result
    stored = _store_pdfs(new)
    try:
        with transaction.atomic():
            # Checked again in the transaction: another import may have run meanwhile.
            meanwhile, _ = plan(new)
            if len(meanwhile) != len(new):
                raise ImportRefused(
                    [Problem(1, "file", "another import wrote some of its references meanwhile")]
                )
            result.advances = _write(new, stored, by=by, source=source)
    except IntegrityError:
        _discard(stored.values())
        raise ImportRefused(
            [Problem(1, "file", "another import wrote the same references at the same time")]
        ) from None
    except BaseException:
        _discard(stored.values())
        raise
    result.imported = [row.reference for row in new]
    return result
