"""Quick entry of a case's units and posts in a real browser: six units added on one page,
20 posts pasted from a spreadsheet unit after unit, in a handful of page loads; every
page and state checked by the accessibility engines. And, with scripts off, the same
pages still save."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from grants.models import BudgetYear, Funder, GrantCase, GrantOffer
from grants.reconciliation import reconcile_case
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# (unit, grant allocation, posts as a spreadsheet copies them). 20 posts in all; the
# allocations add up to the offers and no unit is given more than it spends.
UNITS = [
    (
        "Regional Organised Crime Unit",
        "£1,000,000",
        [
            "Detective Inspector\t£102,400.00\t1\t1\tRART (Frontline Officers)",
            "Detective Sergeant\t£79,980.00\t2\t\tRART (Frontline Officers)",
            "Detective Constable\t£66,230.00\t6\t2\tRART (Frontline Officers)",
            "Police Staff Band C\t£70,800.00\t1\t\tRegional Prison Intelligence",
            "Police Staff Band D\t£53,000.00\t2\t\tRegional Prison Intelligence",
        ],
    ),
    (
        "Asset Confiscation Enforcement Team",
        "220,000",
        [
            "Financial Investigator\t61,100\t2",
            "Detective Constable\t66,230\t1",
            "Police Staff Band D\t53,000\t1",
            "Police Staff Band E\t45,000\t0.5",
        ],
    ),
    (
        "Regional Organised Crime Threat Assessment",
        "231,000",
        [
            "Analyst Band C\t70800\t2",
            "Senior Analyst Band B\t80000\t1",
            "Police Staff Band D\t53000\t1\t0.5",
        ],
    ),
    (
        "Drugs Strategy",
        "150,000",
        [
            "Detective Sergeant\t79980\t1",
            "Detective Constable\t66230\t1",
            "Police Staff Band D\t57000\t0.5",
        ],
    ),
    (
        "Digital Forensics",
        "100,000",
        [
            "Digital Forensic Investigator\t60000\t1",
            "Police Staff Band C\t70800\t0.5",
            "Police Staff Band D\t53000\t0.5",
        ],
    ),
    (
        "Regional Prison Intelligence",
        "99,000",
        ["Detective Constable\t66230\t1", "Band D\t53000\t1"],
    ),
]
HEADING = "Grade or rank\tAnnual cost\tGrant-funded FTE\tMatch-funded FTE\tGroup"
MOST_PAGE_LOADS = 15


@pytest.fixture
def offered_case(manager):
    """A new case with its two offers (£1.8m), and no units yet."""
    case = GrantCase.objects.create(title="OCS Grant 2025/26", financial_year=2025, owner=manager)
    BudgetYear.objects.create(case=case, financial_year=2025)
    for position, (funder, amount) in enumerate(
        [("Home Office", "1300000"), ("East Midlands Special Operations Unit", "500000")]
    ):
        GrantOffer.objects.create(
            case=case,
            funder=Funder.objects.get_or_create(name=funder)[0],
            amount=Decimal(amount),
            financial_year=2025,
            position=position,
        )
    return case


def count_page_loads(page) -> list[str]:
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def test_a_six_unit_case_with_20_posts_is_entered_by_pasting_in_few_page_loads(page, offered_case):
    loads = count_page_loads(page)
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{offered_case.pk}/edit/")

    # The units, on one page: two blank rows, and four more added without a round trip.
    page.get_by_role("link", name="Funded units and grant allocations").click()
    alert = page.locator(".govuk-error-summary")
    expect(alert).to_contain_text(
        "grant allocations for 2025/26 total £0.00 but the offers for 2025/26 total"
    )
    assert_accessible(page)
    for number, (name, allocation, _) in enumerate(UNITS, start=1):
        if number > 2:
            page.get_by_role("button", name="Add another unit").click()
            expect(page.get_by_label(f"Name, unit {number}", exact=True)).to_be_focused()
        page.get_by_label(f"Name, unit {number}", exact=True).fill(name)
        page.get_by_label(f"Grant allocation, unit {number}", exact=True).fill(allocation)
    expect(page.get_by_role("status")).to_have_text("Unit 6 added.")
    assert_accessible(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Funded units saved")).to_be_visible()

    # The first unit: its posts pasted, a cost line typed, and the totals follow.
    page.get_by_role("link", name=f"Posts and costs: {UNITS[0][0]}").click()
    page.get_by_text("Paste rows from a spreadsheet").click()
    page.get_by_label("Rows copied from a spreadsheet").fill("\n".join([HEADING, *UNITS[0][2]]))
    page.get_by_label("Description, cost line 1", exact=True).fill("Overtime")
    page.get_by_label("Amount, cost line 1", exact=True).fill("£100,000")
    costs_total = page.locator('[data-total="amount"]')
    expect(costs_total).to_have_text("£100,000.00")
    page.get_by_role("button", name="Add another post").click()
    page.get_by_label("Annual cost, post 4", exact=True).fill("50,000")
    page.get_by_label("Grant-funded FTE, post 4", exact=True).fill("2")
    page.get_by_label("Match-funded FTE, post 4", exact=True).fill("1")
    expect(page.locator('[data-total="grant_fte"]')).to_have_text("2")
    expect(page.locator('[data-total="total_cost"]')).to_have_text("£150,000.00")
    statuses = page.get_by_role("status")
    expect(statuses.first).to_have_text(
        "Total of the posts as typed: 2 grant-funded FTE, 1 match-funded FTE, £150,000.00."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Remove post 4").click()
    expect(page.locator('[data-total="total_cost"]')).to_have_text("£0.00")
    expect(page.get_by_role("button", name="Add another post")).to_be_focused()
    page.get_by_role("button", name=f"Save and go to {UNITS[1][0]}").click()

    # The second: one row pasted wrong is kept, with its problem, while the rest save.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Posts and costs: {UNITS[1][0]}")
    wrong = "Police Staff Band E\t45,000\thalf"
    page.get_by_text("Paste rows from a spreadsheet").click()
    page.get_by_label("Rows copied from a spreadsheet").fill("\n".join([*UNITS[1][2][:3], wrong]))
    page.get_by_role("button", name=f"Save and go to {UNITS[2][0]}").click()
    expect(page).to_have_title(re.compile(f"^Error: Posts and costs: {UNITS[1][0]}"))
    problem = "Row 1, grant-funded FTE: Grant-funded FTE must be a number, like 1 or 0.5"
    expect(page.get_by_role("alert").get_by_role("link", name=problem)).to_be_visible()
    box = page.get_by_label("Rows copied from a spreadsheet")
    expect(box).to_have_value(wrong)
    expect(box).to_have_accessible_description(re.compile(rf"Error:\s+{re.escape(problem)}\s*$"))
    assert_accessible(page)
    box.fill(UNITS[1][2][3])
    page.get_by_role("button", name=f"Save and go to {UNITS[2][0]}").click()

    # The rest, a page each.
    for number, (name, _, posts) in enumerate(UNITS[2:], start=2):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Posts and costs: {name}")
        page.get_by_text("Paste rows from a spreadsheet").click()
        page.get_by_label("Rows copied from a spreadsheet").fill("\n".join(posts))
        last = number + 1 == len(UNITS)
        following = "Save" if last else f"Save and go to {UNITS[number + 1][0]}"
        page.get_by_role("button", name=following, exact=True).click()

    expect(page.get_by_text(f"Posts and costs for {UNITS[-1][0]} saved")).to_be_visible()
    assert_accessible(page)
    assert len(loads) <= MOST_PAGE_LOADS, f"{len(loads)} page loads: {loads}"

    case = GrantCase.objects.with_contents().get(pk=offered_case.pk)
    units = list(case.units.all())
    assert [unit.name for unit in units] == [name for name, _, _ in UNITS]
    assert [len(unit.posts.all()) for unit in units] == [len(posts) for _, _, posts in UNITS]
    assert sum(len(unit.posts.all()) for unit in units) == 20
    reconciliation = reconcile_case(case)
    assert reconciliation.allocations_total == reconciliation.offers_total == Decimal(1_800_000)
    assert [f.code for f in reconciliation.errors if f.section == "Funded units"] == []
    assert reconciliation.units[0].planned_spend == Decimal("1171400.00")
    assert reconciliation.units[0].match_fte == Decimal("3")


def test_with_scripts_off_the_unit_page_still_adds_and_saves_rows(
    chromium, live_server, offered_case
):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        unit = offered_case.units.create(name="Drugs Strategy", grant_allocation=Decimal(0))
        sign_in(page, "manager", PASSWORD)
        page.goto(f"/staff/cases/{offered_case.pk}/edit/units/{unit.pk}/")
        expect(page.get_by_role("button", name="Add another post")).to_have_count(0)
        # The blank rows and the paste box need no script.
        page.get_by_label("Grade or rank, post 1", exact=True).fill("Detective Inspector")
        page.get_by_label("Annual cost, post 1", exact=True).fill("102400")
        page.get_by_label("Grant-funded FTE, post 1", exact=True).fill("1")
        page.get_by_text("Paste rows from a spreadsheet").click()
        page.get_by_label("Rows copied from a spreadsheet").fill(
            "Detective Sergeant\t79,980\t1\nPolice Staff Band D\t£57,000\t0.5\t0.5"
        )
        page.get_by_role("button", name="Save and add more rows").click()
        expect(page.get_by_text("Posts and costs for Drugs Strategy saved")).to_be_visible()
        assert list(unit.posts.values_list("grade", flat=True)) == [
            "Detective Inspector",
            "Detective Sergeant",
            "Police Staff Band D",
        ]
        expect(page.get_by_label("Grade or rank, post 3", exact=True)).to_have_value(
            "Police Staff Band D"
        )
        # Without scripts the totals are the saved ones.
        expect(page.locator('[data-total="match_fte"]')).to_have_text("0.5")
        expect(page.locator("[data-total-label]").first).to_have_text("Total of saved posts")
    finally:
        context.close()
