"""Reading a report into blocks: its headings, paragraphs and tables in document order,
each with the place it was found, from a Word document or from pasted text."""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_TEXT_CHARACTERS = 300_000
MAX_BLOCKS = 5000
MAX_TABLE_ROWS = 1000
MAX_TABLE_COLUMNS = 40


class NotAReport(Exception):
    """What was given cannot be read as a report. The message says why, to the person
    importing it."""


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "paragraph" or "table"
    where: str  # "paragraph 12", "table 3"
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


_MARKUP = re.compile(r"</?(?:b|strong|i|em|u)>|<sup>.*?</sup>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_cell(text: str) -> str:
    text = _MARKUP.sub("", text).replace("**", "")
    return " ".join(text.split())


def heading_text(text: str) -> str:
    text = _MARKUP.sub("", text).replace("**", "").strip().strip("*_").strip()
    return " ".join(text.split())


# Pasted text ------------------------------------------------------------------------------

_TABLE_LINE = re.compile(r"\t|^\s*\|")
_RULE_LINE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_NUMBERED = re.compile(r"^\d+\.\s")
_ENDS_SENTENCE = re.compile(r"[.:;!?)”’\"']\s*$")


def read_text(text: str) -> list[Block]:
    """Pasted text: '#' headings, one paragraph a line, and tables as runs of tab- or
    pipe-separated lines."""
    if len(text) > MAX_TEXT_CHARACTERS:
        raise NotAReport(
            f"The text is too long to be a report: paste at most {MAX_TEXT_CHARACTERS:,} "
            "characters."
        )
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks: list[Block] = []
    counts = {"paragraph": 0, "table": 0}
    table: list[tuple[str, ...]] = []

    def add(kind: str, text: str = "", rows=()) -> None:
        counts["paragraph" if kind == "heading" else kind] += 1
        number = counts["paragraph" if kind == "heading" else kind]
        blocks.append(
            Block(kind, f"{'table' if kind == 'table' else 'paragraph'} {number}", text, rows)
        )
        if len(blocks) > MAX_BLOCKS:
            raise NotAReport("The report has too many paragraphs and tables to import.")

    def end_table() -> None:
        if table:
            add("table", rows=tuple(table))
            table.clear()

    for line in text.split("\n"):
        if _TABLE_LINE.search(line) and line.strip():
            if _RULE_LINE.match(line):
                continue
            cells = line.strip().strip("|").split("|") if "\t" not in line else line.split("\t")
            if len(table) < MAX_TABLE_ROWS:
                table.append(tuple(clean_cell(cell) for cell in cells[:MAX_TABLE_COLUMNS]))
            continue
        end_table()
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            add("heading", heading_text(stripped.lstrip("#")))
            continue
        indent = "    " if line[:1] == " " and stripped[:1] in "-*•" else ""
        add("paragraph", indent + stripped.replace("<b>", "**").replace("</b>", "**"))
    end_table()
    return join_broken_paragraphs(blocks)


def join_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Join a paragraph a page break cut in two: the first half ends mid-sentence and the
    second goes on in lower case (or with a number that does not start a numbered item)."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        text = block.text.strip()
        if (
            block.kind == "paragraph"
            and previous is not None
            and previous.kind == "paragraph"
            and not _ENDS_SENTENCE.search(previous.text)
            and text
            and not _NUMBERED.match(text)
            and (text[0].islower() or text[0].isdigit())
        ):
            joined[-1] = Block("paragraph", previous.where, f"{previous.text} {text}")
        else:
            joined.append(block)
    return joined


# Word documents -------------------------------------------------------------------------

WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def check_word_file(data: bytes) -> None:
    """Refuse what is not a Word document before parsing it: a .docx is a zip holding
    word/document.xml, and its parts together must stay small."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise NotAReport(
            f"The file is too large: upload a Word document of at most "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        )
    if not data:
        raise NotAReport("The file is empty.")
    not_word = (
        "The file is not a Word document (.docx). Save the report as a Word document, or "
        "paste its text instead."
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise NotAReport(not_word)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise NotAReport(not_word)
            if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
                raise NotAReport(
                    "The Word document is too large once opened: it may hold large images "
                    "or be damaged. Paste the report's text instead."
                )
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise NotAReport(not_word)
            if WORD_TYPE.split("/")[1] + ".main+xml" not in archive.read(
                "[Content_Types].xml"
            ).decode("utf-8", "replace"):
                raise NotAReport(not_word)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError):
        raise NotAReport(not_word) from None


def read_word(data: bytes) -> list[Block]:
    """A .docx: paragraphs with a Heading or Title style are headings; tables are rows of
    cell text, a merged cell counted once."""
    import docx
    from docx.table import Table

    check_word_file(data)
    try:
        document = docx.Document(io.BytesIO(data))
        content = list(document.iter_inner_content())
    except Exception:
        # python-docx raises many kinds of error on a damaged package.
        raise NotAReport(
            "The Word document could not be read: it may be damaged. Open it in Word and "
            "save it again, or paste its text instead."
        ) from None
    blocks: list[Block] = []
    paragraphs = tables = 0
    for item in content:
        if len(blocks) >= MAX_BLOCKS:
            raise NotAReport("The report has too many paragraphs and tables to import.")
        if isinstance(item, Table):
            tables += 1
            blocks.append(Block("table", f"table {tables}", rows=_table_rows(item)))
            continue
        text = _CONTROL.sub("", item.text).strip()
        if not text:
            continue
        paragraphs += 1
        style = (item.style.name if item.style is not None else "") or ""
        is_heading = style.startswith("Heading") or style == "Title"
        blocks.append(
            Block(
                "heading" if is_heading else "paragraph",
                f"paragraph {paragraphs}",
                heading_text(text) if is_heading else text,
            )
        )
    return join_broken_paragraphs(blocks)


def _table_rows(table) -> tuple[tuple[str, ...], ...]:
    rows = []
    for row in table.rows[:MAX_TABLE_ROWS]:
        cells, seen = [], []
        for cell in row.cells[:MAX_TABLE_COLUMNS]:
            # python-docx repeats a merged cell in every grid column it spans.
            repeated = any(cell._tc is element for element in seen)
            cells.append("" if repeated else clean_cell(cell.text))
            seen.append(cell._tc)
        rows.append(tuple(cells))
    return tuple(rows)
