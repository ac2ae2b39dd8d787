"""Small builders for tests: people with roles, grant cases and signed agreements (PDFs)."""

import datetime
from decimal import Decimal
from html import escape

from django.contrib.auth.models import User
from weasyprint import HTML

from approvals.accounts.administration import create_account
from approvals.accounts.roles import Role, ensure_role_groups
from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    Post,
    Recommendation,
    YearAllocation,
)
from grants.seed import create_seed_case

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, *roles: Role, **extra) -> User:
    """An account with these roles, created as the product creates one: a single
    ACCOUNT_CREATED event on the audit trail."""
    ensure_role_groups()
    return create_account(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        first_name=username.title(),
        roles=roles,
        by=None,
        **extra,
    )


def make_case(owner, *, posts: int = 5, units: int = 1, title: str = "A test case", **fields):
    """A complete, balanced case: one offer, `units` units sharing `posts` posts each."""
    defaults = {
        "executive_summary": "Summary.",
        "introduction": "Introduction.",
        "financial_comments": "Finance.",
        "legal_comments": "Legal.",
        "equality_comments": "Equality.",
        "privacy_comments": "Privacy.",
        "real_estate_implications": "None.",
        "environmental_implications": "None.",
        "time_sensitivity": "Soon.",
        "needed_by": datetime.date(2099, 3, 31),
    }
    case = GrantCase.objects.create(
        title=title, financial_year=2025, owner=owner, **{**defaults, **fields}
    )
    funder, _ = Funder.objects.get_or_create(name="Home Office")
    Recommendation.objects.create(case=case, position=1, text="Approve the grant.")
    BudgetYear.objects.create(case=case, financial_year=2025)
    total = Decimal("0")
    for index in range(units):
        unit = FundedUnit.objects.create(case=case, name=f"Unit {index + 1}", position=index)
        Post.objects.bulk_create(
            Post(
                unit=unit,
                grade=f"Grade {n % 7}",
                group="Team A" if n % 2 else "",
                annual_cost=Decimal(40000 + 1000 * (n % 7)),
                grant_fte=Decimal("1.00"),
                match_fte=Decimal("0.50") if n % 3 == 0 else Decimal("0"),
                position=n,
            )
            for n in range(posts)
        )
        CostLine.objects.create(unit=unit, description="Support costs", amount=Decimal("1000"))
        unit.grant_allocation = Decimal("1000")
        unit.save()
        total += unit.grant_allocation
    GrantOffer.objects.create(case=case, funder=funder, amount=total, financial_year=2025)
    return case


def make_pdf(text: str = "Signed grant agreement", pages: int = 1) -> bytes:
    """A plain PDF of `pages` pages saying `text`, as a scanned agreement might be."""
    body = "".join(
        f'<p style="break-after: page">{escape(text)}, page {number + 1}</p>'
        for number in range(pages)
    )
    return HTML(string=f"<!DOCTYPE html><title>{escape(text)}</title>{body}").write_pdf()


PDF = make_pdf()


# How each later year's £2.000m offer of the four-year agreement is shared among the units.
LATER_ALLOCATIONS = {
    "ROCU": Decimal("1250000"),
    "ROCTA": Decimal("300000"),
    "ACE": Decimal("200000"),
    "Drugs Strategy": Decimal("150000"),
    "Digital Forensics": Decimal("100000"),
}


def four_year_case(owner) -> GrantCase:
    """The seed's case as a four-year agreement: every post runs to 31 March 2027, and the
    Home Office offers £2.000m (the standing authority's cap) for each of 2024/25, 2025/26
    and 2026/27, allocated to the units."""
    case = create_seed_case(owner)
    Post.objects.filter(unit__case=case).update(ends_on=datetime.date(2027, 3, 31))
    home_office = Funder.objects.get(name="Home Office")
    for position, year in enumerate((2024, 2025, 2026), start=3):
        GrantOffer.objects.create(
            case=case,
            funder=home_office,
            scheme=case.scheme,
            amount=Decimal("2000000"),
            financial_year=year,
            position=position,
        )
        YearAllocation.objects.bulk_create(
            YearAllocation(unit=unit, financial_year=year, amount=LATER_ALLOCATIONS[unit.name])
            for unit in case.units.all()
        )
    return case
