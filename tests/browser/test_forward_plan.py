"""The forward plan in a real browser: the DMPC office finds it from its home, puts a case
on it (an error first, with what it typed kept), changes and takes off entries; the public
reads the plan. Every page is checked by every engine at desktop and phone widths."""

import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from approvals import forward_plan
from tests.browser.helpers import ARTIFACTS, assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db(transaction=True)
NEXT_YEAR = timezone.localdate().year + 1
SHOTS = Path("/tmp/shots-forwardplan")


def checked(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        path = ARTIFACTS / f"forward-plan-{name}-{width}.png"
        page.screenshot(path=path, full_page=True)
        if SHOTS.is_dir():
            shutil.copy(path, SHOTS / path.name)
    page.set_viewport_size({"width": 1280, "height": 720})


def test_the_public_reads_an_empty_plan(page):
    page.goto("/")
    page.get_by_role("link", name="forward plan", exact=True).click()
    assert page.get_by_role("heading", level=1, name="Forward plan: grant decisions expected")
    assert page.get_by_text("No decisions are on the forward plan at the moment.").is_visible()
    checked(page, "public-empty")


def test_the_office_keeps_the_plan_and_the_public_reads_it(page, people):
    case = make_case(
        people.manager, title="Serious violence grant 2027/28 (working title)",
        needed_by=timezone.localdate().replace(year=NEXT_YEAR, month=4, day=30),
    )  # fmt: skip
    to_iam(case, people)
    other = make_case(people.manager, title="Victims’ services grant")
    to_dmpc_review(other, people)
    forward_plan.plan_decision(
        other,
        by=people.dmpc_office,
        title="Accepting the Ministry of Justice’s grant for victims’ services",
        funders=["Home Office"],
        needed_by=timezone.localdate().replace(year=NEXT_YEAR, month=2, day=1),
    )

    sign_in(page, "dmpc-office", PASSWORD)
    page.get_by_role(
        "link", name="Forward plan: the decisions the public is told to expect"
    ).click()
    assert page.get_by_role("heading", level=1, name="Forward plan").is_visible()
    checked(page, "staff-list")

    page.get_by_role("row", name=case.title).get_by_role("link", name="Add to the plan").click()
    title = page.get_by_label("Title on the forward plan")
    assert title.input_value() == case.title
    assert page.get_by_label("Home Office").is_checked()
    assert page.get_by_label("Month", exact=True).input_value() == "4"
    title.fill("")
    page.get_by_label("Month", exact=True).fill("13")
    page.get_by_role("button", name="Add to the forward plan").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role("link", name="Enter the title the forward plan shows").is_visible()
    assert page.get_by_label("Month", exact=True).input_value() == "13"
    checked(page, "entry-errors")

    summary.get_by_role("link", name="Enter the title the forward plan shows").click()
    page.keyboard.type("Accepting the Home Office’s grant to reduce serious violence")
    page.get_by_label("Month", exact=True).fill("5")
    page.get_by_role("button", name="Add to the forward plan").click()
    assert page.get_by_text("has been added to the forward plan").is_visible()
    checked(page, "staff-list-after")

    page.get_by_role("row", name="Home Office’s grant").get_by_role("link", name="Change").click()
    checked(page, "entry-change")
    page.get_by_role("link", name="Take this entry off the forward plan").click()
    checked(page, "remove")
    page.get_by_role("link", name="Cancel").click()

    page.goto("/forward-plan/")
    rows = page.locator(".app-forward-plan tbody tr")
    assert rows.count() == 2
    assert "Ministry of Justice" in rows.nth(0).inner_text()  # February before May
    assert f"May {NEXT_YEAR}" in rows.nth(1).inner_text()
    assert "working title" not in page.content()
    checked(page, "public")
