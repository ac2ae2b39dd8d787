"""The rate card and offer letters in a real browser: an administrator keeps the card;
a grants manager choosing a grade gets its cost filled in and uploads an offer's letter.
Every page passes the accessibility engines."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from approvals.accounts.roles import Role
from grants.models import OfferLetter, RateCardEntry
from grants.rate_card.services import add_rate
from grants.seed import create_seed_case
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_pdf, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def administrator():
    return make_user("administrator", Role.ADMINISTRATOR)


def test_an_administrator_adds_changes_and_removes_a_grade(page, administrator):
    add_rate(by=administrator, grade="Band C", financial_year=2023, annual_cost=Decimal(70800))
    sign_in(page, "administrator", PASSWORD)
    page.get_by_role("link", name="Rate card: the annual cost of each grade").click()
    page.goto("/staff/rate-card/?year=2023/24")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate card 2023/24")
    assert_accessible(page)

    page.get_by_role("button", name="Add a grade to the rate card").click()
    expect(page.get_by_label("Financial year")).to_have_value("2023/24")
    page.get_by_label("Grade or rank").fill("Band D")
    page.get_by_label("Annual cost").fill("fifty thousand")
    page.get_by_role("button", name="Add to the rate card").click()
    expect(page).to_have_title(re.compile("^Error: Add a grade"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.get_by_label("Grade or rank")).to_have_value("Band D")
    assert_accessible(page)
    page.get_by_role("alert").get_by_role("link").click()
    expect(page.get_by_label("Annual cost")).to_be_focused()
    page.get_by_label("Annual cost").fill("£52,600")
    page.get_by_role("button", name="Add to the rate card").click()

    expect(page.get_by_text("Band D has been added to the 2023/24 rate card")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("^Band D"))
    expect(row).to_contain_text("£52,600.00")
    assert_accessible(page)

    row.get_by_role("link", name="Change Band D").click()
    page.get_by_label("Annual cost").fill("53000")
    assert_accessible(page)
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_role("row", name=re.compile("^Band D"))).to_contain_text("£53,000.00")

    page.get_by_role("row", name=re.compile("^Band D")).get_by_role(
        "link", name="Remove Band D"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to remove Band D?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Remove Band D").click()
    expect(page.get_by_text("Band D has been removed from the 2023/24 rate card")).to_be_visible()
    assert list(RateCardEntry.objects.values_list("grade", flat=True)) == ["Band C"]


def test_choosing_a_grade_on_the_card_fills_in_its_cost(page, manager, administrator):
    add_rate(by=administrator, grade="Band D", financial_year=2023, annual_cost=Decimal(52600))
    case = create_seed_case(manager)
    rocu = case.units.get(name="ROCU")
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/edit/units/{rocu.pk}/")
    expect(page.get_by_text("Choosing one fills in its annual cost")).to_be_visible()

    page.get_by_label("Grade or rank, post 11", exact=True).fill("band d")
    cost = page.get_by_label("Annual cost, post 11", exact=True)
    expect(cost).to_have_value("52,600.00")
    expect(page.locator("#rate-card-grades-status")).to_have_text(
        "Annual cost filled in from the 2023/24 rate card: £52,600.00 for Band D."
    )
    # Typed on past the card's grade, the cost filled in for it goes; back, it returns.
    page.get_by_label("Grade or rank, post 11", exact=True).fill("Band D (CoLP)")
    expect(cost).to_have_value("")
    page.get_by_label("Grade or rank, post 11", exact=True).fill("Band D")
    expect(cost).to_have_value("52,600.00")
    # A cost someone typed is not replaced.
    page.get_by_label("Annual cost, post 12", exact=True).fill("60000")
    page.get_by_label("Grade or rank, post 12", exact=True).fill("Band D")
    expect(page.get_by_label("Annual cost, post 12", exact=True)).to_have_value("60000")
    assert_accessible(page)

    # A row the table's script adds is filled in as well.
    page.get_by_role("button", name="Add another post").click()
    added = page.locator('input[name$="-grade"]').last
    added.click()
    added.fill("Band D")
    expect(page.locator('input[name$="-annual_cost"]').last).to_have_value("52,600.00")
    page.get_by_role("button", name=re.compile("^Remove")).last.click()

    page.get_by_label("Grant-funded FTE, post 11", exact=True).fill("1")
    page.get_by_label("Grade or rank, post 12", exact=True).fill("")
    page.get_by_label("Annual cost, post 12", exact=True).fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Posts and costs for ROCU saved")).to_be_visible()
    assert rocu.posts.get(position=11).annual_cost == Decimal(52600)


def test_a_grants_manager_uploads_and_removes_an_offer_letter(page, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = create_seed_case(manager)
    letter = tmp_path / "Home Office offer.pdf"
    letter.write_bytes(make_pdf("Offer letter"))
    not_a_pdf = tmp_path / "offer.pdf"
    not_a_pdf.write_bytes(b"Dear MOPAC")

    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/edit/offers/")
    assert_accessible(page)
    page.get_by_role("link", name="Add the letter of offer 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offer letter")
    assert_accessible(page)

    page.get_by_label("Upload the offer letter").set_input_files(not_a_pdf)
    page.get_by_role("button", name="Upload the letter").click()
    expect(page.get_by_role("alert")).to_contain_text("The selected file must be a PDF")
    assert_accessible(page)

    page.get_by_label("Upload the offer letter").set_input_files(letter)
    page.get_by_role("button", name="Upload the letter").click()
    expect(page.get_by_text("has been uploaded as offer 1’s letter")).to_be_visible()
    expect(page.get_by_role("link", name="Home Office offer.pdf (PDF")).to_be_visible()
    assert OfferLetter.objects.get().offer.funder.name == "Home Office"

    page.goto(f"/staff/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Offer letters")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Home Office offer.pdf"))).to_be_visible()
    assert_accessible(page)

    page.goto(f"/staff/cases/{case.pk}/edit/offers/")
    page.get_by_role("link", name="Change the letter of offer 1").click()
    page.get_by_role("link", name="Remove the offer letter").click()
    assert_accessible(page)
    page.get_by_role("button", name="Remove the offer letter").click()
    expect(page.get_by_text("Offer 1’s letter has been removed")).to_be_visible()
    assert not OfferLetter.objects.exists()
