"""Money at a glance in a real browser: the public page of grants accepted, reached from
the register, and the staff money dashboard, reached from the staff home; each checked
by every engine at desktop and phone widths, with its charts within the page."""

import datetime
from decimal import Decimal

import pytest

from grants.models import Recommendation
from tests.browser.helpers import ARTIFACTS, assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.money import case_with_offers, published_with_offers
from tests.workflow import approve, to_iam, to_ready

pytestmark = pytest.mark.django_db(transaction=True)


def _charts_fit(page) -> None:
    """Every chart is inside the page's width, however wide the window."""
    widths = page.evaluate(
        "() => [...document.querySelectorAll('svg.app-bar-chart__svg')].map("
        "svg => svg.getBoundingClientRect().right)"
    )
    assert widths, "no chart drawn"
    assert max(widths) <= page.evaluate("() => document.documentElement.clientWidth")


def _tables_fit(page) -> None:
    """No table is wider than its region: every column shows without scrolling."""
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('.app-table-scroll')]"
        ".filter(region => region.scrollWidth > region.clientWidth + 1)"
        ".map(region => region.querySelector('caption')?.textContent.trim())"
    )
    assert overflowing == []


def test_the_public_reads_grants_accepted_as_charts_and_tables(page, people):
    published_with_offers(
        people,
        [("Home Office", "200000.00"), ("East Midlands Special Operations Unit", "20000.00")],
    )
    published_with_offers(people, [("Home Office", "50000.00")], year=2026, title="Next year")

    page.goto("/decisions/")
    page.get_by_role("link", name="grants accepted by funder and by financial year").click()
    assert page.get_by_role("heading", level=1, name="Grants accepted").is_visible()
    assert page.get_by_role("img", name="Grants accepted by funder").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        _charts_fit(page)
        page.screenshot(path=ARTIFACTS / f"grants-accepted-{width}.png", full_page=True)


def test_the_dmpc_office_reads_the_money_dashboard(page, people):
    published_with_offers(people, [("Home Office", "200000.00")], scheme="Violence Fund")
    to_iam(case_with_offers(people.manager, [("Youth Endowment Fund", "40000.00")]), people)
    standing = case_with_offers(people.manager, [("Home Office", "100000.00")], title="Standing")
    Recommendation.objects.filter(case=standing, position=1).update(
        is_standing_authority=True,
        annual_cap=Decimal("500000.00"),
        ends_on=datetime.date(2028, 3, 31),
    )
    to_ready(standing, people)
    approve(standing, people)

    sign_in(page, "dmpc-office", PASSWORD)
    page.get_by_role("link", name="Money: grant accepted").click()
    assert page.get_by_role("heading", level=1, name="Money").is_visible()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        _charts_fit(page)
        if width == 1280:
            _tables_fit(page)
        page.screenshot(path=ARTIFACTS / f"money-dashboard-{width}.png", full_page=True)
