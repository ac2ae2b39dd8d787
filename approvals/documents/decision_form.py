"""The decision form ("PCD form"): the document the DMPC signs and the public reads.

`decision_form` builds its content, in MOPAC's order, from a version's document and, once
the DMPC has decided, the decision record (approvals.publication.services.decision_record).
The staff page, its PDF and the published PDF all draw what it returns, through
templates/documents/decision_form.html, so what is signed is what is read.

Until the DMPC decides, the form is a draft. A published form is built from its
revision alone, whose document holds no Part 2 content and whose record holds the
checklist as it was when published.
"""

import datetime
import functools
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from approvals.clearance import clearance_status
from approvals.documents import pdf
from approvals.models import (
    AuditAction,
    AuditEvent,
    CaseVersion,
    DrawnPdf,
    IamOutcome,
    PublishedRevision,
)
from approvals.publication.record import OUTCOMES
from grants import document as case_document
from grants.formatting import long_date
from grants.presentation import report_context
from grants.sections import SECTION_BY_FIELD

logger = logging.getLogger(__name__)

DECISION_MAKER = "Deputy Mayor for Policing and Crime"

# Part I's narrative, in the decision form's order: the facts and advice, the comments
# each adviser's area gives, then every other section of the report.
PART1_ADVICE = (
    "introduction",
    "issues_for_consideration",
)
PART1_COMMENTS = (
    "financial_comments",
    "legal_comments",
    "equality_comments",
    "privacy_comments",
    "risk_comments",
)
PART1_OTHER = (
    "contribution_to_plans",
    "real_estate_implications",
    "environmental_implications",
    "background_papers",
)


@dataclass(frozen=True)
class Recommendation:
    position: int
    text: str
    standing_authority: dict | None
    # "Approved" or "Not approved" once the DMPC has decided; empty before.
    decided: str = ""


@dataclass(frozen=True)
class Approval:
    outcome: str
    signer: str
    signed_on: datetime.date
    interests_declared: bool
    interests: str
    reasons: str
    alternatives: str
    conditions: str


@dataclass(frozen=True)
class Section:
    field: str
    title: str
    text: str


@dataclass(frozen=True)
class DecisionForm:
    title: str
    reference: str
    version: int | None
    draft: bool
    executive_summary: str
    recommendations: list[Recommendation]
    approval: Approval | None
    time_sensitivity: dict
    advice: list[Section]
    comments: list[Section]
    other_sections: list[Section]
    public_access: list[str]
    has_part2: bool
    part2_ground: str
    checklist: dict | None
    document: dict = field(repr=False)
    decision_maker: str = DECISION_MAKER

    @functools.cached_property
    def report(self) -> dict:
        """Part I's figures as the report's templates show them, in £m: worked out only
        when the form is drawn."""
        return {**report_context(self.document), "show_pounds": False}

    @property
    def heading(self) -> str:
        return f"{self.reference}: {self.title}" if self.reference else self.title


def _sections(document: dict, fields: tuple[str, ...]) -> list[Section]:
    sections = document.get("sections", {})
    return [
        Section(name, SECTION_BY_FIELD[name].title, sections.get(name, "") or "") for name in fields
    ]


def _recommendations(document: dict, record: dict | None) -> list[Recommendation]:
    approved = set(record.get("recommendations_approved", [])) if record else set()
    every_decided = record is not None and "recommendations_approved" in record
    rejected = record is not None and record["outcome"] == "rejected"

    def decided(position: int) -> str:
        if record is None:
            return ""
        if every_decided:
            return "Approved" if position in approved else "Not approved"
        return "Not approved" if rejected else "Approved"

    return [
        Recommendation(
            position=rec["position"],
            text=rec["text"],
            standing_authority=rec.get("standing_authority"),
            decided=decided(rec["position"]),
        )
        for rec in document.get("recommendations", [])
    ]


def _approval(record: dict | None) -> Approval | None:
    if record is None:
        return None
    return Approval(
        outcome=OUTCOMES[record["outcome"]],
        signer=record["decided_by"]["name"],
        signed_on=datetime.date.fromisoformat(record["decision_date"]),
        interests_declared=bool(record.get("interests_declared")),
        interests=record.get("declaration_of_interests", ""),
        reasons=record.get("reasons", ""),
        alternatives=record.get("alternatives_considered", ""),
        conditions=record.get("iam_conditions", ""),
    )


def decision_form(
    document: dict,
    *,
    record: dict | None,
    version: int | None,
    public_access: list[str],
    checklist: dict | None,
    has_part2: bool,
    part2_ground: str,
) -> DecisionForm:
    """The decision form of a document: a draft while `record` is None."""
    return DecisionForm(
        # A published correction may correct the title: the record's is the one to show.
        title=record["title"] if record else document["case"]["title"],
        reference=record["reference"] if record else "",
        version=version,
        draft=record is None,
        executive_summary=document.get("sections", {}).get("executive_summary", ""),
        recommendations=_recommendations(document, record),
        approval=_approval(record),
        time_sensitivity=document.get("time_sensitivity") or {},
        advice=_sections(document, PART1_ADVICE),
        comments=_sections(document, PART1_COMMENTS),
        other_sections=_sections(document, PART1_OTHER),
        public_access=public_access,
        has_part2=has_part2,
        part2_ground=part2_ground if has_part2 else "",
        checklist=checklist,
        document=document,
    )


# ---- The officer and clearance checklist ---------------------------------------------


def _day(moment: datetime.datetime | None) -> str | None:
    return timezone.localdate(moment).isoformat() if moment else None


def checklist(version: CaseVersion) -> dict:
    """Who cleared each area of `version` and when, the IAM meeting's outcome on it, and
    who in the DMPC office prepared it for decision: plain data, so that a published
    record keeps it as it was."""
    clearances = [
        {
            "area": status.label,
            "outcome": status.outcome,
            "by": status.signed_by,
            "at": _day(status.signed_at),
        }
        for status in clearance_status(version)
    ]
    item = version.iam_advice()
    iam = None
    if item is not None:
        iam = {
            "date": item.meeting.date.isoformat(),
            "outcome": IamOutcome(item.outcome).label,
            "note": item.note,
        }
    ready = (
        AuditEvent.objects.filter(version=version, action=AuditAction.READY_FOR_DECISION)
        .order_by("-sequence")
        .values("actor_name", "occurred_at")
        .first()
    )
    return {
        "report_by": version.document["case"].get("report_by") or "",
        "report_author": version.document["case"].get("report_author") or "",
        "clearances": clearances,
        "iam": iam,
        "prepared_by": ready["actor_name"] if ready else "",
        "prepared_at": _day(ready["occurred_at"]) if ready else None,
    }


# ---- Public access to information -------------------------------------------------------

UNDECIDED_ACCESS = [
    "Once the Deputy Mayor for Policing and Crime decides, this form (Part 1 only) and any "
    "signed grant agreement are published on MOPAC’s register of decisions within one "
    "working day, unless publication is deferred for a reason given here."
]


def _access_for(publication) -> list[str]:
    if publication.published_at is not None:
        published = long_date(publication.published_at)
        when = f"Published on MOPAC’s register of decisions on {published}."
    elif publication.deferred_until is not None:
        when = (
            f"Publication is deferred until {long_date(publication.deferred_until)}: "
            f"{publication.deferral_reason}"
        )
    else:
        when = (
            "To be published on MOPAC’s register of decisions by "
            f"{long_date(publication.due_at)}, one working day after the decision."
        )
    return [when, f"Legal basis for publication: {publication.legal_basis}"]


def for_version(version: CaseVersion) -> DecisionForm:
    """A version's decision form as staff read it: a draft until it is decided."""
    from approvals.publication.services import decision_record

    decision = getattr(version, "decision", None) if version.pk else None
    publication = getattr(decision, "publication", None) if decision else None
    record = decision_record(publication) if publication is not None else None
    return decision_form(
        version.document,
        record=record,
        version=version.number,
        public_access=_access_for(publication) if publication else UNDECIDED_ACCESS,
        checklist=record["checklist"] if record else checklist(version),
        has_part2=case_document.has_part2(version.document),
        part2_ground=case_document.part2_ground(version.document),
    )


def for_revision(revision: PublishedRevision) -> DecisionForm:
    """A published revision's decision form: its record and Part 1, as published."""
    record = revision.record
    publication = revision.publication
    first = publication.published_at or revision.published_at
    access = [f"Published on MOPAC’s register of decisions on {long_date(first)}."]
    if record.get("deferral_reason"):
        access.append(f"Publication was deferred: {record['deferral_reason']}")
    if revision.number > 1:
        access.append(
            f"This is revision {revision.number} of the record, published on "
            f"{long_date(revision.published_at)}: {revision.note}"
        )
    access += [
        f"Legal basis for publication: {record['legal_basis']}",
        f"SHA-256 fingerprint of the published report (JSON): {revision.document_sha256}",
    ]
    return decision_form(
        revision.document,
        record=record,
        version=record.get("version"),
        public_access=access,
        checklist=record.get("checklist"),
        has_part2=bool(record.get("has_part2")),
        part2_ground=record.get("part2_exemption", ""),
    )


# ---- As a PDF --------------------------------------------------------------------------

TEMPLATE = "documents/decision_form.html"


def draw(form: DecisionForm) -> bytes:
    title = f"{form.heading} – decision form" + (" (draft)" if form.draft else "")
    return pdf.draw(TEMPLATE, {"form": form, "draft": form.draft}, title=title)


def signed_pdf(version: CaseVersion) -> DrawnPdf:
    """A decided version's form, drawn the first time it is asked for and kept."""
    kept = DrawnPdf.objects.filter(version=version).first()
    if kept is None:
        kept = pdf.keep(DrawnPdf(version=version), draw(for_version(version)), "form.pdf")
        kept = kept or DrawnPdf.objects.get(version=version)
    return kept


def revision_pdf(revision: PublishedRevision) -> DrawnPdf:
    """A published revision's form: drawn when it is published (`draw_published`), or
    else the first time it is asked for, and kept."""
    kept = DrawnPdf.objects.filter(revision=revision).first()
    if kept is None:
        kept = pdf.keep(DrawnPdf(revision=revision), draw(for_revision(revision)), "form.pdf")
        kept = kept or DrawnPdf.objects.get(revision=revision)
    return kept


def draw_signed(version_pk: int) -> None:
    """Draw a newly decided version's form, once the decision is committed."""
    try:
        signed_pdf(CaseVersion.objects.get(pk=version_pk))
    except Exception:
        # The decision stands; the form is drawn when it is first asked for instead.
        logger.exception("Could not draw the signed decision form of version %s", version_pk)


def draw_published(revision_pk: int) -> None:
    """Draw a newly published revision's form, once its publication is committed."""
    try:
        revision_pdf(PublishedRevision.objects.select_related("publication").get(pk=revision_pk))
    except Exception:
        # Publication stands; the form is drawn when it is first asked for instead.
        logger.exception("Could not draw the decision form of published revision %s", revision_pk)
