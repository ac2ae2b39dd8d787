"""Builders for the historic register's import files: CSV rows of the earlier register's
decisions, and small PDFs for them to name."""

import csv
import io
from pathlib import Path

from pypdf import PdfWriter

from approvals.publication.historic import COLUMNS


def historic_row(number: int, **overrides) -> dict[str, str]:
    """A complete row of the earlier register: PCD `number`, every column filled."""
    row = {
        "reference": f"PCD {number}",
        "title": f"Acceptance of the Organised Crime Grant {number}",
        "decision_maker": "Deputy Mayor for Policing and Crime",
        "date_signed": "2019-04-01",
        "date_published": "2019-04-03",
        "summary": f"MOPAC accepts the grant offered for 2019/20, decision {number}.",
        "outcome": "approved",
        "funders": "Home Office",
        "total_grant_amount": "1,701,000.00",
        "financial_years": "2019/20",
        "pdf": "",
    }
    return {**row, **overrides}


def csv_bytes(rows: list[dict[str, str]], columns=COLUMNS) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def small_pdf(text: str) -> bytes:
    """A one-page PDF, distinct for each `text` (its title says it)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/JavaScript": "app.alert('hello');"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_import(
    folder: Path, rows: list[dict[str, str]], *, pdfs: bool = True
) -> tuple[Path, Path]:
    """The CSV file and the folder of PDFs for these rows: each row whose pdf is empty
    gets a small PDF of its own when `pdfs`."""
    files = folder / "pdfs"
    files.mkdir(parents=True, exist_ok=True)
    for row in rows:
        if pdfs and not row.get("pdf"):
            row["pdf"] = f"{row['reference'].replace(' ', '-')}.pdf"
            (files / row["pdf"]).write_bytes(small_pdf(row["reference"]))
    path = folder / "decisions.csv"
    path.write_bytes(csv_bytes(rows))
    return path, files
