"""The whole journey of a grant decision in a real browser, from a blank case to the public
register, each step done by its real user with the demo logins and through the pages
alone. The ORM is used only to check afterwards what the pages did.

Every page the journey loads, staff and public, is checked with axe-core; a page loaded
without a check fails the test, so a new step cannot forget it.
"""

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from approvals.demo import create_demo_users
from approvals.models import Decision, GrantAgreement, IamOutcome, Publication, SignOff
from grants.models import CaseState, GrantCase
from tests.browser.helpers import ARTIFACTS, assert_accessible
from tests.factories import PASSWORD, make_pdf

pytestmark = pytest.mark.django_db(transaction=True)

# A word of the title the public searches for, and the string that must never leave
# staff pages: it is written into Part 2 only.
SEARCH_WORD = "Kingfisher"
TITLE = f"Operation {SEARCH_WORD} violence reduction grant 2026/27"
PLANTED = "PART2-CANARY-7f3c9e21 informant codename Heron"
COSTED_YEAR = "2026/27"
MILLION = Decimal(1_000_000)


# The case, as its grants manager types it -----------------------------------------------


@dataclass(frozen=True)
class PostRow:
    group: str
    grade: str
    annual_cost: str
    grant_fte: str
    match_fte: str = ""

    @property
    def cost(self) -> Decimal:
        fte = Decimal(self.grant_fte) + Decimal(self.match_fte or "0")
        return Decimal(self.annual_cost) * fte


@dataclass(frozen=True)
class UnitRow:
    name: str
    allocation: str
    posts: list[PostRow]
    cost_lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def planned_spend(self) -> Decimal:
        return sum((p.cost for p in self.posts), Decimal(0)) + sum(
            (Decimal(amount) for _, amount in self.cost_lines), Decimal(0)
        )


# Two funders' offers in the costed year; the allocations add up to them exactly, and
# every unit spends at least its allocation, so the case balances with no errors.
OFFERS = [("Home Office", "600000"), ("Ministry of Justice", "250000")]
UNITS = [
    UnitRow(
        "Serious Violence Taskforce",
        "400000",
        [
            PostRow("Frontline officers", "Police Constable", "60000", "4", "1"),
            PostRow("Frontline officers", "Sergeant", "70000", "1"),
            PostRow("Leadership", "Inspector", "80000", "1"),
        ],
        [("Overtime", "30000"), ("Transport", "20000")],
    ),
    UnitRow(
        "Child Exploitation Unit",
        "300000",
        [
            PostRow("", "Police Constable", "60000", "3"),
            PostRow("", "Detective Sergeant", "72000", "1"),
            PostRow("", "Police Staff Band D", "45000", "1"),
        ],
        [("Supplies and services", "23000")],
    ),
    UnitRow(
        "Intelligence Analysis",
        "150000",
        [
            PostRow("", "Analyst Band C", "50000", "2", "0.5"),
            PostRow("", "Senior Analyst Band B", "55000", "1"),
        ],
        [("Software licences", "10000")],
    ),
]
SECTIONS = {
    "Executive summary": f"The {SEARCH_WORD} grant funds three teams tackling serious violence.",
    "Introduction and background": "Serious violence has risen in two boroughs.",
    "Financial, commercial and procurement comments": "The MPS budgets the match funding.",
    "Legal comments": "MOPAC may lawfully accept the grants.",
    "Equality comments": "Screened: no adverse impact on any protected group.",
    "Privacy comments": "Existing DPIA screening covers the work.",
    "Real estate implications": "None.",
    "Environmental implications": "None.",
    "Revenue impact summary": "The summary shows the grants and the MPS match funding.",
}


def millions(amount: Decimal) -> str:
    """£m to 3 dp, as the report shows figures."""
    return f"{amount / MILLION:,.3f}"


OFFERS_TOTAL = sum((Decimal(amount) for _, amount in OFFERS), Decimal(0))
PLANNED_SPEND = sum((unit.planned_spend for unit in UNITS), Decimal(0))
MATCH_FUNDING = PLANNED_SPEND - OFFERS_TOTAL


def test_the_figures_are_chosen_to_balance():
    """The journey's case must pass every check, or it could not be submitted."""
    assert sum(Decimal(unit.allocation) for unit in UNITS) == OFFERS_TOTAL
    assert all(Decimal(unit.allocation) <= unit.planned_spend for unit in UNITS)
    assert len({funder for funder, _ in OFFERS}) == 2
    assert len(UNITS) == 3 and sum(len(unit.posts) for unit in UNITS) >= 8


# People and their browsers --------------------------------------------------------------


class Person:
    """One person's browser: a fresh context, so nobody inherits another's session. Every
    page it loads is recorded, and `check` runs axe-core on the page in front of it."""

    def __init__(self, name: str, page: Page):
        self.name = name
        self.page = page
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        # Everything the person's browser was sent, pages and downloads, as text.
        self.received: list[str] = []
        page.on("framenavigated", self._loaded)

    def _loaded(self, frame):
        if frame == self.page.main_frame:
            self.loaded.append(_without_fragment(frame.url))

    def check(self):
        assert_accessible(self.page)
        self.checked.add(_without_fragment(self.page.url))
        self.received.append(self.page.content())

    def visit(self, path: str):
        self.page.goto(path)
        self.check()

    def follow(self, target: Locator):
        """Click a link or button that loads a page; wait for it, then check it."""
        with self.page.expect_navigation():
            target.click()
        self.check()

    def download(self, link: Locator) -> bytes:
        """Click a link to a file the browser downloads; return the file."""
        with self.page.expect_download() as download:
            link.click()
        data = download.value.path().read_bytes()
        self.received.append(data.decode())
        return data

    def fetch(self, link: Locator) -> bytes:
        """Get what a link points at (a file the browser would show, not download)."""
        response = self.page.request.get(link.first.get_attribute("href"))
        assert response.ok, response.url
        data = response.body()
        self.received.append(pdf_text(data) if data.startswith(b"%PDF") else data.decode())
        return data

    def link(self, name: str) -> Locator:
        return self.page.get_by_role("link", name=name, exact=True).first

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def banner(self) -> str:
        return self.page.locator(".govuk-notification-banner").inner_text()

    def unchecked_pages(self) -> list[str]:
        return [url for url in self.loaded if url not in self.checked]


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


@pytest.fixture
def open_browser(chromium, live_server, request):
    """Opens a browser for each person in turn; on failure saves a screenshot of each."""
    opened: list[Person] = []

    def open_as(name: str) -> Person:
        context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
        context.set_default_timeout(10_000)
        person = Person(name, context.new_page())
        opened.append(person)
        return person

    yield open_as
    failed = getattr(request.node, "rep_call", None)
    for number, person in enumerate(opened, start=1):
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"{request.node.name}-{number}-{person.name}.png"
            person.page.screenshot(path=path, full_page=True)
        person.page.context.close()


def signed_in(open_as, username: str) -> Person:
    person = open_as(username)
    person.visit("/accounts/login/")
    person.page.get_by_label("Username").fill(username)
    person.page.get_by_label("Password").fill(PASSWORD)
    person.follow(person.button("Sign in"))
    expect(person.page).to_have_url(re.compile(r"/staff/$"))
    return person


def open_case(person: Person):
    """Open the case from a list of cases: the person's queue on their staff home page,
    or the list of all cases."""
    person.follow(person.link(TITLE))
    expect(person.page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def fill_date(scope, legend: str, day: datetime.date):
    group = scope.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


# The journey's steps --------------------------------------------------------------------


def draft_the_case(manager: Person, today: datetime.date):
    page = manager.page
    manager.follow(manager.link("All grant cases you can see"))
    manager.follow(manager.button("Start a new grant case"))
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Financial year the costs are for").fill(COSTED_YEAR)
    manager.follow(manager.button("Save"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    manager.follow(manager.link("Case details"))
    page.get_by_label("Report by").fill("Detective Superintendent A Smith")
    page.get_by_label("Report author").fill("A Smith, Violence Reduction Unit")
    manager.follow(manager.button("Save"))

    enter_offers(manager, today)
    enter_units(manager)
    for unit in UNITS:
        enter_posts_and_costs(manager, unit)

    manager.follow(manager.link("Budget years"))
    page.get_by_label(COSTED_YEAR, exact=True).check()
    manager.follow(manager.button("Save"))

    manager.follow(manager.link("Recommendations"))
    page.get_by_label("What is the DMPC asked to approve?").fill(
        f"Approve the acceptance of grants totalling £{millions(OFFERS_TOTAL)}m in {COSTED_YEAR}."
    )
    manager.follow(manager.button("Save"))

    manager.follow(manager.link("Time sensitivity"))
    # Needed by a date still to come, so the checks give no warning about it.
    fill_date(page, "When is the decision needed by?", today + datetime.timedelta(days=60))
    page.get_by_label("Why is the decision needed by then?").fill("The teams start in January.")
    manager.follow(manager.button("Save"))

    for title, text in SECTIONS.items():
        manager.follow(manager.link(title))
        # Optional sections' labels end "(optional)".
        page.get_by_role("textbox", name=re.compile(f"^{re.escape(title)}")).fill(text)
        manager.follow(manager.button("Save"))

    manager.follow(manager.link("Part 2 (exempt information)"))
    page.get_by_label("Part 2 content (optional)").fill(f"Exempt detail: {PLANTED}.")
    page.get_by_label("Why is this information exempt from publication?").fill(
        "Section 31 of the Freedom of Information Act 2000: law enforcement."
    )
    manager.follow(manager.button("Save"))


def enter_offers(manager: Person, today: datetime.date):
    manager.follow(manager.link("Grant offers"))
    for number, (funder, amount) in enumerate(OFFERS, start=1):
        offer = manager.page.get_by_role("group", name="New offer")
        offer.get_by_label("Or enter the name of a funder that is not in the list").fill(funder)
        offer.get_by_label("Amount offered").fill(amount)
        expect(offer.get_by_label("Financial year")).to_have_value(COSTED_YEAR)
        fill_date(offer, "Date of the offer (optional)", today - datetime.timedelta(days=30))
        last = number == len(OFFERS)
        manager.follow(manager.button("Save" if last else "Save and add another offer"))
    expect(manager.page.get_by_text("Grant offers saved")).to_be_visible()


def enter_units(manager: Person):
    page = manager.page
    manager.follow(manager.link("Funded units and grant allocations"))
    blank_rows = page.get_by_label(re.compile(r"^Name, unit \d+$")).count()
    for number, unit in enumerate(UNITS, start=1):
        page.get_by_label(f"Name, unit {number}", exact=True).fill(unit.name)
        page.get_by_label(f"Grant allocation, unit {number}", exact=True).fill(unit.allocation)
        if number == blank_rows and number < len(UNITS):
            # The table has only so many blank rows: save them and ask for more.
            manager.follow(manager.button("Save and add more rows"))
            blank_rows = page.get_by_label(re.compile(r"^Name, unit \d+$")).count()
    manager.follow(manager.button("Save"))
    expect(page.get_by_text("Funded units saved")).to_be_visible()


def enter_posts_and_costs(manager: Person, unit: UnitRow):
    page = manager.page
    manager.follow(manager.link(f"Posts and costs: {unit.name}"))
    for number, post in enumerate(unit.posts, start=1):
        row = f"post {number}"
        page.get_by_label(f"Group (optional), {row}", exact=True).fill(post.group)
        page.get_by_label(f"Grade or rank, {row}", exact=True).fill(post.grade)
        page.get_by_label(f"Annual cost, {row}", exact=True).fill(post.annual_cost)
        page.get_by_label(f"Grant-funded FTE, {row}", exact=True).fill(post.grant_fte)
        page.get_by_label(f"Match-funded FTE, {row}", exact=True).fill(post.match_fte)
    for number, (description, amount) in enumerate(unit.cost_lines, start=1):
        page.get_by_label(f"Description, cost line {number}", exact=True).fill(description)
        page.get_by_label(f"Amount, cost line {number}", exact=True).fill(amount)
    manager.follow(manager.button("Save"))
    expect(page.get_by_text(f"Posts and costs for {unit.name} saved")).to_be_visible()


def submit_the_case(manager: Person):
    page = manager.page
    checks = page.get_by_role("complementary", name="Checks")
    expect(checks).to_contain_text("Every check passes")
    # Every required task is done: "n of n".
    done = re.compile(r"^You have completed (\d+) of \1 required tasks\.$")
    expect(page.get_by_text(done)).to_be_visible()
    manager.follow(manager.button("Continue to submit"))
    manager.follow(manager.button("Submit for IAM review"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def iam_endorses_at_a_meeting(iam: Person, today: datetime.date):
    page = iam.page
    iam.follow(iam.link("IAM meetings"))
    iam.follow(iam.button("Record a meeting"))
    fill_date(page, "Date of the meeting", today)
    page.get_by_label("Time").fill("10:30")
    page.get_by_label("Place").fill("Committee Room 4, City Hall")
    page.get_by_label("Who is invited").fill("Chief Finance Officer (chair)\nHead of Oversight")
    iam.follow(iam.button("Record the meeting"))

    page.get_by_label("Case waiting for IAM").select_option(label=f"{TITLE} (version 1)")
    iam.follow(iam.button("Add to the agenda"))
    assert f"‘{TITLE}’ has been added to the agenda." in iam.banner()

    iam.follow(iam.link(f"Record outcome for {TITLE}"))
    page.get_by_label("Endorse", exact=True).check()
    page.get_by_label("Who attended").fill("Chief Finance Officer (chair)")
    page.get_by_label("Minutes on this case (optional)").fill("Endorsed without discussion.")
    iam.check()
    iam.follow(iam.button("Record the outcome"))
    assert "has been recorded: endorsed" in iam.banner()


def adviser_signs_off(adviser: Person, area: str):
    page = adviser.page
    open_case(adviser)
    adviser.follow(adviser.button(f"Sign off {area}"))
    page.get_by_label("Cleared with advice", exact=True).check()
    page.get_by_label("Your advice", exact=True).fill(
        f"Cleared for {area}: nothing stands in the way."
    )
    adviser.follow(adviser.button(f"Sign off {area}"))
    expect(page.locator(f"#clearance-{area}")).to_contain_text("Signed off")


def dmpc_office_marks_ready(office: Person):
    open_case(office)
    office.follow(office.button("Check clearance"))
    office.follow(office.button("Mark ready for decision"))
    assert "The case is marked ready for the DMPC’s decision." in office.banner()


def dmpc_approves_with_a_declaration(dmpc: Person):
    page = dmpc.page
    open_case(dmpc)
    dmpc.follow(dmpc.button("Decide"))
    # Staff see Part 2, so the planted string is really in the case: the public checks
    # below can only pass by keeping it back.
    expect(page.get_by_text(PLANTED)).to_be_visible()
    # The report comes first, the decision after it.
    report = page.get_by_role("heading", name="The report, as it will be published")
    decision = page.get_by_role("heading", name="Your decision", exact=True)
    assert report.bounding_box()["y"] < decision.bounding_box()["y"]
    page.get_by_label("Approve", exact=True).check()
    questions = page.get_by_role("group", name=re.compile(r"^Approve recommendation \d+"))
    assert questions.count() >= 1
    for index in range(questions.count()):
        questions.nth(index).get_by_label("Yes", exact=True).check()
    page.get_by_label("Reasons for the decision").fill(
        "The grants fund teams that reduce serious violence, and the MPS budgets the rest."
    )
    alternatives = page.get_by_role("group", name="Were alternatives considered?")
    alternatives.get_by_label("Yes", exact=True).check()
    page.get_by_label("Describe the alternatives considered").fill("Declining the grants.")
    interests = page.get_by_role("group", name="Declaration of interests")
    interests.get_by_label("My interests are", exact=True).check()
    page.get_by_label("Describe the interests you are declaring").fill(
        "My brother volunteers with a youth charity in one of the boroughs."
    )
    page.get_by_label("Your password").fill(PASSWORD)
    dmpc.follow(dmpc.button("Sign the decision"))
    assert "Decision PCD 1 signed: approved." in dmpc.banner()


def agreement_pdf() -> bytes:
    return make_pdf(
        f"Grant agreement: {TITLE}. Signed for the Home Office and the Ministry of Justice."
    )


def manager_uploads_the_agreement(manager: Person, pdf):
    # No staff home queue lists approved cases waiting for their agreement, so the
    # manager finds the case in the list of all cases.
    manager.follow(manager.link("All grant cases you can see"))
    open_case(manager)
    manager.follow(manager.button("Upload the signed grant agreement"))
    manager.page.get_by_label("Upload the signed grant agreement").set_input_files(pdf)
    manager.follow(manager.button("Upload the agreement"))
    assert f"‘{pdf.name}’ has been uploaded." in manager.banner()


def publisher_publishes(publisher: Person):
    publisher.follow(publisher.link("Publication"))
    publisher.follow(publisher.link("PCD 1"))
    publisher.follow(publisher.button("Publish now"))
    assert "PCD 1 has been published" in publisher.banner()


def public_finds_and_checks_it(visitor: Person):
    page = visitor.page
    visitor.visit("/")
    visitor.follow(visitor.button("Search published decisions"))
    page.get_by_label("Search decisions").fill(SEARCH_WORD.lower())
    visitor.follow(visitor.button("Apply filters"))
    expect(page.get_by_role("heading", name="1 decision", exact=True)).to_be_visible()
    check_open_data(
        visitor.download(page.get_by_role("link", name="CSV (spreadsheet)")),
        visitor.download(page.get_by_role("link", name="JSON", exact=True)),
    )

    visitor.follow(visitor.link(f"PCD 1: {TITLE}"))
    check_the_totals(page)
    # The published files: the text of each is scanned for Part 2 with the pages.
    report = json.loads(visitor.fetch(visitor.link("The published report as data (JSON)")))
    assert report["case"]["title"] == TITLE
    form_pdf = visitor.fetch(
        visitor.link("The decision form: the signed decision and Part 1 of the report (PDF)")
    )
    assert TITLE in " ".join(pdf_text(form_pdf).split())
    visitor.fetch(page.get_by_role("link", name=re.compile(r"^Signed grant agreement \(PDF")))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def check_the_totals(page: Page):
    record = page.locator(".govuk-summary-list").first
    expect(record).to_contain_text(f"£{OFFERS_TOTAL:,.2f}")
    expect(record).to_contain_text("Home Office")
    expect(record).to_contain_text("Ministry of Justice")
    expect(page.get_by_text("My brother volunteers with a youth charity")).to_be_visible()
    summary = page.get_by_role("table", name="BAU revenue by financial year (£m)")
    expected_rows = {
        "Grant funding": OFFERS_TOTAL,
        "MPS funding": MATCH_FUNDING,
        "Total budget": PLANNED_SPEND,
        "Planned spend total": PLANNED_SPEND,
        "Variance to budget (-ve saving)": Decimal(0),
        **{unit.name: unit.planned_spend for unit in UNITS},
    }
    for label, amount in expected_rows.items():
        row = summary.get_by_role("row", name=re.compile(f"^{re.escape(label)}"))
        # One budget year, so the year's column and the total column agree.
        assert row.get_by_role("cell").all_inner_texts() == [millions(amount)] * 2, label


def check_open_data(csv_file: bytes, json_file: bytes):
    """The search's open data holds the one decision found, in both formats."""
    [row] = list(csv.DictReader(io.StringIO(csv_file.decode("utf-8-sig"))))
    document = json.loads(json_file)
    [record] = document["decisions"]
    assert document["metadata"]["count"] == 1
    assert document["metadata"]["filters"] == {"q": SEARCH_WORD.lower()}, document["metadata"]
    for entry in (row, record):
        assert entry["reference"] == "PCD 1", entry
        assert entry["title"] == TITLE
        assert entry["outcome"] == "approved"
        assert entry["total_grant_amount"] == f"{OFFERS_TOTAL:.2f}"
        assert "Home Office" in entry["funders"] and "Ministry of Justice" in entry["funders"]
        assert COSTED_YEAR in entry["financial_years"]
        assert entry["url"].endswith("/decisions/pcd-1/")
        assert entry["decision_date"] == timezone.localdate().isoformat()


def assert_no_sideways_scroll(visitor: Person, paths: list[str]):
    """At 320 CSS px wide (a 1280px screen at 400% zoom) nothing scrolls sideways."""
    visitor.page.set_viewport_size({"width": 320, "height": 640})
    for path in paths:
        visitor.visit(path)
        width = visitor.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at 320px"


# The test -------------------------------------------------------------------------------


def test_a_grant_decision_from_a_blank_case_to_the_public_register(
    open_browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    create_demo_users(PASSWORD)
    today = timezone.localdate()
    pdf = tmp_path / "Signed grant agreement.pdf"
    pdf.write_bytes(agreement_pdf())
    people: list[Person] = []

    def as_user(username: str) -> Person:
        people.append(signed_in(open_browser, username))
        return people[-1]

    manager = as_user("manager")
    draft_the_case(manager, today)
    submit_the_case(manager)
    iam_endorses_at_a_meeting(as_user("iam"), today)
    for area in ("finance", "legal", "equalities", "privacy"):
        adviser_signs_off(as_user(area), area)
    dmpc_office_marks_ready(as_user("dmpc-office"))
    dmpc_approves_with_a_declaration(as_user("dmpc"))
    manager_uploads_the_agreement(as_user("manager"), pdf)
    publisher_publishes(as_user("publisher"))

    visitor = open_browser("public")
    people.append(visitor)
    public_finds_and_checks_it(visitor)
    assert_no_sideways_scroll(
        visitor, ["/", "/decisions/", f"/decisions/?q={SEARCH_WORD}", visitor.page.url]
    )
    # Nothing the public was sent, page or file, holds any of Part 2; Part 1 shows that
    # the scan reads the report's text.
    assert len(visitor.received) >= 12
    assert any(SECTIONS["Legal comments"] in text for text in visitor.received)
    for text in visitor.received:
        assert PLANTED not in text and "PART2-CANARY" not in text

    for person in people:
        assert person.unchecked_pages() == [], f"{person.name} loaded pages axe did not check"

    # What the pages did, as the database has it.
    case = GrantCase.objects.get(title=TITLE)
    assert case.state == CaseState.PUBLISHED
    assert PLANTED in case.part2_content
    assert case.units.count() == 3 and sum(u.posts.count() for u in case.units.all()) == 8
    assert case.offers.count() == 2
    assert case.agenda_items.get().outcome == IamOutcome.ENDORSED
    assert SignOff.objects.filter(version__case=case).count() == 4
    decision = Decision.objects.get(case=case)
    assert decision.interests_declared and decision.decided_by.username == "dmpc"
    assert GrantAgreement.objects.get(decision=decision).uploaded_by.username == "manager"
    assert Publication.objects.get(decision=decision).published_at is not None
