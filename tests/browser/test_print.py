"""Printing a staff page gives its content only: no navigation, no addresses of the
service's own links, no checks panel, and a header saying what was printed and, for a
case, which version. Chromium prints to PDF with print media; pypdf reads the text back."""

import io
import re
import unicodedata

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from approvals import services
from grants.formatting import long_date
from grants.seed import create_seed_case
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_ready

pytestmark = pytest.mark.django_db(transaction=True)

# The service's frame, on every page: the skip link, the navigation, the phase banner
# and the footer.
FRAME = (
    "Skip to main content",
    "Change password",
    "Sign out",
    "give your feedback",
    "Accessibility statement",
    "Privacy notice",
    "Audit anchors",
)
# Between a case's pages: breadcrumbs and the case's own navigation.
CASE_NAVIGATION = ("Staff home", "Grant cases", "Questions and comments Decision form")


def printed(page) -> str:
    """The page as Chromium prints it, as text with its whitespace made single spaces and
    its ligatures ("ﬁ") letters again."""
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = unicodedata.normalize("NFKC", " ".join(sheet.extract_text() for sheet in reader.pages))
    return " ".join(text.split())


def assert_no_frame(text: str):
    for words in FRAME:
        assert words not in text
    # GOV.UK Frontend would print "(/staff/…)" after each of the service's own links.
    assert "/staff/" not in text and "(/" not in text


def test_a_printed_report_is_its_content_and_names_the_case_and_its_version(page, people):
    case = create_seed_case(people.manager)
    services.submit(case, by=people.manager)
    version = case.current_version()
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    # On screen: the navigation and the checks, and no print header.
    expect(page.get_by_role("heading", name="Checks")).to_be_visible()
    expect(page.get_by_role("navigation", name="Case pages")).to_be_visible()
    expect(page.locator(".app-print-header")).to_be_hidden()

    text = printed(page)
    assert_no_frame(text)
    for words in CASE_NAVIGATION:
        assert words not in text
    assert not re.search(r"\bChecks\b", text)
    assert "warning" not in text
    assert "Show figures in exact pounds" not in text
    submitted = long_date(version.created_at)
    assert (
        f"Grant decisions – MOPAC Case {case.pk}: {case.title} — version 1 (submitted {submitted})"
        in text
    )
    # The content: the report's title, and its funding, unit by unit, with the totals.
    assert text.count(case.title) >= 2
    assert "Planned spend total" in text and "3.748" in text
    assert "ROCU" in text and "2.851" in text

    page.emulate_media(media="print")
    expect(page.locator(".app-print-header")).to_be_visible()
    expect(page.get_by_role("navigation", name="Case pages")).to_be_hidden()


def test_a_printed_draft_says_it_is_the_current_draft(page, people):
    case = create_seed_case(people.manager)
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/edit/")
    expect(page.locator(".app-checks")).to_be_visible()

    text = printed(page)
    assert_no_frame(text)
    assert f"Case {case.pk}: {case.title} — current draft, never submitted" in text
    assert not re.search(r"\bChecks\b", text) and "to check" not in text


def test_the_printed_decision_page_is_what_the_dmpc_reads_without_the_form(page, people):
    case = make_case(people.manager, title="Serious violence grant")
    to_ready(case, people)
    sign_in(page, "dmpc", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/decide/")
    expect(page.get_by_role("heading", name="Your decision")).to_be_visible()

    text = printed(page)
    assert_no_frame(text)
    assert f"Case {case.pk}: Serious violence grant — version 1 (submitted" in text
    assert "Officer and clearance checklist" in text and "Finance content." in text
    assert "Your decision" not in text and "Your password" not in text
    assert "Skip to your decision" not in text


def test_the_printed_staff_home_has_no_navigation(page, people):
    sign_in(page, "manager", PASSWORD)
    expect(page.locator(".app-print-header")).to_be_hidden()

    text = printed(page)
    assert_no_frame(text)
    assert "Grant decisions – MOPAC Staff home" in text


def test_the_printed_decision_form_is_the_form_alone(page, people):
    case = create_seed_case(people.manager)
    to_ready(case, people)
    sign_in(page, "dmpc-office", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/versions/1/decision-form/")
    text = printed(page)
    assert_no_frame(text)
    for words in CASE_NAVIGATION:
        assert words not in text
    assert "Download the decision form" not in text
    assert f"Decision form (DRAFT): Case {case.pk}: {case.title}" in text
    assert "version 1 (submitted" in text
    assert "DRAFT – not yet signed" in text
    assert "Officer and clearance checklist" in text
