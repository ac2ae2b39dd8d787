"""A decision page's tables fit the page at a desktop's and a phone's width, with every
column in sight: on a desktop the report's tables take the page's full width, on a phone
each row's figures stack under their column's heading."""

import datetime
from decimal import Decimal

import pytest

from approvals.publication import services as publishing
from approvals.standing import accept_under_standing_authority
from grants.seed import create_seed_case
from tests.browser.helpers import assert_accessible
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db(transaction=True)

GROUND = "Law enforcement: it names an operation under way."

# For each table of the page: whether it is wider than its scroll region or the page, and
# each column heading that is out of sight. An element is in sight if it lies within the
# region and is what the browser paints at its centre (so a clipped, visually hidden
# heading is not). A heading is in sight itself; or, where the table is stacked (its
# headings only for screen readers), every figure of its column is in sight beside it
# (data-label, drawn by ::before), and the first column's row labels are each row's title.
MEASURE = """() => [...document.querySelectorAll("main table")].map(table => {
  const region = table.closest(".app-table-scroll");
  const box = region.getBoundingClientRect();
  const shown = el => {
    el.scrollIntoView({block: "center", inline: "nearest"});
    const r = el.getBoundingClientRect();
    const area = region.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.left < area.left - 0.5 || r.right > area.right + 0.5)
      return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && el.contains(hit);
  };
  const heads = [...table.querySelectorAll("thead th")];
  const headings = heads.map(th => th.textContent.replace(/\\s+/g, " ").trim());
  const hidden = [];
  heads.forEach((th, column) => {
    if (shown(th)) return;
    const cells = [];
    const titles = [];
    for (const row of table.querySelectorAll("tbody tr")) {
      let at = 0;
      for (const cell of row.cells) {
        if (at === column && cell.colSpan === 1) {
          if (cell.tagName === "TH") titles.push(cell);
          else if (cell.textContent.trim()) cells.push(cell);
        }
        at += cell.colSpan;
      }
    }
    const labelled = cells.length > 0 && cells.every(cell => shown(cell)
      && getComputedStyle(cell, "::before").content === JSON.stringify(headings[column]));
    const titled = column === 0 && titles.length > 0 && titles.every(shown);
    if (!labelled && !titled) hidden.push(headings[column]);
  });
  return {
    caption: table.caption ? table.caption.textContent.trim() : "",
    scrolls: region.scrollWidth > region.clientWidth,
    overflows: table.getBoundingClientRect().right > box.right + 0.5
      || box.right > document.documentElement.clientWidth,
    hidden,
  };
})"""


@pytest.fixture
def seed_decision_page(people):
    """The seed case (five funded units, one with match funding, and a five-year revenue
    summary), with a Part 2, decided and published, and an offer accepted later under its
    standing authority."""
    case = create_seed_case(people.manager)
    case.part2_content = "Exempt detail."
    case.part2_exemption_reason = GROUND
    case.save()
    to_ready(case, people)
    decision = approve(case, people)
    publishing.publish_now(decision.publication, by=people.publisher)
    accept_under_standing_authority(
        decision,
        by=people.manager,
        recommendation=2,
        funder="Home Office",
        financial_year=2024,
        amount=Decimal("1750000"),
        offer_date=datetime.date(2024, 6, 1),
    )
    return f"/decisions/{decision.publication.slug}/"


@pytest.mark.parametrize("width", [1280, 375])
def test_no_table_of_a_decision_page_is_wider_than_its_place_and_every_column_shows(
    page, seed_decision_page, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(seed_decision_page)
    tables = page.evaluate(MEASURE)
    captions = [table["caption"] for table in tables]
    assert "BAU revenue by financial year (£m)" in captions
    assert "ROCU (grant amount £1.000m)" in captions
    assert "Funded units’ totals (£m)" in captions
    assert "Later offers accepted without a new decision, within the approved cap" in captions
    assert len(tables) >= 9
    problems = [t for t in tables if t["scrolls"] or t["overflows"] or t["hidden"]]
    assert problems == [], problems
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The revenue summary's Total is in sight beside the Grant funding row's label.
    total = (
        page.locator("#revenue-impact-caption")
        .locator("xpath=..")
        .locator("tbody tr", has_text="Grant funding")
    )
    assert total.locator("td").last.is_visible()
    assert total.locator("td").last.inner_text() == "1.701"
    assert_accessible(page)


def test_part_1_says_why_part_2_is_exempt_and_the_tables_use_the_page_width(
    page, seed_decision_page
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seed_decision_page)
    part1 = page.locator(".app-report-wide")
    assert part1.get_by_role("heading", name="Why Part 2 is exempt").is_visible()
    assert GROUND in part1.inner_text()
    assert "Exempt detail." not in page.content()
    text = part1.locator(".app-report-text").first.bounding_box()
    table = page.locator("#revenue-impact-caption").locator("xpath=..").bounding_box()
    # The text keeps its measure; the table is wider than the text above it.
    assert text["width"] <= 640
    assert table["width"] > text["width"] + 200
