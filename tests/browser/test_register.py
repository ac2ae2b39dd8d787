"""The public register in a real browser: accessible, usable with the search form, and
readable on a 320px-wide screen without scrolling sideways."""

import pytest

from approvals.publication import services as publishing
from tests.browser.helpers import assert_accessible
from tests.workflow import bulk_publish, publish

pytestmark = pytest.mark.django_db(transaction=True)

# A long word that cannot break at a space: it must wrap, not widen the page.
LONG_WORD = "Counterterrorismpolicingheadquartersinfrastructureprogramme"


@pytest.fixture
def register(people):
    corrected = publish(
        people,
        title=f"Helicopter support for the {LONG_WORD}",
        part2_content="Exempt detail.",
        part2_exemption_reason="Operations.",
    )
    publishing.publish_correction(
        corrected,
        by=people.publisher,
        note="Corrected the reasons.",
        changes={"reasons": "Represents good value for London."},
    )
    bulk_publish(publish(people, title="Violence reduction"), 25)
    return corrected


def test_the_register_list_is_accessible(page, register):
    page.goto("/decisions/")
    assert page.get_by_role("heading", level=1).inner_text() == "Published grant decisions"
    assert page.get_by_role("heading", name="27 decisions").is_visible()
    assert page.get_by_role("navigation", name="Pagination").is_visible()
    assert_accessible(page)


def test_a_search_with_the_form_is_accessible(page, register):
    page.goto("/decisions/")
    page.get_by_label("Search decisions").fill("helicopter")
    page.get_by_label("Funder").select_option("Home Office")
    page.get_by_label("Approved", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "q=helicopter" in url)
    assert page.get_by_role("heading", name="1 decision", exact=True).is_visible()
    assert page.get_by_role("link", name=f"PCD 1: Helicopter support for the {LONG_WORD}")
    assert_accessible(page)


def test_a_bad_filter_shows_an_accessible_error_summary(page, register):
    page.goto("/decisions/?year=banana")
    summary = page.locator(".govuk-error-summary")
    assert "Enter a financial year like 2023/24" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)


def test_the_decision_page_is_accessible(page, register):
    page.goto("/decisions/")
    page.get_by_role("link", name=f"PCD 1: Helicopter support for the {LONG_WORD}").click()
    page.wait_for_url("**/decisions/pcd-1/")
    assert LONG_WORD in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="History of this record").is_visible()
    assert "Exempt detail." not in page.content()
    assert_accessible(page)


def test_the_page_about_the_open_data_is_reached_from_the_register_and_accessible(page, register):
    page.goto("/decisions/")
    page.get_by_role("link", name="about the open data").click()
    page.wait_for_url("**/open-data/")
    assert page.get_by_role("heading", level=1).inner_text() == "About the open data"
    fields = page.get_by_role("table", name="Fields")
    names = fields.locator("tbody th").all_inner_texts()
    assert names[0] == "reference" and names[-1] == "url" and len(names) == 9
    assert page.get_by_role("link", name="Open Government Licence v3.0").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="The data package").click()
    assert page.evaluate("JSON.parse(document.body.innerText).licenses[0].name") == "OGL-UK-3.0"


@pytest.mark.parametrize(
    "path", ["/decisions/", "/decisions/?q=helicopter", "/decisions/pcd-1/", "/open-data/"]
)
def test_nothing_scrolls_sideways_at_320_pixels_wide(page, register, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
