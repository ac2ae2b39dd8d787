"""Cases with known grant offers, for the money totals: each offer is (funder, amount in
pounds), all in the case's financial year (its first calendar year, `year`), and the
case's one unit is allocated their sum, so the case balances and can be submitted."""

import datetime
from decimal import Decimal

from django.utils import timezone

from approvals import services
from approvals.models import Publication
from approvals.publication import services as publishing
from grants.models import Funder, GrantOffer, GrantScheme, Recommendation
from tests.factories import PASSWORD, make_case
from tests.workflow import approve, decide_each, to_ready


def case_with_offers(
    owner, offers, *, year: int = 2025, scheme: str = "", title: str = "A test case"
):
    case = make_case(owner, title=title)
    case.offers.all().delete()
    if year != case.financial_year:
        case.budget_years.update(financial_year=year)
        case.financial_year = year
        case.save(update_fields=["financial_year"])
    grant_scheme = GrantScheme.objects.get_or_create(name=scheme)[0] if scheme else None
    if grant_scheme:
        case.scheme = grant_scheme
        case.save(update_fields=["scheme"])
    for position, (funder, amount) in enumerate(offers):
        GrantOffer.objects.create(
            case=case,
            funder=Funder.objects.get_or_create(name=funder)[0],
            scheme=grant_scheme,
            amount=Decimal(amount),
            financial_year=year,
            position=position,
        )
    unit = case.units.get()
    unit.grant_allocation = sum((Decimal(amount) for _, amount in offers), Decimal("0"))
    unit.save()
    return case


def decided_with_offers(people, offers, *, outcome: str = "approve", **fields):
    """A case with these offers, decided: "approve", "reject", or "partly" (the first of
    two recommendations approved, the second not)."""
    case = case_with_offers(people.manager, offers, **fields)
    if outcome == "partly":
        Recommendation.objects.create(case=case, position=2, text="Also fund the second year.")
    to_ready(case, people)
    if outcome == "approve":
        return approve(case, people)
    if outcome == "partly":
        return decide_each(case, people, {1: True, 2: False})
    return services.decide(
        case,
        by=people.dmpc,
        outcome="reject",
        password=PASSWORD,
        reasons="Poor value.",
        no_alternatives=True,
    )


def published_with_offers(people, offers, **fields) -> Publication:
    decision = decided_with_offers(people, offers, **fields)
    publishing.publish_now(decision.publication, by=people.publisher)
    return Publication.objects.get(pk=decision.publication.pk)


def deferred_with_offers(people, offers, **fields) -> Publication:
    decision = decided_with_offers(people, offers, **fields)
    return publishing.defer(
        decision.publication,
        by=people.publisher,
        until=timezone.now() + datetime.timedelta(days=30),
        reason="Operational reasons.",
    )
