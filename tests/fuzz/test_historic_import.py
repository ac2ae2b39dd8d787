"""Hostile files for `manage.py import_decisions` (approvals.publication.historic): any
bytes, any cell, any PDF name. Each file is imported whole or refused whole, a refusal
names rows and fields that exist, and nothing imported is ever shown as markup."""

import re

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from approvals.models import AuditEvent, Publication
from approvals.publication import historic
from approvals.publication.historic import COLUMNS, ImportRefused, import_decisions, read_rows
from tests.fuzz.strategies import HOSTILE, SCRIPT, VALUES
from tests.publication.historic_files import csv_bytes, historic_row, small_pdf

pytestmark = pytest.mark.django_db

NAMED = {*COLUMNS, "file", "row"}
CSV_PIECES = st.sampled_from(
    ['"', '""', ",", "\r", "\n", "\r\n", "\x00", "\ufeff", ";", "reference", SCRIPT, "PCD 1"]
)


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "good.pdf").write_bytes(small_pdf("good"))
    (tmp_path / "outside.pdf").write_bytes(small_pdf("outside"))
    return folder


def attempt(content: bytes, files=None):
    """Import in a transaction rolled back afterwards, so each example starts afresh:
    the result, or the refusal's problems."""
    with transaction.atomic():
        events = AuditEvent.objects.count()
        try:
            result = import_decisions(content, files=files, source="fuzz.csv")
        except ImportRefused as refused:
            assert not Publication.objects.filter(imported=True).exists()
            assert AuditEvent.objects.count() == events
            outcome = refused.problems
        else:
            assert Publication.objects.filter(imported=True).count() == len(result.imported)
            outcome = result
            pages = [Client().get(f"/decisions/{row}/") for row in _slugs(result)]
            for page in pages:
                assert page.status_code == 200
                assert SCRIPT not in page.content.decode()
        transaction.set_rollback(True)
    return outcome


def _slugs(result):
    return Publication.objects.filter(reference__in=result.imported).values_list("slug", flat=True)


def check_problems(problems, rows: int) -> None:
    for problem in problems:
        assert problem.field in NAMED or re.fullmatch(r"column [0-9]+", problem.field), problem
        assert not re.search(r"[\x00-\x1f]", problem.message), problem
        assert 1 <= problem.row <= rows + 2, problem
        assert str(problem).startswith(f"row {problem.row}, field {problem.field}: ")


@settings(max_examples=60)
@given(cells=st.fixed_dictionaries({}, optional=dict.fromkeys(COLUMNS, VALUES)))
def test_any_cells_import_whole_or_are_refused_naming_their_fields(files, cells):
    outcome = attempt(csv_bytes([historic_row(1, **cells)]), files)
    if isinstance(outcome, list):
        check_problems(outcome, 1)
        assert outcome, "a refusal names at least one problem"


@settings(max_examples=60)
@given(
    content=st.one_of(
        st.binary(max_size=400), st.lists(CSV_PIECES, max_size=40).map("".join).map(str.encode)
    )
)
def test_any_bytes_are_read_or_refused_never_failing(content):
    try:
        rows = read_rows(content)
    except ImportRefused as refused:
        check_problems(refused.problems, content.count(b"\n") + content.count(b"\r") + 1)
    else:
        assert rows


@settings(max_examples=40)
@given(
    name=st.one_of(
        st.sampled_from(
            [
                "../outside.pdf",
                "../../../../etc/passwd",
                "/etc/passwd",
                ".",
                "..",
                "good.pdf/..",
                "good.pdf\x00.txt",
                "x" * 300,
                "%2e%2e/outside.pdf",
                "sub/../../outside.pdf",
            ]
        ),
        st.sampled_from(HOSTILE),
    )
)
def test_a_pdf_name_never_reaches_outside_the_folder(files, name):
    outcome = attempt(csv_bytes([historic_row(1, pdf=name)]), files)
    if isinstance(outcome, list):
        check_problems(outcome, 1)
    else:
        # Accepted only with no PDF, or a file inside the folder: good.pdf.
        assert name.strip() in ("", "good.pdf"), name


def test_many_bad_rows_are_each_named_once(files):
    rows = [historic_row(n, date_signed=value) for n, value in enumerate(HOSTILE, start=1)]
    outcome = attempt(csv_bytes(rows), files)
    assert isinstance(outcome, list)
    check_problems(outcome, len(rows))
    named = {problem.row for problem in outcome if problem.field == "date_signed"}
    good = {
        number
        for number, value in enumerate(HOSTILE, start=2)
        if historic.parse_date(value.strip()) is not None
    }
    assert named == set(range(2, len(rows) + 2)) - good
