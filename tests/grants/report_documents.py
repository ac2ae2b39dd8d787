# ruff: noqa: E501
"""Reports in the IAM report template, as pasted text and as Word documents, for the
import tests: the seed report, and a second report with other units, figures and section
order. Word documents are written with python-docx, their tables as real Word tables."""

import io
import re
import zipfile
from pathlib import Path

import docx

SEED_TEXT = (Path(__file__).parent / "documents" / "seed_report.txt").read_text()

SECOND_TITLE = "Youth Endowment Fund Safer Schools Grant 2024 - 2026"

# Headings as numbered lines, not '#'; the tables pipe-separated; time sensitivity before
# the recommendations, legal before financial comments, a risk section and a Part 2.
SECOND_TEXT = f"""\
MAYOR OF LONDON
OFFICE FOR POLICING AND CRIME

# {SECOND_TITLE}

MOPAC Investment Advisory & Monitoring meeting – 12 December 2024

Report by Chief Superintendent Asha Verma on behalf of the Chief of Frontline Policing

1. Executive summary

In May 2024 the Youth Endowment Fund wrote to MOPAC confirming the offer of a grant of up to £0.450m for 2024/25. In addition, the Violence Reduction Unit (VRU) confirmed an offer of a further £0.120m for 2024/25. The total of £0.570m funds two teams.

2. Time sensitivity

A decision is needed by 15 January 2025 so that the officers can start in the spring term.

3. Recommendations

The Deputy Mayor for Policing and Crime is asked to:

1. Approve the acceptance of grants totalling £0.570m in 2024/25.
2. Approve the acceptance of future Youth Endowment Fund offers of up to £0.600m a year until 31 March 2026.

4. Introduction and background

1. Safer Schools officers work in secondary schools in four boroughs.
2. Custody navigators meet young people brought into custody.

5. Legal comments

1. MOPAC may accept the grant under Schedule 3 Paragraph 7 of the Police Reform and Social Responsibility Act 2011.

6. Financial comments

1. The teams are costed at the 2024/25 rate card.

Revenue impact summary

The grant of £0.570m is match funded by £0.160m from MPS budgets.

| BAU Revenue | 2024/25 £m | 2025/26 £m | Total £m |
| --- | --- | --- | --- |
| Grant Funding | 0.570 | 0.000 | 0.570 |
| MPS Funding | 0.160 | 0.000 | 0.160 |
| Total Budget | 0.730 | 0.000 | 0.730 |
| Planned spend | | | |
| Safer Schools | 0.453 | 0.000 | 0.453 |
| Custody Navigators | 0.277 | 0.000 | 0.277 |
| Planned Spend Total | 0.730 | 0.000 | 0.730 |
| Variance to Budget | 0.000 | 0.000 | 0.000 |

| Custody Navigators (Grant Amount £0.270m) | Annual cost £m | FTE | Total cost £m |
| Band C | 0.071 | 2 | 0.142 |
| Band B | 0.090 | 1 | 0.090 |
| Navigator contract | | | 0.040 |
| Training | | | 0.005 |
| GRAND TOTAL EXPENDITURE AGAINST £0.270m | | 3 | 0.277 |

| Safer Schools (Grant Amount £0.300m) | Annual cost £m | FTE | Total cost £m | Match Funded total cost £m | Grand Total £m |
| Schools Officers | | | | | |
| Police Constable | 0.061 | 4 | 0.244 | 0.122 | 0.366 |
| Police Sergeant | 0.075 | 1 | 0.075 | | 0.075 |
| TOTAL | | 5 | 0.319 | 0.122 | 0.441 |
| Supplies and Services | | | | | 0.012 |
| GRAND TOTAL EXPENDITURE AGAINST £0.300m | | 5 | | | 0.453 |

7. Privacy comments

1. No personal data is shared with the funder.

8. Equality comments

1. The schools were chosen by need, not by their pupils' characteristics.

9. Risk comments

1. Officers may be abstracted to other duties; the grant is claimed for hours worked.

10. Real estate implications

1. None.

11. Environmental implications

1. None.

Part 2

Exemption ground: Law enforcement.

The four schools and their head teachers are named in the grant agreement.

Report author: Asha Verma, Chief Superintendent, Frontline Policing.
"""

_BOLD = re.compile(r"\*\*|</?b>")


def _cells(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def word_document(text: str) -> bytes:
    """The report as a Word document: '#' lines and numbered section lines as headings,
    tab- or pipe-separated runs as Word tables, every other line a paragraph."""
    document = docx.Document()
    table_lines: list[str] = []

    def flush():
        rows = [_cells(line) for line in table_lines if not re.match(r"^\|\s*-{3}", line)]
        table_lines.clear()
        if not rows:
            return
        width = max(len(row) for row in rows)
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = table.cell(r, c)
                bold = bool(_BOLD.search(value))
                run = cell.paragraphs[0].add_run(_BOLD.sub("", value).strip())
                run.bold = bold

    for line in text.splitlines():
        if line.strip() and ("\t" in line or line.lstrip().startswith("|")):
            table_lines.append(line)
            continue
        flush()
        stripped = line.strip()
        if not stripped:
            continue
        heading = re.match(r"^(#+)\s*(.+)$", stripped)
        if heading:
            level = min(len(heading[1]), 4)
            document.add_heading(_BOLD.sub("", heading[2]).strip("* "), level=level)
        elif re.match(r"^\d+\.\s+[A-Z][a-z]+(?: [a-z]+)*$", stripped) or stripped == "Part 2":
            document.add_heading(re.sub(r"^\d+\.\s+", "", stripped), level=3)
        else:
            paragraph = document.add_paragraph()
            for index, part in enumerate(_BOLD.split(stripped)):
                if part:
                    paragraph.add_run(part).bold = index % 2 == 1
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def any_word_document() -> bytes:
    """A Word document that is not a report."""
    document = docx.Document()
    document.add_heading("Team away day", level=1)
    document.add_paragraph("Lunch is at one. Bring a coat; we walk by the river after.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Time", "What"
    table.cell(1, 0).text, table.cell(1, 1).text = "13:00", "Lunch"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb(megabytes: int = 60) -> bytes:
    """A zip shaped like a Word document whose document part opens to `megabytes` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", b"\0" * (megabytes * 1024 * 1024))
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
        b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
