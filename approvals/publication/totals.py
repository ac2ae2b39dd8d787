"""Money at a glance on the public register: how much grant MOPAC has accepted, by funder
and by financial year, for the page, its chart and its CSV.

The figures are the offers of published decisions, as their published Part 1 states
them, copied into PublishedOffer when each decision is first published. They are added
up in SQL, once for each version of the register (register.for_version), so a request
reads no document however many decisions there are.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from approvals.models import DecisionOutcome, Publication, PublishedOffer
from approvals.publication import register

# What "accepted" means: every offer of a decision the DMPC approved, in full or in part.
# A partly approved decision's recommendations are answered one by one, but they are
# words, not links to offers, so the register cannot tell which offer an unapproved
# recommendation covered: its offers are counted in full, and the page says so.
ACCEPTING_OUTCOMES = (DecisionOutcome.APPROVED, DecisionOutcome.PARTLY_APPROVED)


def counted_publications() -> QuerySet[Publication]:
    """The decisions whose offers count as accepted: published, made in this service, and
    approved in full or in part. Every total on the page, the chart and the CSV reads
    this one question (a decision taken down from the register leaves it here)."""
    return register.published().made_here().filter(outcome__in=ACCEPTING_OUTCOMES)


def counted_offers() -> QuerySet[PublishedOffer]:
    return PublishedOffer.objects.filter(publication__in=counted_publications())


def add_published_offers(publication: Publication, offers: Iterable[dict]) -> None:
    """Keep a newly published decision's offers (its Part 1's `offers`) for the totals.
    Runs once, in the transaction that first publishes it."""
    PublishedOffer.objects.bulk_create(
        [
            PublishedOffer(
                publication=publication,
                funder=offer["funder"],
                scheme=offer.get("scheme") or "",
                financial_year=offer["financial_year"],
                amount=Decimal(offer["amount"]),
            )
            for offer in offers
        ],
        batch_size=2000,
    )


@dataclass(frozen=True)
class Total:
    label: str  # a funder's name or a financial year
    amount: Decimal
    decisions: int  # how many counted decisions have an offer in it


@dataclass(frozen=True)
class AcceptedTotals:
    by_funder: list[Total]
    by_year: list[Total]
    total: Decimal
    decisions: int  # counted decisions
    imported: int  # published records from the earlier register: no offers, not counted
    rejected: int  # published decisions rejected: not counted


def _grouped(offers: QuerySet[PublishedOffer], field: str) -> list[Total]:
    rows = (
        offers.values(field)
        .annotate(amount=Sum("amount"), decisions=Count("publication", distinct=True))
        .order_by(field)
    )
    return [Total(row[field], row["amount"], row["decisions"]) for row in rows]


def _read_totals() -> AcceptedTotals:
    offers = counted_offers()
    by_funder = sorted(
        _grouped(offers, "funder"), key=lambda t: (-t.amount, t.label.casefold(), t.label)
    )
    by_year = _grouped(offers, "financial_year")
    overall = offers.aggregate(amount=Sum("amount"), decisions=Count("publication", distinct=True))
    # Published but not counted, for the page to say so.
    others = register.published().aggregate(
        earlier_register=Count("pk", filter=Q(imported=True)),
        rejected=Count("pk", filter=Q(imported=False, outcome=DecisionOutcome.REJECTED)),
    )
    return AcceptedTotals(
        by_funder=by_funder,
        by_year=by_year,
        total=overall["amount"] or Decimal("0"),
        decisions=overall["decisions"],
        imported=others["earlier_register"],
        rejected=others["rejected"],
    )


def accepted_totals() -> AcceptedTotals:
    """The totals for the register's current version: kept in the cache until a
    publication changes the version."""
    return register.for_version("accepted-totals:v1", _read_totals)


CSV_FIELDS = ("breakdown", "funder", "financial_year", "amount", "decisions")


def csv_text(totals: AcceptedTotals) -> str:
    """The totals as CSV: one row per funder, then one per financial year, then the
    total; amounts in pounds to 2 decimal places."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for t in totals.by_funder:
        writer.writerow(
            ["funder", register.spreadsheet_safe(t.label), "", f"{t.amount:.2f}", t.decisions]
        )
    for t in totals.by_year:
        writer.writerow(["financial_year", "", t.label, f"{t.amount:.2f}", t.decisions])
    writer.writerow(["total", "", "", f"{totals.total:.2f}", totals.decisions])
    return out.getvalue()
