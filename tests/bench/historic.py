"""The historic register's part of `make bench`: `manage.py import_decisions` of a file of
2,000 of the earlier register's decisions, each with a small PDF of its own, into the
benchmark's database once it holds its largest register.

Target: the whole import, from reading the file to the commit, in under 60 s. The import
is also checked: every row on the register, and a second run of the same file changes
nothing (it is timed too, for the table).

`python -m tests.bench.historic` runs it on its own against DATABASE_URL (a database whose
name says bench or test, migrated), for a figure without the whole benchmark.
"""

import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROWS = 2_000
TARGET_S = 60.0
PREFIX = "CEOD"


def build(folder: Path, count: int = ROWS) -> Path:
    """The earlier register's file of `count` rows, and a folder of its PDFs beside it."""
    from tests.publication.historic_files import historic_row, write_import

    funders = ["Home Office", "Youth Endowment Fund", "Ministry of Justice", "Cabinet Office"]
    rows = [
        historic_row(
            number,
            reference=f"{PREFIX} {number}",
            title=f"Acceptance of grant {number} for violence reduction",
            funders=funders[number % len(funders)],
            financial_years=f"{2010 + number % 10}/{11 + number % 10:02d}",
            date_signed=f"20{10 + number % 10}-0{1 + number % 9}-1{number % 8}",
            date_published=f"20{10 + number % 10}-0{1 + number % 9}-2{number % 8}",
        )
        for number in range(1, count + 1)
    ]
    path, _ = write_import(folder, rows)
    return path


def measure() -> dict:
    from django.core.management import call_command
    from django.test import override_settings

    from approvals.models import Publication

    with tempfile.TemporaryDirectory(prefix="grant-decisions-historic-") as temporary:
        folder = Path(temporary)
        path = build(folder)
        files = folder / "pdfs"
        pdf_bytes = sum(item.stat().st_size for item in files.iterdir())
        with override_settings(MEDIA_ROOT=folder / "media"):
            began = time.perf_counter()
            call_command("import_decisions", str(path), files=str(files), stdout=StringIO())
            first = time.perf_counter() - began
            imported = Publication.objects.filter(imported=True, reference__startswith=PREFIX)
            count = imported.count()
            began = time.perf_counter()
            call_command("import_decisions", str(path), files=str(files), stdout=StringIO())
            again = time.perf_counter() - began
            unchanged = imported.count() == count
    return {
        "rows": ROWS,
        "pdf_kb": pdf_bytes // 1024,
        "first_s": first,
        "again_s": again,
        "imported": count,
        "unchanged": unchanged,
        "met": met(first, count, unchanged),
    }


def met(seconds: float, imported: int, unchanged: bool) -> bool:
    """The target: every row imported, in under TARGET_S, and a second run changing nothing."""
    return seconds < TARGET_S and imported == ROWS and unchanged


def table(result: dict) -> str:
    verdict = "met" if result["met"] else "**missed**"
    rows = [
        ("What", "Figure", "Target"),
        ("---", "---", "---"),
        (
            f"`import_decisions` of {result['rows']:,} rows with {result['rows']:,} PDFs "
            f"({result['pdf_kb']:,} KB in all)",
            f"{result['first_s']:.1f} s, {result['imported']:,} imported",
            f"under {TARGET_S:g} s, every row: {verdict}",
        ),
        (
            "The same file again",
            f"{result['again_s']:.1f} s, "
            + ("nothing changed" if result["unchanged"] else "**the register changed**"),
            "changes nothing",
        ),
    ]
    lines = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    return f"## Historic register\n\n{lines}\n"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from tests.bench.generate import check_database_name

    check_database_name()
    print(table(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
