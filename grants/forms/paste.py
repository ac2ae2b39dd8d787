"""Posts pasted from a spreadsheet into a unit's staffing table.

A spreadsheet copies its cells as tab-separated text, a line a row. The columns are the
grade or rank, the annual cost, the grant-funded FTE, the match-funded FTE (blank for
none) and, optionally, the sub-group, e.g. ‘RART (Frontline Officers)’. A heading row is
skipped. Each row is checked by the post form's own rules: rows without problems are
added to the unit, and rows with problems stay in the box with them, to be fixed.
"""

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from grants.forms.fields import ErrorSummaryMixin, field_anchor
from grants.forms.rows import PostForm, RowFormSet
from grants.money import MoneyError, parse_money
from grants.services import RowEdit

# The columns in the order a spreadsheet gives them, each with how a problem names it.
COLUMNS = {
    "grade": "grade or rank",
    "annual_cost": "annual cost",
    "grant_fte": "grant-funded FTE",
    "match_fte": "match-funded FTE",
    "group": "group",
}
MAX_CHARACTERS = 50_000
MAX_ROWS = 200
_LINES = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"^\d*\.?\d+$", re.ASCII)


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one pasted row: its line in the box, the column (empty when
    the problem is with the row as a whole) and what to do."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


def _cell(text: str) -> str:
    """A cell as typed: without the spaces around it, or the quotes a spreadsheet puts
    round a cell that holds a quote mark."""
    text = text.strip().replace("\xa0", " ").strip()
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        text = text[1:-1].replace('""', '"')
    return text


def _is_heading(cells: list[str]) -> bool:
    """A row like "Grade or rank, Annual cost, Grant-funded FTE": its first cells name the
    columns, and the FTE beside them is not a number."""
    if len(cells) < 2 or not cells[0].casefold().startswith(("grade", "rank")):
        return False
    if "cost" not in cells[1].casefold() or (len(cells) > 2 and _NUMBER.match(cells[2])):
        return False
    try:
        parse_money(cells[1])
    except MoneyError:
        return True
    return False


def split_rows(text: str) -> list[tuple[int, str, list[str]]]:
    """The pasted rows as (line number, line, cells), without blank lines or a heading."""
    rows = []
    for number, line in enumerate(_LINES.split(text), start=1):
        if not line.strip():
            continue
        cells = [_cell(cell) for cell in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if not rows and _is_heading(cells):
            continue
        rows.append((number, line, cells))
    return rows


def check_row(number: int, line: str, cells: list[str]) -> PostForm | list[RowProblem]:
    """A pasted row as a valid post form, or what is wrong with it."""
    if "\t" not in line:
        return [
            RowProblem(
                number,
                "",
                "Separate the columns with tabs, as a spreadsheet does when you copy its "
                "cells: grade or rank, annual cost, grant-funded FTE, match-funded FTE and "
                "group (optional)",
            )
        ]
    if len(cells) > len(COLUMNS):
        return [
            RowProblem(
                number,
                "",
                f"The row has {len(cells)} columns. Paste 5 at most: grade or rank, annual "
                "cost, grant-funded FTE, match-funded FTE and group (optional)",
            )
        ]
    form = PostForm(dict(zip(COLUMNS, cells, strict=False)), number=number)
    if form.is_valid():
        return form
    return [
        RowProblem(number, COLUMNS.get(name, ""), str(message))
        for name in [*COLUMNS, "__all__"]
        for message in form.errors.get(name, [])
    ]


class PasteForm(ErrorSummaryMixin, forms.Form):
    """The paste box of a unit's page. It is valid unless the paste as a whole cannot be
    taken; a row with problems does not stop the others being added."""

    rows = forms.CharField(
        label="Rows copied from a spreadsheet",
        required=False,
        strip=False,
        max_length=MAX_CHARACTERS,
        # templates/grants/editor/unit.html draws the box, its hint and each row's problem.
        widget=forms.Textarea,
        help_text="One post a row, in these columns: grade or rank, annual cost, "
        "grant-funded FTE, match-funded FTE and group (optional). A heading row is skipped.",
        error_messages={
            "max_length": f"Paste up to {MAX_CHARACTERS:,} characters at once",
        },
    )

    def __init__(self, data=None, *, posts: RowFormSet, prefix: str = "paste", **kwargs):
        super().__init__(data, prefix=prefix, **kwargs)
        self.posts = posts
        self.accepted: list[PostForm] = []
        self.problems: list[RowProblem] = []
        self.kept_lines: list[str] = []

    def clean_rows(self) -> str:
        text = self.cleaned_data["rows"]
        rows = split_rows(text)
        if len(rows) > MAX_ROWS:
            raise ValidationError(f"Paste up to {MAX_ROWS} rows at once", code="too_many_rows")
        accepted, problems, kept = [], [], []
        for number, line, cells in rows:
            checked = check_row(number, line, cells)
            if isinstance(checked, PostForm):
                accepted.append(checked)
            else:
                problems += checked
                kept.append(line)
        room = self._room()
        if room is not None and len(accepted) > room:
            raise ValidationError(
                f"A unit can have up to {self.posts.max_num} posts: there is room for "
                f"{room} more. Paste fewer rows",
                code="no_room",
            )
        self.accepted, self.problems, self.kept_lines = accepted, problems, kept
        return text

    def _room(self) -> int | None:
        """How many more posts the unit can take; None when the table itself is refused,
        so that nothing is saved anyway."""
        if not self.posts.is_valid():
            return None
        return max(self.posts.max_num - len(self.posts.kept_forms()), 0)

    def row_edits(self) -> list[RowEdit]:
        return [RowEdit(None, form.values()) for form in self.accepted]

    def kept_text(self) -> str:
        """The rows with problems, to go back in the box."""
        return "\n".join(self.kept_lines)

    def error_ids(self) -> list[str]:
        count = len(self["rows"].errors) + len(self.problems)
        return [f"{self['rows'].auto_id}_{n}_error" for n in range(1, count + 1)]

    def messages(self) -> list[str]:
        """Every message shown at the box: the paste's own errors, then each row's."""
        return [*self["rows"].errors, *(str(problem) for problem in self.problems)]

    def error_links(self) -> list[tuple[str, str]]:
        anchor = field_anchor(self["rows"])
        return [(anchor, message) for message in self.messages()]
