"""Submission, withdrawal and the DMPC decision through the browser's forms, and the
work queues on the staff home page."""

import re

import pytest

from approvals.accounts.roles import Role
from approvals.models import Decision
from grants.forms import field_anchor
from grants.models import CaseState, GrantCase, Recommendation
from tests.factories import PASSWORD, make_case, make_user
from tests.workflow import sign_all, to_dmpc_review, to_iam, to_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people):
    return make_case(people.manager)


def state(case):
    return GrantCase.objects.get(pk=case.pk).state


def as_user(client, user):
    client.force_login(user)
    return client


def test_the_manager_submits_from_the_report_page(client, case, people):
    as_user(client, people.manager)
    report = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert f'href="/staff/cases/{case.pk}/submit/"' in report
    page = client.get(f"/staff/cases/{case.pk}/submit/").content.decode()
    assert "Submitting freezes the case as a new version" in page
    response = client.post(f"/staff/cases/{case.pk}/submit/", follow=True)
    assert state(case) == CaseState.IAM_REVIEW
    assert "Version 1 of the case has been submitted for IAM review." in response.content.decode()


def test_a_case_with_errors_cannot_be_submitted_and_says_why(client, people):
    case = make_case(people.manager, legal_comments="")
    as_user(client, people.manager)
    page = client.get(f"/staff/cases/{case.pk}/submit/").content.decode()
    assert "You cannot submit the case yet" in page and "Add the legal comments." in page
    response = client.post(f"/staff/cases/{case.pk}/submit/")
    assert response.status_code == 400
    assert "The case has 1 error to fix" in response.content.decode()
    assert state(case) == CaseState.DRAFT


def test_submit_and_decide_refuse_the_wrong_people(client, case, people):
    for user in (people.iam, people.dmpc):
        assert as_user(client, user).get(f"/staff/cases/{case.pk}/submit/").status_code == 404
    to_ready(case, people)
    for user in (people.manager, people.dmpc_office, people.finance):
        response = as_user(client, user).post(f"/staff/cases/{case.pk}/decide/", {})
        assert response.status_code == 403
    assert state(case) == CaseState.DMPC_REVIEW


def decision_post(version=1, **extra):
    return {
        "outcome": "approve",
        "recommendation_1": "yes",
        "reasons": "Represents good value.",
        "alternatives": "yes",
        "alternatives_considered": "Not accepting the grant.",
        "interests_declared": "no",
        "interests": "",
        "password": PASSWORD,
        "seen_version": str(version),
        **extra,
    }


def test_the_dmpc_sees_the_exact_version_iam_and_clearance_then_signs(client, case, people):
    to_ready(case, people)
    as_user(client, people.dmpc)
    page = client.get(f"/staff/cases/{case.pk}/decide/").content.decode()
    assert "You are deciding version 1 of the case" in page
    assert case.versions.get().sha256 in page
    assert "Endorsed" in page
    assert "Finance content." in page  # the finance adviser's advice on the panel
    assert "OFFICIAL-SENSITIVE" in page

    response = client.post(f"/staff/cases/{case.pk}/decide/", decision_post(), follow=True)
    assert "Decision PCD 1 signed: approved." in response.content.decode()
    decision = Decision.objects.get()
    assert decision.alternatives_considered == "Not accepting the grant."
    assert state(case) == CaseState.APPROVED


def test_a_wrong_password_is_shown_on_the_password_field_and_nothing_is_signed(
    client, case, people
):
    to_ready(case, people)
    response = as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/", decision_post(password="guess")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password"] == [
        "The password is not right. Enter your password to sign the decision."
    ]
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"outcome": ""}, "outcome", "Choose whether to approve, reject or return the case"),
        ({"outcome": "reject", "reasons": ""}, "reasons", "Enter the reasons for your decision"),
        ({"outcome": "return", "reasons": " "}, "reasons", "Enter the reasons for your decision"),
        ({"interests_declared": "yes"}, "interests", "Describe the interests you are declaring"),
        ({"interests_declared": ""}, "interests_declared", "Say whether you have any"),
        ({"password": ""}, "password", "Enter your password to sign the decision"),
        ({"alternatives": ""}, "alternatives", "Say whether alternatives were considered"),
        (
            {"outcome": "reject", "alternatives": "yes", "alternatives_considered": " "},
            "alternatives_considered",
            "Describe the alternatives that were considered",
        ),
        ({"recommendation_1": ""}, "recommendation_1", "Say whether you approve recommendation 1"),
        ({"recommendation_1": "no"}, "outcome", "You approved none of the recommendations"),
    ],
)
def test_an_incomplete_decision_says_what_is_missing(client, case, people, changes, field, message):
    to_ready(case, people)
    response = as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/", decision_post(**changes)
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    html = response.content.decode()
    assert "govuk-error-summary" in html
    # The summary links to the field, and everything typed is still there.
    anchor = field_anchor(response.context["form"][field])
    assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert 'value="not-my-password"' not in html
    if changes.get("reasons", "x").strip():
        assert "Represents good value." in html
    if field not in ("alternatives", "alternatives_considered"):
        assert "Not accepting the grant." in html
    assert state(case) == CaseState.DMPC_REVIEW
    assert not Decision.objects.exists()


def test_a_decision_on_a_page_for_an_older_version_is_refused(client, case, people):
    to_ready(case, people)
    response = as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/", decision_post(version=9), follow=True
    )
    assert "there is a newer version" in response.content.decode()
    assert state(case) == CaseState.DMPC_REVIEW
    assert not Decision.objects.exists()


def test_a_wrong_password_keeps_every_answer_typed(client, case, people):
    to_ready(case, people)
    response = as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/",
        decision_post(
            password="guess",
            interests_declared="yes",
            interests="A trustee of the funder.",
            alternatives="yes",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_password"' in html
    for typed in ("Represents good value.", "Not accepting the grant.", "A trustee of the funder."):
        assert typed in html
    radios = ("id_outcome", "id_recommendation_1", "id_alternatives", "id_interests_declared-2")
    for checked in radios:
        assert f'id="{checked}" name=' in html
        assert re.search(rf'id="{checked}" name="[^"]+" type="radio" value="[^"]+" checked', html)
    assert not Decision.objects.exists()


def two_recommendations(case):
    Recommendation.objects.create(case=case, position=2, text="Extend the project by a year.")


def test_the_page_shows_the_report_iam_and_clearance_before_the_decision(client, case, people):
    two_recommendations(case)
    to_ready(case, people)
    html = as_user(client, people.dmpc).get(f"/staff/cases/{case.pk}/decide/").content.decode()
    order = [
        html.index('id="report-heading"'),
        html.index('id="iam-heading"'),
        html.index('id="clearance-heading"'),
        html.index('id="decision"'),
        html.index('name="outcome"'),
    ]
    assert order == sorted(order)
    assert "Approve recommendation 1: Approve the grant?" in html
    assert "Approve recommendation 2: Extend the project by a year?" in html
    # Approving reveals the questions about each recommendation.
    assert 'data-aria-controls="conditional-id_outcome"' in html
    assert html.index('id="conditional-id_outcome"') < html.index('name="recommendation_2"')
    assert "Cleared" in html


def test_the_dmpc_approves_some_recommendations_and_not_others(client, case, people):
    two_recommendations(case)
    to_ready(case, people)
    response = as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/",
        decision_post(recommendation_1="yes", recommendation_2="no"),
        follow=True,
    )
    assert "Decision PCD 1 signed: partly approved." in response.content.decode()
    decision = Decision.objects.get()
    assert decision.approved_positions() == {1}
    assert decision.alternatives_considered == "Not accepting the grant."


def test_saying_no_alternatives_were_considered_signs_without_a_description(client, case, people):
    to_ready(case, people)
    as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/",
        decision_post(outcome="reject", alternatives="no", alternatives_considered="Ignored."),
    )
    decision = Decision.objects.get()
    assert decision.no_alternatives is True
    assert decision.alternatives_considered == ""


def test_the_checks_speak_to_the_dmpc_as_a_reader(client, people):
    case = make_case(people.manager)
    to_ready(case, people)
    GrantCase.objects.filter(pk=case.pk).update(legal_comments="")
    html = as_user(client, people.dmpc).get(f"/staff/cases/{case.pk}/decide/").content.decode()
    assert "The report’s legal comments section is empty." in html
    assert "Add the legal comments." not in html
    assert "/edit/" not in html
    report = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "The report’s legal comments section is empty." in report


def test_a_second_decision_gets_a_clear_message(client, case, people):
    to_ready(case, people)
    as_user(client, people.dmpc).post(f"/staff/cases/{case.pk}/decide/", decision_post())
    response = client.post(f"/staff/cases/{case.pk}/decide/", decision_post(), follow=True)
    assert "This case is not waiting for a decision." in response.content.decode()
    assert Decision.objects.count() == 1


def test_the_dmpc_returns_a_case_with_reasons(client, case, people):
    to_ready(case, people)
    response = as_user(client, people.dmpc).post(
        f"/staff/cases/{case.pk}/decide/",
        decision_post(outcome="return", reasons="Show the match funding."),
        follow=True,
    )
    assert "returned to its grants manager" in response.content.decode()
    assert state(case) == CaseState.DRAFT
    assert GrantCase.objects.get(pk=case.pk).ready_for_decision_at is None


def test_the_owner_withdraws_with_reasons(client, case, people):
    as_user(client, people.manager)
    response = client.post(f"/staff/cases/{case.pk}/withdraw/", {"reasons": ""})
    assert "Enter why the case is being withdrawn" in response.content.decode()
    assert state(case) == CaseState.DRAFT
    client.post(f"/staff/cases/{case.pk}/withdraw/", {"reasons": "The funder withdrew."})
    assert state(case) == CaseState.WITHDRAWN


def test_each_role_finds_its_work_on_the_staff_home_page(client, people):
    make_case(people.manager, title="Drafting")
    at_iam = make_case(people.manager, title="At IAM")
    to_iam(at_iam, people)
    signing = make_case(people.manager, title="Being signed")
    to_dmpc_review(signing, people)
    signed = make_case(people.manager, title="All signed")
    to_dmpc_review(signed, people)
    sign_all(signed, people)
    ready = make_case(people.manager, title="Ready")
    to_ready(ready, people)

    expected = {
        people.manager: {"Drafting"},
        people.iam: {"At IAM"},
        people.finance: {"Being signed"},
        # The DMPC office also watches the case whose sign-offs are outstanding.
        people.dmpc_office: {"All signed", "Being signed"},
        people.dmpc: {"Ready"},
    }
    titles = {"Drafting", "At IAM", "Being signed", "All signed", "Ready"}
    for user, waiting in expected.items():
        html = as_user(client, user).get("/staff/").content.decode()
        shown = {title for title in titles if f">{title}</a>" in html}
        assert shown == waiting, user.username


def test_a_grants_manager_starts_a_case_in_each_way_from_the_staff_home_page(client, people):
    starts = ["/staff/cases/new/", "/staff/cases/new/from-earlier/", "/staff/cases/import/"]
    html = as_user(client, people.manager).get("/staff/").content.decode()
    assert all(f'href="{start}"' in html for start in starts)
    for user in (people.iam, people.dmpc, people.publisher):
        html = as_user(client, user).get("/staff/").content.decode()
        assert not any(f'href="{start}"' in html for start in starts), user.username


def test_the_staff_home_page_runs_a_fixed_number_of_queries(
    client, people, django_assert_max_num_queries
):
    all_roles = make_user("everything", *Role)
    for n in range(5):
        to_dmpc_review(make_case(people.manager, title=f"Case {n}"), people)
    as_user(client, all_roles)
    # A query per queue (nine for someone with every role), the cases' offers and the
    # audit events that moved them into their states (for amount and age), and the
    # session's own: reading it, and saving it so that its expiry slides; and the
    # withdrawals waiting for a second publisher.
    with django_assert_max_num_queries(18):
        assert client.get("/staff/").status_code == 200


def test_the_case_list_filters_by_state(client, people):
    make_case(people.manager, title="Still drafting")
    submitted = make_case(people.manager, title="Submitted")
    to_iam(submitted, people)
    as_user(client, people.manager)
    html = client.get("/staff/cases/?state=iam_review").content.decode()
    assert ">Submitted</a>" in html and ">Still drafting</a>" not in html
    response = client.get("/staff/cases/?state=nonsense")
    assert response.status_code == 400
    assert "Choose a state from the list" in response.content.decode()
