"""Demo grant cases beyond the seed report, for a local run."""

import datetime
from decimal import Decimal

from django.db import transaction

from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    GrantScheme,
    Post,
    Recommendation,
)

DRAFT_TITLE = "Home Office Safer Streets Fund 2025/26: Hackney and Lambeth"


@transaction.atomic
def create_draft_case(owner) -> GrantCase:
    """A case still being drafted: its allocations do not yet match its offer and several
    sections are empty, so its task list has work left to do."""
    home_office, _ = Funder.objects.get_or_create(name="Home Office", defaults={"short_name": "HO"})
    scheme, _ = GrantScheme.objects.get_or_create(name="Safer Streets Fund")
    case = GrantCase.objects.create(
        title=DRAFT_TITLE,
        scheme=scheme,
        financial_year=2025,
        owner=owner,
        report_by="Chief Inspector Amara Osei on behalf of the Chief of Frontline Policing",
        executive_summary=(
            "The Home Office has offered MOPAC £0.450m from the Safer Streets Fund for "
            "2025/26 to reduce neighbourhood crime and violence against women and girls in "
            "public spaces in Hackney and Lambeth."
        ),
        needed_by=datetime.date(2026, 3, 31),
        time_sensitivity="The funded work must start in the final quarter of 2025/26.",
    )
    Recommendation.objects.create(
        case=case,
        position=1,
        text="Approve the acceptance of Safer Streets Fund grant totalling £0.450m in 2025/26.",
    )
    GrantOffer.objects.create(
        case=case,
        funder=home_office,
        scheme=scheme,
        amount=Decimal("450000"),
        financial_year=2025,
        period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2026, 3, 31),
        offer_date=datetime.date(2025, 10, 14),
        position=1,
    )
    patrols = FundedUnit.objects.create(
        case=case,
        name="Hackney problem-solving team",
        grant_allocation=Decimal("250000"),
        position=1,
    )
    Post.objects.bulk_create(
        [
            Post(
                unit=patrols,
                grade="Police Sergeant",
                annual_cost=Decimal("78500"),
                grant_fte=Decimal("1"),
                position=1,
            ),
            Post(
                unit=patrols,
                grade="Police Constable",
                annual_cost=Decimal("64200"),
                grant_fte=Decimal("2.5"),
                position=2,
            ),
        ]
    )
    CostLine.objects.create(unit=patrols, description="Overtime", amount=Decimal("12000"))
    lighting = FundedUnit.objects.create(
        case=case, name="Lambeth design-out-crime", grant_allocation=Decimal("150000"), position=2
    )
    CostLine.objects.create(
        unit=lighting, description="Lighting and CCTV works", amount=Decimal("165000")
    )
    BudgetYear.objects.create(case=case, financial_year=2025)
    return case


TOEX_TITLE = "Home Office Tackling Organised Exploitation grant 2025/26"
VICTIMS_TITLE = "Ministry of Justice Modern Slavery Victim Care grant 2025/26"
COUNTY_LINES_TITLE = "Home Office County Lines Programme grant 2025/26"


@transaction.atomic
def create_complete_case(owner, title: str, funder_name: str, amount: str) -> GrantCase:
    """A small case with every section written and every figure balanced, ready to submit."""
    funder, _ = Funder.objects.get_or_create(name=funder_name)
    case = GrantCase.objects.create(
        title=title,
        financial_year=2025,
        owner=owner,
        report_by="Detective Chief Inspector Priya Raman on behalf of the Chief of Specialist "
        "Operations",
        executive_summary=f"{funder_name} has offered £{Decimal(amount) / 1_000_000:.3f}m for "
        "2025/26 to fund specialist investigators and analysts.",
        needed_by=datetime.date(2026, 3, 31),
        time_sensitivity="The posts are filled and costs are being incurred this year.",
        introduction="The funded team investigates organised exploitation across London.",
        financial_comments="The grant covers the posts below; the MPS meets the remainder.",
        legal_comments="MOPAC may accept the grant under Schedule 3 Paragraph 7 of the Police "
        "Reform and Social Responsibility Act 2011.",
        equality_comments="No negative impact on any group with a protected characteristic.",
        privacy_comments="Existing data protection arrangements apply; no new DPIA is needed.",
        real_estate_implications="There are no real estate implications.",
        environmental_implications="There are no environmental implications.",
    )
    Recommendation.objects.create(
        case=case, position=1, text=f"Approve the acceptance of the {funder_name} grant."
    )
    GrantOffer.objects.create(
        case=case, funder=funder, amount=Decimal(amount), financial_year=2025, position=1
    )
    unit = FundedUnit.objects.create(
        case=case, name="Exploitation investigation team", grant_allocation=Decimal(amount)
    )
    Post.objects.bulk_create(
        [
            Post(unit=unit, grade="Detective Sergeant", annual_cost=Decimal("84200"),
                 grant_fte=Decimal("1"), position=1),
            Post(unit=unit, grade="Detective Constable", annual_cost=Decimal("66230"),
                 grant_fte=Decimal("2"), position=2),
            Post(unit=unit, grade="Band D", annual_cost=Decimal("52600"),
                 grant_fte=Decimal("1"), position=3),
        ]
    )  # fmt: skip
    CostLine.objects.create(unit=unit, description="Supplies and services", amount=Decimal("6000"))
    BudgetYear.objects.create(case=case, financial_year=2025)
    return case
