"""The case editor, driven through the test client as a grants manager would use it:
each test reads the page's form as a browser would, changes some fields, and posts it."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.accounts.roles import Role
from grants import services
from grants.models import (
    CaseState,
    GrantCase,
    Recommendation,
)
from grants.money import MONEY_HELP
from grants.sections import SECTION_BY_FIELD
from grants.seed import create_seed_case
from tests.factories import make_user
from tests.grants.editor_pages import (
    error_summary,
    form_values,
    make_draft,
    submit,
    task_status,
    url,
)

pytestmark = pytest.mark.django_db


# Starting a case -------------------------------------------------------------------------


def test_a_manager_starts_a_case_and_lands_on_its_task_list(manager_client, manager):
    response = manager_client.post(
        reverse("grants:case-create"),
        {"title": "OCS Grant 2024", "scheme": "", "financial_year": "2024/25"},
        follow=True,
    )
    case = GrantCase.objects.get()
    assert response.redirect_chain == [(url("task-list", case), 302)]
    assert (case.title, case.financial_year, case.owner, case.state) == (
        "OCS Grant 2024",
        2024,
        manager,
        CaseState.DRAFT,
    )
    assert list(case.budget_years.values_list("financial_year", flat=True)) == [2024]
    html = response.content.decode()
    assert "Grant case created" in html
    assert task_status(html, "offers") == "Not started"
    assert task_status(html, "budget-years") == "Completed"
    assert "Add the grant offers." in html


def test_starting_a_case_explains_what_is_missing_and_creates_nothing(manager_client):
    response = manager_client.post(
        reverse("grants:case-create"), {"title": "", "scheme": "", "financial_year": "2024"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Start a grant case" in html
    assert error_summary(html) == [
        ("id_title", "Enter the title of the case"),
        ("id_financial_year", "Enter a financial year like 2023/24"),
    ]
    assert not GrantCase.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "dmpc", "iam"])
def test_only_grants_managers_may_start_a_case(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("grants:case-create")).status_code == 403
    response = client.post(
        reverse("grants:case-create"), {"title": "Mine", "financial_year": "2024/25"}
    )
    assert response.status_code == 403
    assert not GrantCase.objects.exists()


# A whole draft, and the checks following it ------------------------------------------------


def test_a_manager_drafts_offers_units_and_posts_and_the_checks_follow(manager_client):
    manager_client.post(
        reverse("grants:case-create"), {"title": "OCS Grant", "financial_year": "2023/24"}
    )
    case = GrantCase.objects.get()

    # Two offers: the second added after "Save and add more rows".
    response = submit(
        manager_client,
        url("edit-offers", case),
        {"offers-0-new_funder": "Home Office", "offers-0-amount": "£1.201m", "then": "more"},
    )
    assert response["Location"] == url("edit-offers", case)
    response = submit(
        manager_client,
        url("edit-offers", case),
        {
            "offers-1-new_funder": "East Midlands Special Operations Unit",
            "offers-1-amount": "500,000",
            "offers-1-offer_date_0": "1",
            "offers-1-offer_date_1": "9",
            "offers-1-offer_date_2": "2023",
        },
        follow=True,
    )
    assert "Grant offers saved" in response.content.decode()
    offers = list(
        case.offers.order_by("position").values_list(
            "funder__name", "amount", "financial_year", "offer_date"
        )
    )
    assert offers == [
        ("Home Office", Decimal("1201000.00"), 2023, None),
        (
            "East Midlands Special Operations Unit",
            Decimal("500000.00"),
            2023,
            datetime.date(2023, 9, 1),
        ),
    ]

    mismatch = (
        "grant allocations for 2023/24 total £0.00 but the offers for 2023/24 total £1,701,000.00"
    )
    html = manager_client.get(url("task-list", case)).content.decode()
    assert mismatch in html
    assert task_status(html, "offers") == "Completed"
    assert task_status(html, "units") == "Has problems"

    # Two units whose allocations fall short of the offers…
    submit(
        manager_client,
        url("edit-units", case),
        {
            "units-0-name": "ROCU",
            "units-0-grant_allocation": "£1,000,000",
            "units-1-name": "ACE",
            "units-1-grant_allocation": "0.5m",
        },
    )
    assert list(case.units.values_list("name", "grant_allocation")) == [
        ("ROCU", Decimal("1000000.00")),
        ("ACE", Decimal("500000.00")),
    ]
    html = manager_client.get(url("task-list", case)).content.decode()
    assert (
        "grant allocations for 2023/24 total £1,500,000.00 but the offers for 2023/24 total "
        "£1,701,000.00"
    ) in html
    assert task_status(html, "units") == "Has problems"

    # …then corrected, and the finding goes.
    submit(manager_client, url("edit-units", case), {"units-1-grant_allocation": "701,000"})
    html = manager_client.get(url("task-list", case)).content.decode()
    assert "but the offers for" not in html
    assert task_status(html, "units") == "Completed"

    rocu = case.units.get(name="ROCU")
    # A unit given more grant than it plans to spend is a problem until its posts are in.
    assert task_status(html, f"unit-{rocu.pk}") == "Has problems"
    assert (
        "The grant allocation for 2023/24 (£1.000m) is more than the planned spend in 2023/24 "
        "(£0.000m)."
    ) in html
    response = submit(
        manager_client,
        url("edit-unit", case, rocu.pk),
        {
            "posts-0-group": "RART (Frontline Officers)",
            "posts-0-grade": "Detective Inspector",
            "posts-0-annual_cost": "102,400",
            "posts-0-grant_fte": "1",
            "posts-0-match_fte": "1",
            "posts-1-grade": "Band C",
            "posts-1-annual_cost": "£0.0708m",
            "posts-1-grant_fte": "10",
            "costs-0-description": "Overtime",
            "costs-0-amount": "100000",
        },
        follow=True,
    )
    assert "Posts and costs for ROCU saved" in response.content.decode()
    assert list(
        rocu.posts.values_list(
            "group", "grade", "annual_cost", "grant_fte", "match_fte", "position"
        )
    ) == [
        (
            "RART (Frontline Officers)",
            "Detective Inspector",
            Decimal("102400.00"),
            Decimal("1.00"),
            Decimal("1.00"),
            1,
        ),
        ("", "Band C", Decimal("70800.00"), Decimal("10.00"), Decimal("0.00"), 2),
    ]
    assert list(rocu.cost_lines.values_list("description", "amount")) == [
        ("Overtime", Decimal("100000.00"))
    ]

    # The unit's page shows each post's costs and the unit's totals.
    html = manager_client.get(url("edit-unit", case, rocu.pk)).content.decode()
    assert "£204,800.00" in html  # Detective Inspector: 102,400 grant + 102,400 match
    assert "£708,000.00" in html  # Band C: 10 × 70,800
    assert "£1,012,800.00 (£1.013m)" in html  # planned spend: 204,800 + 708,000 + 100,000
    assert (
        task_status(manager_client.get(url("task-list", case)).content.decode(), f"unit-{rocu.pk}")
        == "Completed"
    )
    assert GrantCase.objects.get().lock_version == 5  # one for each save


# Money that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["sixty-six thousand", "66.000,00", "1e6", "--5"])
def test_unreadable_money_is_refused_with_the_money_help_and_nothing_is_saved(
    manager_client, draft, unit, typed
):
    response = submit(
        manager_client,
        url("edit-unit", draft, unit.pk),
        {"posts-0-grade": "Detective Sergeant", "posts-0-annual_cost": typed},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Posts and costs: ACE" in html
    assert error_summary(html) == [("id_posts-0-annual_cost", f"Post 1: {MONEY_HELP}")]
    assert f'<span class="govuk-visually-hidden">Error:</span> {MONEY_HELP}' in html
    assert 'aria-describedby="id_posts-0-annual_cost_1_error"' in html
    assert f'value="{typed}"' in html  # what was typed stays on the page
    post = unit.posts.get()
    assert (post.grade, post.annual_cost) == ("Detective Constable 1", Decimal("66230.00"))
    assert GrantCase.objects.get(pk=draft.pk).lock_version == 0


def test_a_negative_amount_is_refused_in_plain_words(manager_client, draft):
    response = submit(manager_client, url("edit-offers", draft), {"offers-0-amount": "-5"})
    html = response.content.decode()
    assert error_summary(html) == [
        ("id_offers-0-amount", "Offer 1: Enter an amount of £0 or more, without a minus sign")
    ]
    assert draft.offers.get().amount == Decimal("100000.00")


def test_date_errors_link_to_the_box_that_is_wrong(manager_client, draft):
    response = submit(
        manager_client,
        url("edit-time-sensitivity", draft),
        {"needed_by_0": "31", "needed_by_1": "2", "needed_by_2": "2024", "time_sensitivity": "Why"},
    )
    html = response.content.decode()
    assert error_summary(html) == [
        ("id_needed_by_0", "The date the decision is needed by must be a real date")
    ]
    assert "govuk-form-group--error" in html
    assert GrantCase.objects.get(pk=draft.pk).time_sensitivity == ""


# Two people at once ------------------------------------------------------------------------


def test_a_page_opened_before_someone_elses_change_is_refused_and_saves_nothing(
    manager_client, manager, draft, unit
):
    page = url("edit-unit", draft, unit.pk)
    stale = form_values(manager_client.get(page).content.decode())

    colleague = make_user("colleague", Role.GRANTS_MANAGER)
    draft.collaborators.add(colleague)
    manager_client.force_login(colleague)
    submit(manager_client, page, {"posts-0-annual_cost": "70000"})
    assert GrantCase.objects.get(pk=draft.pk).lock_version == 1

    manager_client.force_login(manager)
    response = manager_client.post(page, stale | {"posts-0-grade": "Detective Sergeant"})
    assert response.status_code == 409
    html = response.content.decode()
    assert services.CASE_CHANGED in html
    assert "<title>Error: " in html
    assert 'value="Detective Sergeant"' in html  # nothing typed is thrown away
    post = unit.posts.get()
    assert (post.grade, post.annual_cost) == ("Detective Constable 1", Decimal("70000.00"))
    assert GrantCase.objects.get(pk=draft.pk).lock_version == 1


def test_the_service_checks_the_version_under_the_row_lock(manager, draft):
    section = SECTION_BY_FIELD["legal_comments"]
    services.save_section(draft, section, "First.", by=manager, lock_version=0)
    with pytest.raises(services.CaseChanged, match="changed by someone else"):
        services.save_section(draft, section, "Second.", by=manager, lock_version=0)
    draft.refresh_from_db()
    assert (draft.legal_comments, draft.lock_version) == ("First.", 1)


def test_a_case_that_left_draft_cannot_be_saved_even_from_an_open_page(manager, draft):
    GrantCase.objects.filter(pk=draft.pk).update(state=CaseState.IAM_REVIEW)
    with pytest.raises(services.EditRefused, match="returned to draft"):
        services.save_part2(
            draft, by=manager, lock_version=0, part2_content="x", part2_exemption_reason="y"
        )
    assert GrantCase.objects.get(pk=draft.pk).part2_content == ""


# Who may edit --------------------------------------------------------------------------------


def editor_urls(case: GrantCase) -> list[str]:
    unit = case.units.first()
    return [
        url("task-list", case),
        url("edit-details", case),
        url("edit-offers", case),
        url("edit-units", case),
        url("edit-unit", case, unit.pk),
        url("edit-budget-years", case),
        url("edit-recommendations", case),
        url("edit-time-sensitivity", case),
        url("edit-section", case, "executive-summary"),
        url("edit-part2", case),
    ]


@pytest.mark.parametrize(
    ("persona", "draft_status", "in_review_status"),
    [
        ("owner", 200, 403),
        ("collaborator", 200, 403),
        ("other_manager", 404, 404),
        ("outsider", 404, 404),
        ("dmpc", 404, 403),
        ("iam", 404, 403),
    ],
)
def test_who_may_open_the_editor(client, manager, persona, draft_status, in_review_status, request):
    case = make_draft(manager)
    users = {
        "owner": manager,
        "collaborator": make_user("collaborator", Role.GRANTS_MANAGER),
        "other_manager": make_user("other", Role.GRANTS_MANAGER),
    }
    case.collaborators.add(users["collaborator"])
    user = users.get(persona) or request.getfixturevalue(persona)
    client.force_login(user)
    assert {page: client.get(page).status_code for page in editor_urls(case)} == dict.fromkeys(
        editor_urls(case), draft_status
    )
    GrantCase.objects.filter(pk=case.pk).update(state=CaseState.IAM_REVIEW)
    assert {page: client.get(page).status_code for page in editor_urls(case)} == dict.fromkeys(
        editor_urls(case), in_review_status
    )


def test_another_grants_manager_cannot_change_a_case_by_posting(client, draft):
    client.force_login(make_user("other", Role.GRANTS_MANAGER))
    response = client.post(
        url("edit-section", draft, "legal-comments"), {"lock_version": "0", "text": "Mine now"}
    )
    assert response.status_code == 404
    assert GrantCase.objects.get(pk=draft.pk).legal_comments == ""


def test_a_collaborator_can_edit_the_case(client, draft):
    colleague = make_user("colleague", Role.GRANTS_MANAGER)
    draft.collaborators.add(colleague)
    client.force_login(colleague)
    response = submit(client, url("edit-section", draft, "legal-comments"), {"text": "Lawful."})
    assert response["Location"] == url("task-list", draft)
    assert GrantCase.objects.get(pk=draft.pk).legal_comments == "Lawful."


def test_a_unit_of_another_case_and_an_unknown_section_are_not_found(manager_client, manager):
    case, other = make_draft(manager), make_draft(make_user("other", Role.GRANTS_MANAGER))
    other_unit = other.units.get()
    assert manager_client.get(url("edit-unit", case, other_unit.pk)).status_code == 404
    assert manager_client.get(url("edit-section", case, "part-2-secrets")).status_code == 404
    assert manager_client.get(url("edit-section", case, "legal_comments")).status_code == 404


# A unit with many posts stays quick ----------------------------------------------------------

# Sign-in, the case and its contents (with its units' other years' allocations), the rate
# card of its year, the lock, one update, the version: not a query per post.
# A save also reads the case document before and after, for the audit event's field-level
# diff, and appends that event to the chain.
# Each request also saves the session, whose expiry slides (a savepoint, the update,
# its release).
GET_QUERIES = 16
POST_QUERIES = 43


@pytest.mark.parametrize("posts", [5, 40])
def test_a_unit_page_takes_a_fixed_number_of_queries_however_many_posts(
    manager_client, manager, posts, django_assert_max_num_queries
):
    case = make_draft(manager, posts=posts)
    unit = case.units.get()
    page = url("edit-unit", case, unit.pk)
    with django_assert_max_num_queries(GET_QUERIES):
        response = manager_client.get(page)
    assert response.content.decode().count('name="posts-') >= posts * 6

    data = form_values(response.content.decode()) | {"posts-3-annual_cost": "£70,000"}
    with django_assert_max_num_queries(POST_QUERIES):
        response = manager_client.post(page, data)
    assert response.status_code == 302
    costs = list(unit.posts.values_list("annual_cost", flat=True))
    assert costs.count(Decimal("70000.00")) == 1 and len(costs) == posts


def test_the_query_count_of_a_unit_page_does_not_grow_with_its_posts(manager_client, manager):
    def count(posts: int) -> tuple[int, int]:
        case = make_draft(manager, posts=posts)
        page = url("edit-unit", case, case.units.get().pk)
        with CaptureQueriesContext(connection) as get:
            html = manager_client.get(page).content.decode()
        with CaptureQueriesContext(connection) as post:
            manager_client.post(page, form_values(html) | {"posts-1-grant_fte": "0.5"})
        return len(get), len(post)

    assert count(5) == count(40)


def test_budget_years_are_added_and_removed_but_the_costed_year_stays(manager_client, draft):
    page = url("edit-budget-years", draft)
    data = form_values(manager_client.get(page).content.decode())
    assert data == {
        "csrfmiddlewaretoken": data["csrfmiddlewaretoken"],
        "lock_version": "0",
        "years": "2023",
    }
    manager_client.post(page, {"lock_version": "0", "years": ["2023", "2024", "2025"]})
    assert list(draft.budget_years.values_list("financial_year", flat=True)) == [2023, 2024, 2025]

    response = manager_client.post(page, {"lock_version": "1", "years": ["2024"]})
    assert error_summary(response.content.decode()) == [
        ("id_years_1", "Select 2023/24: the posts and cost lines are costed for it")
    ]
    manager_client.post(page, {"lock_version": "1", "years": ["2023"]})
    assert list(draft.budget_years.values_list("financial_year", flat=True)) == [2023]


def test_details_change_and_a_new_costed_year_joins_the_budget_years(manager_client, draft):
    submit(
        manager_client,
        url("edit-details", draft),
        {
            "title": "OCS Grant 2024",
            "financial_year": "2024/25",
            "report_by": "Detective Superintendent A Smith",
            "report_author": "A Smith, Serious & Organised Crime HQ",
        },
    )
    draft.refresh_from_db()
    assert (draft.title, draft.financial_year, draft.report_by) == (
        "OCS Grant 2024",
        2024,
        "Detective Superintendent A Smith",
    )
    assert list(draft.budget_years.values_list("financial_year", flat=True)) == [2023, 2024]


def test_time_sensitivity_is_saved_from_a_gov_uk_date_input(manager_client, draft):
    submit(
        manager_client,
        url("edit-time-sensitivity", draft),
        {
            "needed_by_0": "31",
            "needed_by_1": "3",
            "needed_by_2": "2099",
            "time_sensitivity": "Costs are being incurred.",
        },
    )
    draft.refresh_from_db()
    assert (draft.needed_by, draft.time_sensitivity) == (
        datetime.date(2099, 3, 31),
        "Costs are being incurred.",
    )
    html = manager_client.get(url("task-list", draft)).content.decode()
    assert task_status(html, "time-sensitivity") == "Completed"


def test_a_section_page_explains_the_formatting_and_saves_the_text(manager_client, draft):
    page = url("edit-section", draft, "executive-summary")
    html = manager_client.get(page).content.decode()
    assert '<h1 class="govuk-label-wrapper">' in html and "Executive summary" in html
    assert "numbered list" in html and "[link text](https://www.example.com)" in html
    response = submit(manager_client, page, {"text": "1. First\n2. Second"}, follow=True)
    assert "Executive summary saved" in response.content.decode()
    assert GrantCase.objects.get(pk=draft.pk).executive_summary == "1. First\n2. Second"
    assert task_status(response.content.decode(), "section-executive-summary") == "Completed"


def test_part_2_is_marked_official_sensitive_and_needs_a_reason(manager_client, draft):
    page = url("edit-part2", draft)
    assert "OFFICIAL-SENSITIVE" in manager_client.get(page).content.decode()
    submit(manager_client, page, {"part2_content": "Names of officers."})
    html = manager_client.get(url("task-list", draft)).content.decode()
    assert task_status(html, "part-2") == "Has problems"
    assert "Say why the Part 2 content is exempt from publication." in html
    submit(manager_client, page, {"part2_exemption_reason": "Personal information."})
    html = manager_client.get(url("task-list", draft)).content.decode()
    assert task_status(html, "part-2") == "Completed"


# The task list ---------------------------------------------------------------------------------


def test_the_seed_case_has_every_required_task_completed_and_only_warnings(manager_client, manager):
    case = create_seed_case(manager)
    html = manager_client.get(url("task-list", case)).content.decode()
    assert "You have completed 19 of 19 required tasks." in html
    assert task_status(html, "part-2") == "Not started"
    assert "0 errors to fix" in html
    assert 'class="govuk-tag govuk-tag--red">Error' not in html
    drugs = case.units.get(name="Drugs Strategy")
    # Band D is 57,000 in Drugs Strategy and 52,600 elsewhere: a warning that links to the unit.
    assert re.search(
        rf'href="{url("edit-unit", case, drugs.pk)}">Band D costs £57,000.00 a year here', html
    )
    assert f'href="{url("report", case)}"' in html
    assert f'href="{reverse("approvals:submit", args=[case.pk])}"' in html


def test_a_new_case_lists_its_errors_first_each_linking_to_its_task(manager_client, draft):
    html = manager_client.get(url("task-list", draft)).content.decode()
    findings = re.findall(r'govuk-tag--(red|yellow)">(Error|Warning)', html)
    assert findings == sorted(findings, key=lambda tag: tag[1] != "Error")
    assert re.search(
        rf'href="{url("edit-section", draft, "legal-comments")}">Add the legal comments.', html
    )
    assert re.search(rf'href="{url("edit-recommendations", draft)}">Add at least one', html)
    # Missing content reads as not started; it is not a problem with what is there.
    assert task_status(html, "section-legal-comments") == "Not started"
    assert task_status(html, "recommendations") == "Not started"
    assert task_status(html, "details") == "In progress"
    assert 'aria-describedby="task-section-issues-for-consideration-hint task-section-' in html
    # 8 missing sections, recommendations, time sensitivity, and ACE's £100,000 allocation
    # against £96,830.00 of planned spend.
    assert html.count('govuk-tag--red">Error') == 11
    assert "You can submit the case once the 11 errors in the checks are fixed." in html
    assert reverse("approvals:submit", args=[draft.pk]) not in html


def test_a_recommendation_added_moves_its_task_to_completed(manager_client, draft):
    Recommendation.objects.create(case=draft, position=1, text="Approve.")
    html = manager_client.get(url("task-list", draft)).content.decode()
    assert task_status(html, "recommendations") == "Completed"
    assert "Add at least one recommendation." not in html


def test_editor_pages_have_no_inline_script_or_style_and_no_repeated_ids(manager_client, manager):
    # A strict Content Security Policy is coming: nothing inline may rely on it being lax.
    case = create_seed_case(manager)
    for page in [*editor_urls(case), reverse("grants:case-create")]:
        html = manager_client.get(page).content.decode()
        assert " style=" not in html, page
        assert not re.search(r" on[a-z]+=", html), page
        assert re.findall(r"<script[^>]*>", html) == [
            '<script type="module" src="/static/dist/app.js">'
        ], page
        ids = re.findall(r' id="([^"]+)"', html)
        assert len(ids) == len(set(ids)), page


def test_every_saved_edit_is_audited_with_its_field_level_changes(manager_client, draft):
    from approvals.audit import verify_chain
    from approvals.models import AuditAction, AuditEvent

    page = url("edit-section", draft, "legal-comments")
    html = manager_client.get(page).content.decode()
    manager_client.post(page, form_values(html) | {"text": "New legal comments."})
    event = AuditEvent.objects.filter(case=draft, action=AuditAction.CASE_EDITED).last()
    assert event.actor.username == "manager"
    assert {
        "field": ["sections", "legal_comments"],
        "before": draft.legal_comments,
        "after": "New legal comments.",
    } in event.details["changes"]
    assert verify_chain().intact


def test_an_edit_racing_a_submission_is_refused_once_the_case_is_submitted(manager_client, manager):
    """The edit page was opened before the submission; its save must not change the
    frozen version's case."""
    from approvals import services
    from tests.factories import make_case

    case = make_case(manager)
    page = url("edit-section", case, "legal-comments")
    html = manager_client.get(page).content.decode()
    version = services.submit(case, by=manager)
    response = manager_client.post(page, form_values(html) | {"text": "Too late."})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.legal_comments == version.document["sections"]["legal_comments"] == "Legal."
