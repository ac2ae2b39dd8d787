"""An imported record of the earlier register in a real browser: on the register and on
its own page, accessible, and readable on a narrow screen."""

import pytest

from approvals.publication import historic
from tests.browser.helpers import assert_accessible
from tests.publication.historic_files import csv_bytes, historic_row, small_pdf

pytestmark = pytest.mark.django_db(transaction=True)

LONG_WORD = "Counterterrorismpolicingheadquartersinfrastructureprogramme"


@pytest.fixture
def imported(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    files = tmp_path / "files"
    files.mkdir()
    (files / "pcd-412.pdf").write_bytes(small_pdf("PCD 412"))
    rows = [
        historic_row(
            412,
            title=f"Funding for the {LONG_WORD}",
            summary="MOPAC accepts the grant.\n\nThe Home Office offered it for two years.",
            financial_years="2016/17; 2017/18",
            pdf="pcd-412.pdf",
        ),
        historic_row(
            413, title="A decision with few facts", outcome="", funders="", total_grant_amount=""
        ),
    ]
    historic.import_decisions(csv_bytes(rows), files=files, source="earlier.csv")


def test_an_imported_decisions_page_is_accessible(page, imported):
    page.goto("/decisions/")
    assert page.get_by_text("Imported from the earlier register").first.is_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"PCD 412: Funding for the {LONG_WORD}").click()
    page.wait_for_url("**/decisions/pcd-412/")
    assert LONG_WORD in page.get_by_role("heading", level=1).inner_text()
    assert "This is an imported record." in page.locator("#imported-record").inner_text()
    assert page.get_by_role("link", name="The decision as published on the earlier register")
    assert_accessible(page)


def test_an_imported_record_without_figures_or_pdf_is_accessible(page, imported):
    page.goto("/decisions/pcd-413/")
    assert (
        "The earlier register gave no PDF of it." in page.locator("#imported-record").inner_text()
    )
    assert page.get_by_text("Decision not recorded", exact=True).is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/decisions/", "/decisions/pcd-412/"])
def test_nothing_scrolls_sideways_at_320_pixels_wide(page, imported, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
