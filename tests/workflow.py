"""Moving cases through the workflow in tests, as the right people, and publishing them.

`publish` makes a real published decision through the workflow; `bulk_publish` copies
one into many more rows in a few queries, for pagination and query-count tests and the
benchmark's data."""

import datetime
from decimal import Decimal

from django.db.models import Max, Subquery
from django.utils.text import slugify

from approvals import services
from approvals.models import (
    CaseVersion,
    ClearanceArea,
    Decision,
    IamOutcome,
    Publication,
    PublishedOffer,
    PublishedPart1,
    PublishedRevision,
)
from approvals.publication import part1
from approvals.publication import services as publishing
from approvals.publication.register import add_filter_options, forget_versions
from tests.factories import PASSWORD, make_case

# Rows a query when creating many at once.
BATCH = 2000
# What a published revision's record holds of the fields copied onto its publication.
RECORD_FIELDS = (
    "reference",
    "title",
    "outcome",
    "decision_date",
    "funders",
    "total_grant_amount",
    "financial_years",
)

ADVISERS = {
    ClearanceArea.FINANCE: "finance",
    ClearanceArea.LEGAL: "legal",
    ClearanceArea.EQUALITIES: "equalities",
    ClearanceArea.PRIVACY: "privacy",
}


def to_iam(case, people):
    services.submit(case, by=people.manager)
    meeting = services.record_meeting(
        by=people.iam,
        date=datetime.date(2026, 11, 20),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="IAM members",
    )
    services.add_to_agenda(meeting, case, by=people.iam)
    return meeting


def to_dmpc_review(case, people):
    to_iam(case, people)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )


def sign_all(case, people):
    for area, name in ADVISERS.items():
        services.sign_off(
            case, by=getattr(people, name), area=area, advice=f"{area.label} content."
        )


def to_ready(case, people):
    to_dmpc_review(case, people)
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)


def approve(case, people, **extra):
    return services.decide(
        case,
        by=people.dmpc,
        outcome="approve",
        password=PASSWORD,
        reasons="Good value.",
        **{"no_alternatives": not extra.get("alternatives_considered"), **extra},
    )


def decide_each(case, people, approved: dict[int, bool], **extra):
    """Approve the case recommendation by recommendation: {position: approved}."""
    return approve(case, people, approved=approved, **extra)


def publish(people, *, title="A test case", recommendation="", outcome="approve", **fields):
    """A case taken through the workflow, decided and published now."""
    case = make_case(people.manager, title=title, **fields)
    if recommendation:
        case.recommendations.update(text=recommendation)
    to_ready(case, people)
    if outcome == "approve":
        decision = approve(case, people)
    else:
        decision = services.decide(
            case,
            by=people.dmpc,
            outcome="reject",
            password=PASSWORD,
            reasons="Poor value.",
            no_alternatives=True,
        )
    publishing.publish_now(decision.publication, by=people.publisher)
    return Publication.objects.get(pk=decision.publication.pk)


def decide_only(people, *, title, **fields):
    """An approved decision that is scheduled but not yet published."""
    case = make_case(people.manager, title=title, **fields)
    to_ready(case, people)
    return approve(case, people)


def _as_json(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _offers_of(row: dict, template: Publication, template_offers: list[dict]) -> list[dict]:
    """The offers a copied decision's totals count: the template's, unless the row gives
    its own funders, years or total, when the total is shared between each funder and
    year (the remainder in pence to the first), so the totals agree with its listing."""
    listed = ("funders", "financial_years", "total_grant_amount")
    if all(row[key] == getattr(template, key) for key in listed):
        return [
            {
                "funder": offer["funder"],
                "scheme": offer.get("scheme") or "",
                "financial_year": offer["financial_year"],
                "amount": Decimal(offer["amount"]),
            }
            for offer in template_offers
        ]
    pairs = [
        (funder, year)
        for funder in row["funders"].split("; ")
        for year in row["financial_years"].split("; ")
    ]
    pence = int(row["total_grant_amount"] * 100)
    share, remainder = divmod(pence, len(pairs))
    return [
        {
            "funder": funder,
            "scheme": "",
            "financial_year": year,
            "amount": Decimal(share + (remainder if index == 0 else 0)) / 100,
        }
        for index, (funder, year) in enumerate(pairs)
    ]


def bulk_publish(template: Publication, rows, *, drawings: bool = True) -> list[Publication]:
    """More published decisions copied from a real one in a few queries: `rows` is a
    number, or one dict of Publication fields to override for each. Unless a row says
    otherwise, each is a second older than the one before, all older than the template.

    Each has what publishing gives a decision: its first revision (the template's record,
    with the row's fields), its links to the register's filter options and, unless
    `drawings` is false, its Part 1 as drawn for its page. The large documents and
    drawings are copied inside the database, so they never travel through Python: the
    benchmark (tests.bench.generate) makes 100,000 decisions with this."""
    rows = [{}] * rows if isinstance(rows, int) else rows
    decision = template.decision
    version = decision.version
    revision = template.revisions.get(number=1)
    drawing = None
    if drawings:
        drawing = PublishedPart1.objects.filter(revision=revision).first() or part1.record(revision)
    first = CaseVersion.objects.filter(case=version.case).aggregate(n=Max("number"))["n"] + 1
    versions = CaseVersion.objects.bulk_create(
        (
            CaseVersion(
                case_id=version.case_id,
                number=first + index,
                document={},
                sha256=version.sha256,
                part1_sha256=version.part1_sha256,
                created_by_id=version.created_by_id,
            )
            for index in range(len(rows))
        ),
        batch_size=BATCH,
    )
    fields = []
    for index, (row, new_version) in enumerate(zip(rows, versions, strict=True)):
        reference = f"PCD {100_000 + new_version.number}"
        fields.append(
            {
                "reference": reference,
                "title": template.title,
                "outcome": template.outcome,
                "decision_date": template.decision_date,
                "funders": template.funders,
                "total_grant_amount": template.total_grant_amount,
                "financial_years": template.financial_years,
                "summary": template.summary,
                "recommendations": template.recommendations,
                "published_at": template.published_at - datetime.timedelta(seconds=index + 1),
                "due_at": template.due_at,
                **row,
            }
        )
    decisions = Decision.objects.bulk_create(
        (
            Decision(
                case_id=decision.case_id,
                version=new_version,
                reference=row["reference"],
                outcome=row["outcome"],
                reasons=decision.reasons,
                alternatives_considered=decision.alternatives_considered,
                decided_by_id=decision.decided_by_id,
            )
            for row, new_version in zip(fields, versions, strict=True)
        ),
        batch_size=BATCH,
    )
    publications = Publication.objects.bulk_create(
        (
            Publication(
                decision=new_decision,
                slug=slugify(row["reference"]),
                legal_basis=template.legal_basis,
                **row,
            )
            for row, new_decision in zip(fields, decisions, strict=True)
        ),
        batch_size=BATCH,
    )
    revisions = PublishedRevision.objects.bulk_create(
        (
            PublishedRevision(
                publication=publication,
                number=1,
                published_at=publication.published_at,
                record={
                    **revision.record,
                    **{key: _as_json(row[key]) for key in RECORD_FIELDS},
                },
                document={},
                document_sha256=revision.document_sha256,
            )
            for row, publication in zip(fields, publications, strict=True)
        ),
        batch_size=BATCH,
    )
    # The documents are copied by the database, not sent from here.
    _copy_from(CaseVersion, "document", version.pk, [v.pk for v in versions])
    _copy_from(PublishedRevision, "document", revision.pk, [r.pk for r in revisions])
    if drawing is not None:
        drawings_made = PublishedPart1.objects.bulk_create(
            (PublishedPart1(revision=r, renderer=drawing.renderer, html="") for r in revisions),
            batch_size=BATCH,
        )
        _copy_from(PublishedPart1, "html", drawing.pk, [d.pk for d in drawings_made])
    add_filter_options(publications)
    template_offers = revision.document.get("offers", [])
    PublishedOffer.objects.bulk_create(
        (
            PublishedOffer(publication=publication, **offer)
            for row, publication in zip(fields, publications, strict=True)
            for offer in _offers_of(row, template, template_offers)
        ),
        batch_size=BATCH,
    )
    forget_versions(publication.slug for publication in publications)
    return publications


def _copy_from(model, field: str, source: int, pks: list[int]) -> None:
    """Set `field` of the rows `pks` to the source row's, inside the database."""
    value = Subquery(model.objects.filter(pk=source).values(field)[:1])
    for start in range(0, len(pks), BATCH):
        model.objects.filter(pk__in=pks[start : start + BATCH]).update(**{field: value})
