"""The rate card: administrators keep each grade's annual cost per financial year; the
reconciliation warns once for each unit and grade departing from the card of the case's
year; the unit page suggests the card's grades with their costs."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from approvals.accounts.roles import Role
from approvals.models import AuditAction, AuditEvent
from grants.models import GrantCase, Post, RateCardEntry
from grants.rate_card import services
from grants.rate_card.services import RateCardError, card_for_year
from grants.reconciliation import reconcile_case
from grants.seed import BAND_D, create_seed_case
from tests.factories import make_user
from tests.races import run_at_once

pytestmark = pytest.mark.django_db

SEED_YEAR = 2023
TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def administrator():
    return make_user("administrator", Role.ADMINISTRATOR)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def add(by, grade="Band D", year=SEED_YEAR, cost="52600"):
    return services.add_rate(by=by, grade=grade, financial_year=year, annual_cost=Decimal(cost))


def seed_findings(manager, card=None):
    case = create_seed_case(manager)
    loaded = GrantCase.objects.with_contents().get(pk=case.pk)
    rate_card = card_for_year(SEED_YEAR) if card is None else card
    return case, reconcile_case(loaded, today=TODAY, rate_card=rate_card).warnings


# The card and its changes -----------------------------------------------------------------


def test_an_administrator_adds_changes_and_removes_a_grade_each_audited(administrator):
    entry = add(administrator, grade="  Band D ")
    assert (entry.grade, entry.financial_year, entry.annual_cost) == ("Band D", 2023, 52600)
    assert card_for_year(SEED_YEAR) == {"Band D": Decimal("52600.00")}

    entry.refresh_from_db()
    changed = services.change_rate(
        entry,
        by=administrator,
        seen=services.seen_stamp(entry),
        grade="Band D",
        financial_year=SEED_YEAR,
        annual_cost=Decimal("53000"),
    )
    assert changed.annual_cost == Decimal("53000")
    services.remove_rate(changed, by=administrator, seen=services.seen_stamp(changed))
    assert not RateCardEntry.objects.exists()

    events = AuditEvent.objects.filter(actor=administrator).order_by("sequence")
    assert [e.action for e in events] == [
        AuditAction.RATE_ADDED,
        AuditAction.RATE_CHANGED,
        AuditAction.RATE_REMOVED,
    ]
    assert events[0].details == {
        "grade": "Band D",
        "financial_year": "2023/24",
        "annual_cost": "52600.00",
    }
    assert events[1].details["from"]["annual_cost"] == "52600.00"
    assert events[1].details["to"]["annual_cost"] == "53000.00"
    assert events[2].details["annual_cost"] == "53000.00"


def test_a_grade_is_on_a_years_card_once_whatever_its_capitals(administrator):
    add(administrator, grade="Band D")
    with pytest.raises(RateCardError) as refused:
        add(administrator, grade="band d")
    assert refused.value.field == "grade"
    assert "already has band d" in str(refused.value)
    # Another year's card is another card.
    add(administrator, grade="band d", year=2024)
    assert RateCardEntry.objects.count() == 2


def test_nobody_but_an_administrator_changes_the_card(manager, administrator):
    with pytest.raises(RateCardError, match="Only an administrator"):
        add(manager)
    entry = add(administrator)
    with pytest.raises(RateCardError, match="Only an administrator"):
        services.remove_rate(entry, by=manager, seen=services.seen_stamp(entry))
    assert RateCardEntry.objects.count() == 1
    assert not AuditEvent.objects.filter(actor=manager).exists()


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(administrator):
    entry = add(administrator)
    seen = services.seen_stamp(entry)
    other = make_user("other-administrator", Role.ADMINISTRATOR)
    services.change_rate(
        entry, by=other, seen=seen, grade="Band D", financial_year=2023, annual_cost=Decimal(1)
    )
    with pytest.raises(RateCardError, match="changed or removed by someone else"):
        services.change_rate(
            entry,
            by=administrator,
            seen=seen,
            grade="Band D",
            financial_year=2023,
            annual_cost=Decimal(2),
        )
    with pytest.raises(RateCardError, match="changed or removed by someone else"):
        services.remove_rate(entry, by=administrator, seen=seen)
    assert RateCardEntry.objects.get().annual_cost == Decimal(1)


# The pages ----------------------------------------------------------------------------------


def test_the_card_page_lists_the_years_grades_and_links_to_other_years(admin_client, administrator):
    add(administrator, grade="Band D", cost="52600")
    add(administrator, grade="Band C", cost="70800")
    add(administrator, grade="Band D", year=2024, cost="54000")
    page = admin_client.get(reverse("rate_card:list"), {"year": "2023/24"})
    html = page.content.decode()
    assert page.status_code == 200
    assert re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', html) == ["Band C", "Band D"]
    assert "£52,600.00" in html and "£70,800.00" in html and "£54,000.00" not in html
    assert 'href="?year=2024/25"' in html
    later = admin_client.get(reverse("rate_card:list"), {"year": "2024/25"}).content.decode()
    assert "£54,000.00" in later and "£52,600.00" not in later


def test_a_year_that_is_not_one_is_a_clear_error(admin_client):
    page = admin_client.get(reverse("rate_card:list"), {"year": "<b>soon</b>"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "‘&lt;b&gt;soon&lt;/b&gt;’ is not a financial year" in html
    assert "<b>soon</b>" not in html


def test_adding_through_the_page_keeps_what_was_typed_on_error(admin_client, administrator):
    add(administrator, grade="Band D")
    url = reverse("rate_card:add")
    refused = admin_client.post(
        url, {"grade": "BAND D", "financial_year": "2023/24", "annual_cost": "53,000"}
    )
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "already has BAND D" in html
    assert 'value="BAND D"' in html and 'value="53,000"' in html
    assert RateCardEntry.objects.count() == 1

    added = admin_client.post(
        url, {"grade": "Band E", "financial_year": "2023/24", "annual_cost": "£47,000"}
    )
    assert added.status_code == 302
    assert added["Location"] == "/staff/rate-card/?year=2023/24"
    assert RateCardEntry.objects.get(grade="Band E").annual_cost == Decimal("47000")


def test_changing_and_removing_through_the_pages(admin_client, administrator):
    entry = add(administrator)
    url = reverse("rate_card:change", args=[entry.pk])
    page = admin_client.get(url).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    changed = admin_client.post(
        url, {"grade": "Band D", "financial_year": "2023/24", "annual_cost": "0.053m", "seen": seen}
    )
    assert changed.status_code == 302
    entry.refresh_from_db()
    assert entry.annual_cost == Decimal("53000")

    # The old page, posted again, is refused.
    stale = admin_client.post(
        url, {"grade": "Band D", "financial_year": "2023/24", "annual_cost": "1", "seen": seen}
    )
    assert stale.status_code == 400
    assert "changed or removed by someone else" in stale.content.decode()

    remove = reverse("rate_card:remove", args=[entry.pk])
    assert admin_client.get(remove).status_code == 200
    assert admin_client.post(remove, {"seen": "old"}).status_code == 409
    assert admin_client.post(remove, {"seen": services.seen_stamp(entry)}).status_code == 302
    assert not RateCardEntry.objects.exists()


def test_the_card_is_linked_from_an_administrators_home_only(administrator, manager):
    link = reverse("rate_card:list")
    for person, linked in ((administrator, True), (manager, False)):
        client = Client()
        client.force_login(person)
        assert (link in client.get(reverse("staff-home")).content.decode()) is linked


# The reconciliation -------------------------------------------------------------------------


def test_without_a_card_the_seed_case_keeps_its_in_case_check(manager):
    _, warnings = seed_findings(manager)
    assert {(f.code, f.unit) for f in warnings if f.code in ("grade-price", "rate-card")} == {
        ("grade-price", "Drugs Strategy")
    }


def test_a_departure_from_the_card_is_one_warning_per_unit_and_grade(manager, administrator):
    # The card prices Band D at 53,000: ROCU's 2 Band D posts, ROCTA's 1 and Drugs
    # Strategy's 1 (at 57,000) all depart from it. "Band D (CoLP)" is another grade.
    add(administrator, grade="band d", cost="53000")
    add(administrator, grade="Band E", cost="47000")
    _, warnings = seed_findings(manager)
    card = [f for f in warnings if f.code == "rate-card"]
    assert [(f.unit, f.post) for f in card] == [
        ("ROCU", "Band D"),
        ("ROCTA", "Band D"),
        ("Drugs Strategy", "Band D"),
    ]
    rocu, rocta, drugs = card
    assert rocu.reader == (
        "2 band d posts in this unit cost £52,600.00 a year; the 2023/24 rate card says £53,000.00."
    )
    assert rocu.message == rocu.reader + " Check the annual costs."
    assert rocta.reader.startswith("1 band d post in this unit costs £52,600.00 a year")
    assert "£57,000.00" in drugs.reader and "£53,000.00" in drugs.reader
    # The card's grades are checked against it, not against each other.
    assert not [f for f in warnings if f.code == "grade-price"]
    assert len({f.message for f in warnings}) == len(warnings)


def test_a_card_of_another_year_does_not_apply(manager, administrator):
    add(administrator, grade="Band D", year=SEED_YEAR + 1, cost="1")
    _, warnings = seed_findings(manager)
    assert not [f for f in warnings if f.code == "rate-card"]


def test_posts_at_the_cards_cost_are_not_flagged(manager, administrator):
    add(administrator, grade="Band D", cost=str(BAND_D))
    _, warnings = seed_findings(manager)
    assert [(f.code, f.unit) for f in warnings if f.code == "rate-card"] == [
        ("rate-card", "Drugs Strategy")
    ]


def in_case_warnings(case):
    loaded = GrantCase.objects.with_contents().get(pk=case.pk)
    found = [f for f in reconcile_case(loaded, today=TODAY).warnings if f.code == "grade-price"]
    return [(f.unit, f.post) for f in found]


def test_an_in_case_price_repeated_in_one_unit_is_said_once(manager):
    case = create_seed_case(manager)
    drugs = case.units.get(name="Drugs Strategy")
    Post.objects.create(unit=drugs, grade="Band D", annual_cost=57000, grant_fte=1, position=9)
    # 2 posts at 57,000 against 3 at 52,600: Drugs Strategy's two are one warning.
    assert in_case_warnings(case) == [("Drugs Strategy", "Band D")]
    Post.objects.create(unit=drugs, grade="Band D", annual_cost=57000, grant_fte=1, position=10)
    # 3 against 3: no price is usual, so every unit with the grade is told, once.
    assert in_case_warnings(case) == [
        ("ROCU", "Band D"),
        ("ROCTA", "Band D"),
        ("Drugs Strategy", "Band D"),
    ]


def test_the_report_and_task_list_show_the_card_warning(manager, manager_client, administrator):
    add(administrator, grade="Band D", cost="53000")
    case = create_seed_case(manager)
    for name in ("grants:report", "grants:task-list"):
        html = manager_client.get(reverse(name, args=[case.pk])).content.decode()
        assert "2 Band D posts in this unit cost £52,600.00 a year" in html, name


# The unit page ------------------------------------------------------------------------------


def test_the_unit_page_suggests_the_cards_grades_with_their_costs(
    manager, manager_client, administrator
):
    add(administrator, grade="Band D", cost="52600")
    add(administrator, grade="Band B", cost="101000")
    add(administrator, grade="Band A", year=2030, cost="1")
    case = create_seed_case(manager)
    unit = case.units.get(name="ROCU")
    html = manager_client.get(reverse("grants:edit-unit", args=[case.pk, unit.pk])).content.decode()
    options = re.findall(r'<option value="([^"]+)" data-annual-cost="([^"]+)">', html)
    assert options == [("Band B", "101,000.00"), ("Band D", "52,600.00")]
    # Every row the page draws; rows a script adds get the list from rate-card.js.
    assert html.count('list="rate-card-grades"') == unit.posts.count() + _extra_rows(html)
    assert "dist/rate-card.js" in html


def _extra_rows(html: str) -> int:
    """The blank rows a unit page offers besides its saved posts."""
    ids = set(re.findall(r'name="posts-(\d+)-grade"', html))
    saved = set(re.findall(r'name="posts-(\d+)-id" value="\d+"', html))
    return len(ids - saved)


def test_without_a_card_the_unit_page_has_no_list(manager, manager_client):
    case = create_seed_case(manager)
    unit = case.units.get(name="ROCU")
    html = manager_client.get(reverse("grants:edit-unit", args=[case.pk, unit.pk])).content.decode()
    assert "<datalist" not in html and "list=" not in html
    assert "rate-card.js" not in html


# Two administrators at once -------------------------------------------------------------------

at_once = pytest.mark.django_db(transaction=True)
needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks"
)


@at_once
@needs_row_locks
def test_the_same_grade_added_at_once_is_added_once(administrator):
    results = run_at_once(8, lambda: add(administrator, grade="Band D"))
    added = [r for r in results if isinstance(r, RateCardEntry)]
    refused = [r for r in results if isinstance(r, RateCardError)]
    assert (len(added), len(refused)) == (1, 7), results
    assert "already has Band D" in str(refused[0])
    assert RateCardEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.RATE_ADDED).count() == 1


@at_once
@needs_row_locks
def test_of_changes_made_at_once_from_one_page_one_wins(administrator):
    entry = add(administrator)
    seen = services.seen_stamp(entry)
    costs = iter(range(1, 100))

    def change():
        return services.change_rate(
            RateCardEntry.objects.get(pk=entry.pk),
            by=administrator,
            seen=seen,
            grade="Band D",
            financial_year=SEED_YEAR,
            annual_cost=Decimal(next(costs)),
        )

    results = run_at_once(6, change)
    changed = [r for r in results if isinstance(r, RateCardEntry)]
    refused = [r for r in results if isinstance(r, RateCardError)]
    assert (len(changed), len(refused)) == (1, 5), results
    assert "changed or removed by someone else" in str(refused[0])
    assert RateCardEntry.objects.get().annual_cost == changed[0].annual_cost
    assert AuditEvent.objects.filter(action=AuditAction.RATE_CHANGED).count() == 1
