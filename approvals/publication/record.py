"""A published decision's record as people read it: each fact with its label, in one
order and one wording. The public decision page, its PDF and the publishers' pages all
draw the record from `decision_facts`, so they cannot say different things.

The record itself is the dict a published revision stores
(approvals.publication.services.decision_record); it names whether a Part 2 exists,
never what is in it.
"""

from dataclasses import dataclass

from grants.formatting import long_date
from grants.money import format_pounds

OUTCOMES = {"approved": "Approved", "partly_approved": "Partly approved", "rejected": "Rejected"}


@dataclass(frozen=True)
class Fact:
    label: str
    text: str
    # Written by a person, as lightly formatted text: shown under its own heading.
    prose: bool = False


def _approved_fact(record: dict) -> list[Fact]:
    """Which recommendations were approved: only in records made since each one was
    decided on its own, so records already published read as they did."""
    if "recommendations_approved" not in record:
        return []

    def numbers(positions) -> str:
        return ", ".join(str(p) for p in positions) or "none"

    text = f"Approved: {numbers(record['recommendations_approved'])}."
    if "recommendations_not_approved" in record:
        text += f" Not approved: {numbers(record['recommendations_not_approved'])}."
    return [Fact("Recommendations approved", text)]


def _iam_conditions_fact(record: dict) -> list[Fact]:
    if not record.get("iam_conditions"):
        return []
    return [Fact("Conditions set by IAM", record["iam_conditions"], prose=True)]


def _part2_ground_fact(record: dict) -> list[Fact]:
    if not record.get("part2_exemption"):
        return []
    return [Fact("Why Part 2 is exempt", record["part2_exemption"], prose=True)]


def decision_facts(record: dict) -> list[Fact]:
    decided_by = record["decided_by"]
    if record.get("has_part2"):
        part2 = "Yes. Part 2 of the report holds exempt information. It is not published."
    else:
        part2 = "No. The whole report is published."
    return [
        Fact("Reference", record["reference"]),
        Fact("Title", record["title"]),
        Fact("Decision", OUTCOMES[record["outcome"]]),
        *_approved_fact(record),
        Fact("Date of decision", long_date(record["decision_date"])),
        Fact("Decided by", f"{decided_by['name']}, {decided_by['role']}"),
        Fact("Funders", record.get("funders") or ""),
        Fact("Total grant offered", format_pounds(record["total_grant_amount"])),
        Fact("Financial years", record.get("financial_years") or ""),
        Fact("Exempt information (Part 2)", part2),
        *_part2_ground_fact(record),
        Fact("Legal basis for publication", record["legal_basis"]),
        Fact("Reasons for the decision", record.get("reasons") or "None given.", prose=True),
        Fact(
            "Alternatives considered",
            record.get("alternatives_considered") or "None recorded.",
            prose=True,
        ),
        *_iam_conditions_fact(record),
        Fact(
            "Declaration of interests",
            record.get("declaration_of_interests") or "None declared.",
            prose=True,
        ),
    ]


NOT_RECORDED = "Not recorded"


def imported_facts(record: dict) -> list[Fact]:
    """An imported record's facts: those the earlier register gave, each one it did not
    said to be not recorded."""
    total = record.get("total_grant_amount")
    return [
        Fact("Reference", record["reference"]),
        Fact("Title", record["title"]),
        Fact("Decision", OUTCOMES.get(record.get("outcome"), NOT_RECORDED)),
        Fact("Date of decision", long_date(record["decision_date"])),
        Fact("Decided by", record["decided_by"]),
        Fact("Published on the earlier register", long_date(record["date_published"])),
        Fact("Funders", record.get("funders") or NOT_RECORDED),
        Fact("Total grant offered", format_pounds(total) if total else NOT_RECORDED),
        Fact("Financial years", record.get("financial_years") or NOT_RECORDED),
    ]
