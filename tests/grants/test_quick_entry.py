"""Entering a unit's posts quickly: pasted from a spreadsheet, added without a round trip,
and on to the next unit in one save; and the units page marking allocations that do not
add up to the offers. Driven through the test client as a browser would."""

import re
from decimal import Decimal

import pytest

from approvals.models import AuditAction, AuditEvent
from grants.models import FundedUnit, GrantCase, GrantOffer
from grants.money import MONEY_HELP
from tests.grants.editor_pages import error_summary, form_values, make_draft, submit, url
from tests.grants.test_editor import POST_QUERIES

pytestmark = pytest.mark.django_db

HEADING = "Grade or rank\tAnnual cost\tGrant-funded FTE\tMatch-funded FTE\tGroup"
GRADES = [
    ("Detective Inspector", "£102,400.00", "1", "1", "RART (Frontline Officers)"),
    ("Detective Sergeant", "£79,980", "2", "", "RART (Frontline Officers)"),
    ("Detective Constable", "66,230", "6", "2", "RART (Frontline Officers)"),
    ("Police Staff Band C", "£0.0708m", "1", "", "Regional Prison Intelligence"),
    ("Police Staff Band D", "53000", "0.5", "0.5", "Regional Prison Intelligence"),
    ("Financial Investigator", "£61,100", "1", "", ""),
]
# 18 good rows: the grades three times over.
GOOD_ROWS = ["\t".join(cells) for cells in GRADES * 3]
BAD_ROWS = [
    "Detective Sargent\tsixty thousand\t1",
    "Analyst Band B\t55000\tone\t\tAsset Confiscation Enforcement Team",
]


def twenty_posts() -> str:
    """What a spreadsheet copies: a heading, then 20 posts of which rows 8 and 16 of the
    paste (its 7th and 15th posts) cannot be added."""
    rows = list(GOOD_ROWS)
    rows.insert(6, BAD_ROWS[0])
    rows.insert(14, BAD_ROWS[1])
    return "\r\n".join([HEADING, *rows]) + "\r\n"


def saved_posts(unit) -> list[tuple]:
    return list(
        unit.posts.order_by("position").values_list(
            "grade", "annual_cost", "grant_fte", "match_fte", "group"
        )
    )


def test_twenty_pasted_posts_with_two_bad_rows_save_eighteen_and_name_the_two(
    manager_client, draft, unit
):
    page = url("edit-unit", draft, unit.pk)
    response = submit(manager_client, page, {"paste-rows": twenty_posts()})

    # The 18 good rows follow the post already there, in the order pasted.
    assert response.status_code == 200
    posts = saved_posts(unit)
    assert len(posts) == 19
    assert posts[0][0] == "Detective Constable 1"
    assert posts[1:4] == [
        (
            "Detective Inspector",
            Decimal("102400.00"),
            Decimal("1.00"),
            Decimal("1.00"),
            "RART (Frontline Officers)",
        ),
        (
            "Detective Sergeant",
            Decimal("79980.00"),
            Decimal("2.00"),
            Decimal("0.00"),
            "RART (Frontline Officers)",
        ),
        (
            "Detective Constable",
            Decimal("66230.00"),
            Decimal("6.00"),
            Decimal("2.00"),
            "RART (Frontline Officers)",
        ),
    ]
    assert [grade for grade, *_ in posts[1:]] == [grade for grade, *_ in GRADES * 3]
    assert posts[4][1] == Decimal("70800.00")  # £0.0708m

    # The two rows that could not be added stay in the box, each named with its problem.
    html = response.content.decode()
    assert "<title>Error: Posts and costs: ACE" in html
    assert "Posts and costs for ACE saved, with 18 pasted rows added as posts" in html
    assert error_summary(html) == [
        ("id_paste-rows", f"Row 1, annual cost: {MONEY_HELP}"),
        (
            "id_paste-rows",
            "Row 2, grant-funded FTE: Grant-funded FTE must be a number, like 1 or 0.5",
        ),
    ]
    values = form_values(html)
    assert values["paste-rows"] == "\n".join(BAD_ROWS)
    assert "These rows were not added." in html
    assert re.search(r"<details class=\"govuk-details\" open>", html)
    assert (
        'aria-describedby="id_paste-rows_hint id_paste-rows_1_error id_paste-rows_2_error"' in html
    )
    # The page is of the saved unit: its 19 posts are rows of the table, and the lock is
    # the new version, so fixing the two rows and saving again adds them.
    assert values["posts-INITIAL_FORMS"] == "19"
    assert values["posts-4-grade"] == "Police Staff Band C"
    assert values["lock_version"] == str(GrantCase.objects.get(pk=draft.pk).lock_version)

    fixed = "Detective Sergeant\t60,000\t1\nAnalyst Band B\t55000\t1\t\tACE"
    response = manager_client.post(page, values | {"paste-rows": fixed})
    assert response.status_code == 302
    assert response["Location"] == url("task-list", draft)
    assert [post[:3] for post in saved_posts(unit)[19:]] == [
        ("Detective Sergeant", Decimal("60000.00"), Decimal("1.00")),
        ("Analyst Band B", Decimal("55000.00"), Decimal("1.00")),
    ]


def test_pasted_posts_are_audited_with_the_rest_of_the_save(manager_client, draft, unit):
    submit(manager_client, url("edit-unit", draft, unit.pk), {"paste-rows": "\n".join(GOOD_ROWS)})
    event = AuditEvent.objects.filter(case=draft, action=AuditAction.CASE_EDITED).get()
    grades = [
        change["after"]
        for change in event.details["changes"]
        if change["before"] is None and change["field"][-1] == "grade"
    ]
    assert sorted(grades) == sorted(grade for grade, *_ in GRADES * 3)
    assert unit.posts.count() == 19


def test_a_paste_with_a_table_error_saves_nothing_and_keeps_every_row(manager_client, draft, unit):
    page = url("edit-unit", draft, unit.pk)
    response = submit(
        manager_client, page, {"paste-rows": twenty_posts(), "posts-0-annual_cost": "lots"}
    )
    html = response.content.decode()
    assert error_summary(html) == [
        ("id_posts-0-annual_cost", f"Post 1: {MONEY_HELP}"),
        ("id_paste-rows", f"Row 8, annual cost: {MONEY_HELP}"),
        (
            "id_paste-rows",
            "Row 16, grant-funded FTE: Grant-funded FTE must be a number, like 1 or 0.5",
        ),
    ]
    assert form_values(html)["paste-rows"] == twenty_posts()  # exactly as pasted
    assert '<details class="govuk-details" open>' in html  # the box is not hidden
    assert unit.posts.count() == 1
    assert GrantCase.objects.get(pk=draft.pk).lock_version == 0


def test_a_paste_on_a_stale_page_is_refused_and_kept(manager_client, draft, unit):
    page = url("edit-unit", draft, unit.pk)
    values = form_values(manager_client.get(page).content.decode())
    GrantCase.objects.filter(pk=draft.pk).update(lock_version=5)
    response = manager_client.post(page, values | {"paste-rows": "\n".join(GOOD_ROWS)})
    assert response.status_code == 409
    assert form_values(response.content.decode())["paste-rows"] == "\n".join(GOOD_ROWS)
    assert unit.posts.count() == 1


def test_a_paste_of_good_rows_takes_a_fixed_number_of_queries(
    manager_client, manager, django_assert_max_num_queries
):
    case = make_draft(manager, posts=40)
    page = url("edit-unit", case, case.units.get().pk)
    values = form_values(manager_client.get(page).content.decode())
    # As many as a save of the table alone (tests/grants/test_editor.py).
    with django_assert_max_num_queries(POST_QUERIES):
        response = manager_client.post(page, values | {"paste-rows": "\n".join(GOOD_ROWS * 5)})
    assert response.status_code == 302
    assert case.units.get().posts.count() == 130


def test_save_and_go_to_the_next_unit(manager_client, draft, unit):
    drugs = FundedUnit.objects.create(case=draft, name="Drugs Strategy", position=2)
    html = manager_client.get(url("edit-unit", draft, unit.pk)).content.decode()
    assert re.search(r'name="then" value="next"[^>]*>Save and go to Drugs Strategy</button>', html)
    response = submit(
        manager_client,
        url("edit-unit", draft, unit.pk),
        {"paste-rows": GOOD_ROWS[0], "then": "next"},
    )
    assert response["Location"] == url("edit-unit", draft, drugs.pk)
    assert unit.posts.count() == 2

    # The last unit goes on to the task list.
    html = manager_client.get(url("edit-unit", draft, drugs.pk)).content.decode()
    assert 'value="next"' not in html
    response = submit(manager_client, url("edit-unit", draft, drugs.pk), {"then": "next"})
    assert response["Location"] == url("task-list", draft)


def test_rows_added_in_the_browser_are_saved(manager_client, draft, unit):
    """row-tables.js copies the formset's empty form for each row it adds and counts it
    in TOTAL_FORMS; the server takes those rows as any other."""
    page = url("edit-unit", draft, unit.pk)
    html = manager_client.get(page).content.decode()
    template = re.search(r"<template data-row-template>(.*?)</template>", html, re.DOTALL)[1]
    assert 'name="posts-__prefix__-grade"' in template
    assert "Grade or rank, post __number__" in template
    assert 'name="posts-__prefix__-DELETE"' not in template

    values = form_values(html)
    total = int(values["posts-TOTAL_FORMS"])
    added = {
        f"posts-{total}-grade": "Detective Inspector",
        f"posts-{total}-annual_cost": "102400",
        f"posts-{total}-grant_fte": "1",
        f"posts-{total}-group": "Asset Confiscation Enforcement Team",
        "posts-TOTAL_FORMS": str(total + 1),
    }
    assert manager_client.post(page, values | added).status_code == 302
    assert saved_posts(unit)[-1] == (
        "Detective Inspector",
        Decimal("102400.00"),
        Decimal("1.00"),
        Decimal("0.00"),
        "Asset Confiscation Enforcement Team",
    )


def test_the_unit_page_totals_grant_funded_and_match_funded_fte(manager_client, draft, unit):
    submit(manager_client, url("edit-unit", draft, unit.pk), {"posts-0-match_fte": "0.5"})
    html = manager_client.get(url("edit-unit", draft, unit.pk)).content.decode()
    totals = re.search(r"<tfoot>(.*?)</tfoot>", html, re.DOTALL)[1]
    cells = re.findall(r'data-total="([a-z_]+)">([^<]*)<', totals)
    assert cells == [
        ("grant_fte", "1"),
        ("match_fte", "0.5"),
        ("grant_cost", "£66,230.00"),
        ("match_cost", "£33,115.00"),
        ("total_cost", "£99,345.00"),
    ]
    summary = html.split("Totals for ACE", 1)[1]
    assert re.search(r"Match-funded FTE</dt>\s*<dd[^>]*>0.5</dd>", summary)


def test_the_units_page_marks_allocations_that_do_not_add_up_to_the_offers(
    manager_client, draft, unit
):
    page = url("edit-units", draft)
    html = manager_client.get(page).content.decode()
    assert "govuk-error-summary" not in html  # £100,000 allocated of £100,000 offered
    assert re.search(r">Grant-funded FTE</th>.*>Match-funded FTE</th>", html, re.DOTALL)

    GrantOffer.objects.filter(case=draft).update(amount=Decimal("150000"))
    html = manager_client.get(page).content.decode()
    message = (
        "The units’ grant allocations for 2023/24 total £100,000.00 but the offers for 2023/24 "
        "total £150,000.00. They must be equal."
    )
    assert error_summary(html) == [("id_units-0-grant_allocation", message)]
    assert "<title>Error: Funded units" in html
    assert (
        '<p class="govuk-error-message" id="allocations-error"><span '
        f'class="govuk-visually-hidden">Error:</span> {message}</p>'
    ) in html
    # Each allocation is described by the message, so it is read out at the box.
    allocations = re.findall(r'<input [^>]*name="units-\d+-grant_allocation"[^>]*>', html)
    assert len(allocations) == 3
    assert all('aria-describedby="allocations-error"' in box for box in allocations)

    # Put right where it is entered, the mark goes.
    response = submit(manager_client, page, {"units-0-grant_allocation": "150,000"}, follow=True)
    assert "but the offers for" not in response.content.decode()
    assert "govuk-error-summary" not in manager_client.get(page).content.decode()
