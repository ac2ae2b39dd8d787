"""The staff money dashboard: grant accepted, rejected and in the pipeline by funder,
scheme and year, MPS match funding and standing authorities' headroom, over the cases
the person may see, with charts whose figures are the tables'."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services
from approvals.accounts.roles import Role
from approvals.standing import accept_under_standing_authority
from grants.models import Recommendation
from tests.factories import make_user
from tests.html import chart_bars, tables
from tests.money import case_with_offers, decided_with_offers, published_with_offers
from tests.workflow import approve, to_iam, to_ready

pytestmark = pytest.mark.django_db

HEAD = ["Accepted", "Rejected", "In the pipeline"]


@pytest.fixture
def money(people):
    """Grant in every standing, known in advance: £220,000.00 accepted (Home Office
    £200,000.00 and Youth Endowment Fund £20,000.00, in the Violence Fund scheme) and
    £100,000.50 partly approved, £99,999.00 rejected, £40,000.00 at IAM review, and the
    manager's draft of £30,000.00, which only the manager may see. A withdrawn case and
    another manager's draft count for nobody but their owners."""
    published_with_offers(
        people,
        [("Home Office", "200000.00"), ("Youth Endowment Fund", "20000.00")],
        scheme="Violence Fund",
        title="Accepted",
    )
    decided_with_offers(
        people, [("Youth Endowment Fund", "100000.50")], outcome="partly", title="Partly"
    )
    decided_with_offers(
        people,
        [("Home Office", "99999.00")],
        outcome="reject",
        year=2026,
        scheme="Violence Fund",
        title="Rejected",
    )
    to_iam(
        case_with_offers(people.manager, [("Youth Endowment Fund", "40000.00")], year=2026), people
    )
    case_with_offers(people.manager, [("Home Office", "30000.00")], title="Draft")
    withdrawn = case_with_offers(people.manager, [("Withdrawn Trust", "5000.00")])
    services.withdraw(withdrawn, by=people.manager, reasons="Offer withdrawn by the funder.")
    other = make_user("other-manager", Role.GRANTS_MANAGER)
    case_with_offers(other, [("Other Manager Fund", "12345.00")], title="Not yours")
    return people


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("approvals:money"))
    assert response.status_code == 200
    return response.content.decode()


def _table(html, caption):
    return tables(html)[caption]


def test_the_dmpc_office_sees_every_decided_and_submitted_case_by_funder(client, money):
    html = _page(client, money.dmpc_office)

    assert _table(html, "Grant by funder") == [
        ["Funder", *HEAD],
        ["Home Office", "£200,000.00", "£99,999.00", "£0.00"],
        ["Youth Endowment Fund", "£120,000.50", "£0.00", "£40,000.00"],
        ["Total", "£320,000.50", "£99,999.00", "£40,000.00"],
    ]
    assert chart_bars(html)["Grant by funder"] == [
        ("Home Office", "Accepted £200,000.00", "Rejected £99,999.00", "In the pipeline £0.00"),
        (
            "Youth Endowment Fund",
            "Accepted £120,000.50",
            "Rejected £0.00",
            "In the pipeline £40,000.00",
        ),
    ]
    assert chart_bars(html)["Grant by where it stands"] == [
        ("Accepted", "£320,000.50"),
        ("Rejected", "£99,999.00"),
        ("In the pipeline", "£40,000.00"),
    ]
    for hidden in ("Other Manager Fund", "Withdrawn Trust", "£30,000.00"):
        assert hidden not in html


def test_the_tables_by_scheme_and_by_year_add_up_the_same_offers(client, money):
    html = _page(client, money.dmpc_office)

    assert _table(html, "Grant by grant scheme") == [
        ["Grant scheme", *HEAD],
        ["No grant scheme", "£100,000.50", "£0.00", "£40,000.00"],
        ["Violence Fund", "£220,000.00", "£99,999.00", "£0.00"],
        ["Total", "£320,000.50", "£99,999.00", "£40,000.00"],
    ]
    assert _table(html, "Grant by financial year") == [
        ["Financial year", *HEAD],
        ["2025/26", "£320,000.50", "£0.00", "£0.00"],
        ["2026/27", "£0.00", "£99,999.00", "£40,000.00"],
        ["Total", "£320,000.50", "£99,999.00", "£40,000.00"],
    ]


def test_a_grants_manager_sees_their_own_cases_drafts_included(client, money):
    html = _page(client, money.manager)

    assert _table(html, "Grant by funder")[1] == [
        "Home Office",
        "£200,000.00",
        "£99,999.00",
        "£30,000.00",
    ]
    assert "Other Manager Fund" not in html


def test_another_grants_manager_sees_only_their_own_draft(client, money):
    other = money.manager.__class__.objects.get(username="other-manager")
    html = _page(client, other)

    assert _table(html, "Grant by funder") == [
        ["Funder", *HEAD],
        ["Other Manager Fund", "£0.00", "£0.00", "£12,345.00"],
        ["Total", "£0.00", "£0.00", "£12,345.00"],
    ]


def test_mps_match_funding_is_each_cases_planned_spend_less_its_grant(client, money):
    # Each test case plans £252,500.00 of spending (tests.factories.make_case): MPS pays
    # what the grant does not.
    html = _page(client, money.dmpc_office)

    assert _table(html, "MPS match funding by financial year") == [
        ["Financial year", *HEAD],
        ["2025/26", "£184,999.50", "£0.00", "£0.00"],
        ["2026/27", "£0.00", "£152,501.00", "£212,500.00"],
        ["Total", "£184,999.50", "£152,501.00", "£212,500.00"],
    ]


def test_each_standing_authority_shows_its_cap_used_and_headroom_each_year(client, people):
    case = case_with_offers(people.manager, [("Home Office", "100000.00")], title="Standing")
    Recommendation.objects.filter(case=case, position=1).update(
        is_standing_authority=True,
        annual_cap=Decimal("500000.00"),
        ends_on=datetime.date(2028, 3, 31),
    )
    to_ready(case, people)
    decision = approve(case, people)
    accept_under_standing_authority(
        decision,
        by=people.manager,
        recommendation=1,
        funder="Home Office",
        financial_year=2026,
        amount=Decimal("150000.00"),
        offer_date=datetime.date(2026, 3, 1),
    )

    html = _page(client, people.dmpc_office)

    ref = decision.reference
    assert _table(html, "Standing authorities: cap, used and headroom") == [
        ["Authority", "Year", "Cap", "Used", "Headroom"],
        [f"{ref}, recommendation 1", "2026/27", "£500,000.00", "£150,000.00", "£350,000.00"],
        [f"{ref}, recommendation 1", "2027/28", "£500,000.00", "£0.00", "£500,000.00"],
    ]
    assert chart_bars(html)["Standing authorities: used and headroom"] == [
        (f"{ref}, recommendation 1, 2026/27", "Used £150,000.00", "Headroom £350,000.00"),
        (f"{ref}, recommendation 1, 2027/28", "Used £0.00", "Headroom £500,000.00"),
    ]


@pytest.mark.parametrize("role", ["publisher", "legal", "equalities", "privacy"])
def test_roles_without_a_need_for_the_figures_are_refused(client, money, role):
    client.force_login(getattr(money, role))

    assert client.get(reverse("approvals:money")).status_code == 403


def test_the_staff_home_links_to_it_only_for_those_who_may_see_it(client, money):
    client.force_login(money.dmpc_office)
    assert reverse("approvals:money") in client.get(reverse("staff-home")).content.decode()
    client.force_login(money.publisher)
    assert reverse("approvals:money") not in client.get(reverse("staff-home")).content.decode()


def test_the_dashboard_takes_the_same_queries_however_many_cases(
    client, money, django_assert_num_queries
):
    client.force_login(money.dmpc_office)
    client.get(reverse("approvals:money"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("approvals:money"))
    for n in range(3):
        published_with_offers(money, [(f"Funder {n}", "1000.00")], title=f"More {n}")
        to_iam(case_with_offers(money.manager, [("Home Office", "1.00")]), money)
    with django_assert_num_queries(len(before.captured_queries)):
        html = client.get(reverse("approvals:money")).content.decode()
    assert "Funder 2" in html
