"""Money at a glance for staff: grant accepted, rejected and still in the pipeline, by
funder, grant scheme and financial year; MPS match funding; and each standing
authority's cap, what has been accepted under it and the headroom left, year by year.

Only the cases the person may see count (grants.permissions.cases_visible_to), and
everything is read in a fixed number of queries however many cases there are.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce

from approvals.accounts.roles import Role, roles_of
from approvals.models import Decision, DecisionOutcome, StandingAuthorityAcceptance
from grants.models import CaseState, GrantCase, GrantOffer
from grants.money import financial_year_label
from grants.permissions import cases_visible_to
from grants.reconciliation import reconcile_case

ZERO = Decimal("0")
MONEY_ROLES = frozenset(
    {Role.GRANTS_MANAGER, Role.IAM_SECRETARIAT, Role.FINANCE_ADVISER, Role.DMPC_OFFICE, Role.DMPC}
)
REFUSAL = (
    "Only grants managers, the IAM secretariat, finance advisers, the DMPC office and the "
    "DMPC can see the money dashboard."
)

# Where a case's money stands. Accepted, as on the public register, is a decision
# approved in full or in part (its offers counted in full); a withdrawn case counts
# nowhere.
ACCEPTED, REJECTED, PIPELINE = "accepted", "rejected", "pipeline"
STANDINGS = (
    (ACCEPTED, "Accepted"),
    (REJECTED, "Rejected"),
    (PIPELINE, "In the pipeline"),
)
STANDING_OF_STATE = {
    CaseState.APPROVED: ACCEPTED,
    CaseState.PUBLISHED: ACCEPTED,
    CaseState.REJECTED: REJECTED,
    CaseState.DRAFT: PIPELINE,
    CaseState.IAM_REVIEW: PIPELINE,
    CaseState.DMPC_REVIEW: PIPELINE,
}
NO_SCHEME = "No grant scheme"


def may_see_money(user) -> bool:
    return bool(roles_of(user) & MONEY_ROLES)


@dataclass
class Breakdown:
    """Amounts by label (a funder, scheme or year) and by standing."""

    rows: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def add(self, label: str, standing: str, amount: Decimal) -> None:
        row = self.rows.setdefault(label, dict.fromkeys((key for key, _ in STANDINGS), ZERO))
        row[standing] += amount

    def table(self, order=None) -> list[dict]:
        labels = sorted(self.rows, key=order or (lambda label: (label.casefold(), label)))
        return [{"label": label, **self.rows[label]} for label in labels]

    def totals(self) -> dict[str, Decimal]:
        return {key: sum((row[key] for row in self.rows.values()), ZERO) for key, _ in STANDINGS}


@dataclass(frozen=True)
class AuthorityYear:
    reference: str
    case_id: int
    decision_id: int
    recommendation: int
    year: str
    cap: Decimal
    used: Decimal
    ends_on: datetime.date

    @property
    def headroom(self) -> Decimal:
        return self.cap - self.used


@dataclass(frozen=True)
class MoneyDashboard:
    by_funder: Breakdown
    by_scheme: Breakdown
    by_year: Breakdown
    match_by_year: Breakdown
    authorities: list[AuthorityYear]
    cases: int


def _counted_cases(user):
    return cases_visible_to(user).filter(state__in=list(STANDING_OF_STATE))


def _offer_breakdowns(cases) -> tuple[Breakdown, Breakdown, Breakdown]:
    rows = (
        GrantOffer.objects.filter(case__in=cases)
        .values(
            "case__state",
            "funder__name",
            "financial_year",
            scheme_name=Coalesce("scheme__name", "case__scheme__name", Value(NO_SCHEME)),
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_funder, by_scheme, by_year = Breakdown(), Breakdown(), Breakdown()
    for row in rows:
        standing = STANDING_OF_STATE[row["case__state"]]
        by_funder.add(row["funder__name"], standing, row["total"])
        by_scheme.add(row["scheme_name"], standing, row["total"])
        by_year.add(financial_year_label(row["financial_year"]), standing, row["total"])
    return by_funder, by_scheme, by_year


def _match_funding(cases) -> Breakdown:
    """MPS match funding by year: what each case's reconciliation says MPS pays on top of
    the grant (planned spend less grant allocation), in its revenue impact summary."""
    match = Breakdown()
    for case in GrantCase.objects.with_contents().filter(pk__in=cases.values("pk")):
        standing = STANDING_OF_STATE[case.state]
        for year in reconcile_case(case).years:
            match.add(year.label, standing, year.mps_funding)
    return match


def _authorities(cases) -> list[AuthorityYear]:
    """Each standing authority of an approved decision on a case the person may see, for
    every financial year it covers: from the year after the decided one to the year its
    end date falls in."""
    decisions = (
        Decision.objects.filter(case__in=cases)
        .exclude(outcome=DecisionOutcome.REJECTED)
        .select_related("version", "case")
        .prefetch_related("recommendation_decisions")
        .order_by("reference")
    )
    decisions = list(decisions)
    used = defaultdict(lambda: ZERO)
    for row in (
        StandingAuthorityAcceptance.objects.filter(decision__in=[d.pk for d in decisions])
        .values("decision_id", "recommendation", "financial_year")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        used[row["decision_id"], row["recommendation"], row["financial_year"]] = row["total"]
    years = []
    for decision in decisions:
        for authority in decision.standing_authorities():
            last = authority.ends_on.year - (1 if authority.ends_on.month < 4 else 0)
            for year in range(decision.case.financial_year + 1, last + 1):
                years.append(
                    AuthorityYear(
                        reference=decision.reference,
                        case_id=decision.case_id,
                        decision_id=decision.pk,
                        recommendation=authority.position,
                        year=financial_year_label(year),
                        cap=authority.annual_cap,
                        used=used[decision.pk, authority.position, year],
                        ends_on=authority.ends_on,
                    )
                )
    return years


def dashboard(user) -> MoneyDashboard:
    cases = _counted_cases(user)
    by_funder, by_scheme, by_year = _offer_breakdowns(cases)
    return MoneyDashboard(
        by_funder=by_funder,
        by_scheme=by_scheme,
        by_year=by_year,
        match_by_year=_match_funding(cases),
        authorities=_authorities(cases),
        cases=cases.count(),
    )
