"""What the register's open data is: its fields, their types and formats, and its
licence, defined once here.

The same definitions make the Table Schema of the CSV in the data package
(/decisions/datapackage.json, a Frictionless Data Package), the `fields` of the metadata
around /decisions.json's rows, and the table of fields on the "About the open data" page,
so what the files say about themselves is what they hold (DESIGN.md §6).
"""

import datetime

from django.conf import settings
from django.urls import reverse

TITLE = "Grant decisions – MOPAC"
# In the CSV, a value a spreadsheet would run as a formula gets an apostrophe in front
# (register.spreadsheet_safe): said wherever the files are described.
FORMULA_NOTE = (
    "In the CSV, a value that begins with =, +, -, @, a tab or a carriage return has an "
    "apostrophe (') added in front, so that spreadsheets show it as text and do not run it "
    "as a formula. Amounts are never changed."
)
DESCRIPTION = (
    "Every decision published by the Mayor’s Office for Policing and Crime (MOPAC) on "
    "whether to accept a grant offered to the Metropolitan Police, newest first: one row "
    "for each decision, with its outcome, dates, funders, total grant and financial years, "
    "and the address of its page on the register. Records imported from the earlier "
    "register leave empty what it did not record."
)
PACKAGE_NAME = "mopac-grant-decisions"
RESOURCE_NAME = "grant-decisions"

LICENCE = {
    "name": "OGL-UK-3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "title": "Open Government Licence v3.0",
}

# An empty cell is a missing value: an imported record leaves empty what the earlier
# register did not record (its outcome, funders, total and years).
MISSING_VALUES = [""]

_FINANCIAL_YEAR = "[0-9]{4}/[0-9]{2}"

# The open data contract's fields (DESIGN.md §6), in order, as Table Schema field
# descriptors. The CSV is read by its schema (so the total is a number there); in the JSON
# every value is a string, as written here, and the total keeps its two decimal places.
FIELDS = (
    {
        "name": "reference",
        "title": "Reference",
        "type": "string",
        "description": "The decision's reference, for example PCD 1234.",
        "constraints": {"required": True},
    },
    {
        "name": "title",
        "title": "Title",
        "type": "string",
        "description": "The decision's title.",
        "constraints": {"required": True},
    },
    {
        "name": "outcome",
        "title": "Decision",
        "type": "string",
        "description": (
            "What was decided: approved, partly approved (some recommendations approved, "
            "others not) or rejected. Empty for an imported record that did not say."
        ),
        "constraints": {"enum": ["approved", "partly approved", "rejected"]},
    },
    {
        "name": "decision_date",
        "title": "Decision date",
        "type": "date",
        "format": "default",
        "description": "The day the decision was made, as an ISO 8601 date (YYYY-MM-DD).",
        "constraints": {"required": True},
    },
    {
        "name": "published_at",
        "title": "Published",
        "type": "datetime",
        "format": "default",
        "description": (
            "When the decision was first published on the register, as an ISO 8601 date "
            "and time in UTC (YYYY-MM-DDThh:mm:ss+00:00)."
        ),
        "constraints": {"required": True},
    },
    {
        "name": "funders",
        "title": "Funders",
        "type": "string",
        "description": (
            "Who offered the grant: the funders' names, separated by a semicolon and a "
            "space. Empty for an imported record that did not say."
        ),
    },
    {
        "name": "total_grant_amount",
        "title": "Total grant (£)",
        "type": "number",
        "decimalChar": ".",
        "bareNumber": True,
        "description": (
            "The total of the grant offered, in pounds with two decimal places (for "
            "example 1701000.50), with no £ sign or thousands separators. In "
            "/decisions.json it is a string, so no amount is rounded. Empty for an "
            "imported record that did not say."
        ),
    },
    {
        "name": "financial_years",
        "title": "Financial years",
        "type": "string",
        "description": (
            "The financial years (April to March) the grant covers, like 2024/25, separated "
            "by a semicolon and a space. Empty for an imported record that did not say."
        ),
        "constraints": {"pattern": f"{_FINANCIAL_YEAR}(; {_FINANCIAL_YEAR})*"},
    },
    {
        "name": "url",
        "title": "Page",
        "type": "string",
        "format": "uri",
        "description": (
            "The address of the decision's page on the register, with its decision record, "
            "its published report (Part 1) and their history."
        ),
        "constraints": {"required": True, "unique": True},
    },
)

FIELD_NAMES = tuple(field["name"] for field in FIELDS)

# How /decisions.csv is written: Python's csv module with its defaults.
CSV_DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}


def absolute(name: str) -> str:
    """An address on the site, built on SITE_URL as every open-data link is."""
    return settings.SITE_URL + reverse(name)


def utc_iso(moment: datetime.datetime) -> str:
    """A moment as an ISO 8601 time in UTC, to the second, as the open data gives times."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def table_schema() -> dict:
    """The Table Schema of /decisions.csv."""
    return {
        "fields": [dict(field) for field in FIELDS],
        "missingValues": list(MISSING_VALUES),
    }


def data_package(last_changed: datetime.datetime | None) -> dict:
    """/decisions/datapackage.json: the register's open data as a Frictionless Tabular
    Data Package. `last_changed` is when the register last changed (a decision
    published or corrected): this version of the package's data came to be then."""
    package = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "homepage": absolute("register"),
        "licenses": [dict(LICENCE)],
        "keywords": ["grants", "police", "MOPAC", "London", "decisions"],
    }
    if last_changed is not None:
        package["created"] = package["updated"] = utc_iso(last_changed)
    package["resources"] = [
        {
            "profile": "tabular-data-resource",
            "name": RESOURCE_NAME,
            "title": TITLE,
            "description": (
                "One row for each published decision, newest first. The register's "
                "search and filters apply to it as to the list (for example "
                "?outcome=rejected). " + FORMULA_NOTE
            ),
            "path": absolute("decisions-csv"),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": dict(CSV_DIALECT),
            "schema": table_schema(),
            "licenses": [dict(LICENCE)],
        }
    ]
    return package


def json_metadata(*, count: int, filters: dict[str, str], generated_at: datetime.datetime):
    """What /decisions.json says about its rows: `count` of them, matching `filters`."""
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "generated_at": utc_iso(generated_at),
        "count": count,
        "filters": dict(filters),
        "licence": dict(LICENCE),
        "homepage": absolute("register"),
        "data_package": absolute("decisions-datapackage"),
        "documentation": absolute("open-data"),
        "fields": [dict(field) for field in FIELDS],
    }


_KINDS = {
    ("string", None): "Text",
    ("string", "uri"): "Web address",
    ("date", "default"): "Date",
    ("datetime", "default"): "Date and time",
    ("number", None): "Number",
}


def documented_fields() -> list[dict]:
    """The fields as the "About the open data" page lists them, from the same
    definitions."""
    return [
        {
            "name": field["name"],
            # Where a narrow screen may break the name: after each underscore.
            "name_parts": field["name"].split("_"),
            "kind": _KINDS[field["type"], field.get("format")],
            "description": field["description"],
            "always": field.get("constraints", {}).get("required", False),
            "values": field.get("constraints", {}).get("enum", []),
        }
        for field in FIELDS
    ]
