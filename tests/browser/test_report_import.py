import re

import pytest
from playwright.sync_api import expect

from grants.models import GrantCase
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.grants.report_documents import SEED_TEXT, word_document

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_report_is_uploaded_checked_and_made_into_a_draft(page, manager, tmp_path):
    report = tmp_path / "ocs-grant-report.docx"
    report.write_bytes(word_document(SEED_TEXT))
    sign_in(page, "manager", PASSWORD)
    page.goto("/staff/cases/")
    page.get_by_role("button", name="Import a report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a report")
    assert_accessible(page)

    page.get_by_label("Upload the report as a Word document").set_input_files(report)
    page.get_by_role("button", name="Read the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what was found in the report")
    not_recognised = page.get_by_role("table", name="What could not be recognised, and where")
    expect(not_recognised.get_by_role("row")).to_have_count(3)
    expect(not_recognised).to_contain_text("table 3, row 13")
    units = page.get_by_role("table", name="Funded units found, with their figures")
    expect(units.get_by_role("row", name=re.compile("^ROCU"))).to_contain_text("2.851")
    page.get_by_text("Posts and costs of ROCU").click()
    rocu = page.get_by_role("table", name="Posts of ROCU")
    expect(rocu.get_by_role("row")).to_have_count(11)
    expect(rocu.get_by_role("row", name=re.compile("^Band C"))).to_contain_text("5")
    expect(page.get_by_role("complementary", name="Checks")).to_contain_text(
        "Band D costs £57,000.00 a year here"
    )
    assert_accessible(page)
    assert not GrantCase.objects.exists()

    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_text("Draft created from the imported report")).to_be_visible()
    case = GrantCase.objects.get()
    assert case.title.startswith("Home Office Grant Organised Crime Specific Grant")
    assert case.units.count() == 5
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)


def test_text_that_is_not_a_report_is_kept_with_an_accessible_error(page, manager):
    sign_in(page, "manager", PASSWORD)
    page.goto("/staff/cases/import/")
    box = page.get_by_label("Or paste the report’s text")
    box.fill("Notes from Tuesday.\nNothing to report.")
    page.get_by_role("button", name="Read the report").click()
    expect(page).to_have_title(re.compile("^Error: Import a report"))
    summary = page.get_by_role("alert")
    summary.get_by_role("link", name=re.compile("does not look like a report")).click()
    expect(box).to_be_focused()
    expect(box).to_have_value("Notes from Tuesday.\nNothing to report.")
    assert_accessible(page)
    assert not GrantCase.objects.exists()
