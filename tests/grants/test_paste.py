"""Rows pasted from a spreadsheet: how the paste box reads them and what it says is wrong."""

from decimal import Decimal

import pytest

from grants.forms import PasteForm, PostFormSet
from grants.forms.paste import MAX_ROWS, RowProblem, split_rows
from grants.money import MONEY_HELP


def empty_table():
    """A unit's table of posts sent with no rows."""
    return PostFormSet(
        {"posts-TOTAL_FORMS": "0", "posts-INITIAL_FORMS": "0"}, rows=[], prefix="posts"
    )


def paste(text: str) -> PasteForm:
    form = PasteForm({"paste-rows": text}, posts=empty_table())
    assert form.is_valid(), form.errors
    return form


SAVED = ("grade", "annual_cost", "grant_fte", "match_fte", "group")


def saved(form: PasteForm) -> list[tuple]:
    return [tuple(edit.values[name] for name in SAVED) for edit in form.row_edits()]


def test_a_spreadsheets_rows_are_read_with_pounds_commas_and_a_heading_skipped():
    form = paste(
        "Grade or rank\tAnnual cost\tGrant-funded FTE\tMatch-funded FTE\tGroup\r\n"
        "Detective Inspector\t£102,400.00\t1\t1\tRART (Frontline Officers)\r\n"
        "Band C\t70800\t10\r\n"
        '"Analyst ""Band B"""\t 55,000 \t0.5\t\t\r\n'
        "\r\n"
    )
    assert saved(form) == [
        (
            "Detective Inspector",
            Decimal("102400.00"),
            Decimal("1"),
            Decimal("1"),
            "RART (Frontline Officers)",
        ),
        ("Band C", Decimal("70800.00"), Decimal("10"), Decimal("0"), ""),
        ('Analyst "Band B"', Decimal("55000.00"), Decimal("0.5"), Decimal("0"), ""),
    ]
    assert form.problems == [] and form.kept_text() == ""


def test_each_bad_row_is_named_by_its_line_and_column_and_kept_for_fixing():
    form = paste(
        "Detective Constable\t66230\t1\n"
        "Detective Sargent\tsixty thousand\t1\n"
        "\n"
        "\t66230\tone\n"
        "Police Constable 60000 1\n"
        "Band D\t53000\t1\t0\tGroup\textra\n"
        "Band E\t-5\t1000\n"
    )
    assert saved(form) == [
        ("Detective Constable", Decimal("66230.00"), Decimal("1"), Decimal("0"), "")
    ]
    assert [str(problem) for problem in form.problems] == [
        f"Row 2, annual cost: {MONEY_HELP}",
        "Row 4, grade or rank: Enter the grade or rank",
        "Row 4, grant-funded FTE: Grant-funded FTE must be a number, like 1 or 0.5",
        "Row 5: Separate the columns with tabs, as a spreadsheet does when you copy its "
        "cells: grade or rank, annual cost, grant-funded FTE, match-funded FTE and group "
        "(optional)",
        "Row 6: The row has 6 columns. Paste 5 at most: grade or rank, annual cost, "
        "grant-funded FTE, match-funded FTE and group (optional)",
        "Row 7, annual cost: Enter an amount of £0 or more, without a minus sign",
        "Row 7, grant-funded FTE: Grant-funded FTE must be a number from 0 to 999.99",
    ]
    assert form.kept_text() == (
        "Detective Sargent\tsixty thousand\t1\n"
        "\t66230\tone\n"
        "Police Constable 60000 1\n"
        "Band D\t53000\t1\t0\tGroup\textra\n"
        "Band E\t-5\t1000"
    )
    # Every problem links the error summary to the box.
    assert {anchor for anchor, _ in form.error_links()} == {"id_paste-rows"}
    assert len(form.error_ids()) == len(form.problems)


def test_a_first_row_that_is_a_post_is_never_taken_for_a_heading():
    # A grade named like a heading, with a cost that cannot be read, is a bad row to
    # fix, not a heading to drop.
    for first in ("Grade 7\tunknown\t1", "Grade 7\tcost unknown\t1", "Rank\tsixty\tone"):
        rows = split_rows(f"{first}\nBand D\t53000\t1")
        assert [number for number, _, _ in rows] == [1, 2], first
    assert split_rows("Rank\tCost\tFTE\nBand D\t53000\t1")[0][0] == 2


def test_an_empty_box_adds_nothing():
    form = paste(" \n\t\n")
    assert form.row_edits() == [] and form.problems == []


def test_a_paste_too_big_or_with_too_many_rows_is_refused_whole():
    posts = PostFormSet(None, rows=[], prefix="posts")
    too_many = "\n".join(f"Band D\t53000\t{n % 9 + 1}" for n in range(MAX_ROWS + 1))
    form = PasteForm({"paste-rows": too_many}, posts=posts)
    assert not form.is_valid()
    assert form.messages() == [f"Paste up to {MAX_ROWS} rows at once"]

    form = PasteForm({"paste-rows": "x" * 50_001}, posts=posts)
    assert not form.is_valid()
    assert form.messages() == ["Paste up to 50,000 characters at once"]


def test_a_paste_that_would_take_a_unit_past_its_most_posts_is_refused_whole():
    posts = empty_table()
    # The table keeps 198 posts.
    posts.kept_forms = lambda: [None] * 198
    form = PasteForm({"paste-rows": "Band D\t1\t1\nBand D\t1\t1\nBand D\t1\t1"}, posts=posts)
    assert not form.is_valid()
    assert form.messages() == [
        "A unit can have up to 200 posts: there is room for 2 more. Paste fewer rows"
    ]


@pytest.mark.parametrize("text", ["nul\x00byte\t1\t1", "Band D\t1\t1\x00"])
def test_a_null_character_is_refused_in_plain_words(text):
    form = PasteForm({"paste-rows": text}, posts=PostFormSet(None, rows=[], prefix="posts"))
    assert not form.is_valid()
    assert form.messages() == ["Null characters are not allowed."]


def test_a_problem_reads_as_a_row_and_a_column():
    assert str(RowProblem(3, "annual cost", "Enter the annual cost")) == (
        "Row 3, annual cost: Enter the annual cost"
    )
    assert str(RowProblem(4, "", "Separate the columns")) == "Row 4: Separate the columns"
