"""What an adviser sees changed since they last cleared a case, and what a return names
on the grants managers' task list."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import history, services
from approvals.models import CaseReturn, ClearanceArea, IamMeeting, IamOutcome, SignOffOutcome
from grants.models import GrantCase
from tests.factories import make_case
from tests.workflow import ADVISERS, to_dmpc_review

FIRST_LEGAL = (
    "The grant agreement is lawful. MOPAC may accept it under its general powers, and the "
    "conditions impose no duty it cannot meet."
)
SECOND_LEGAL = (
    "The grant agreement is lawful. MOPAC may accept it under its general powers, and the "
    "reporting conditions impose no duty the MPS cannot meet by March."
)


@pytest.fixture
def case(people):
    return make_case(people.manager, legal_comments=FIRST_LEGAL)


def fresh(case):
    return GrantCase.objects.get(pk=case.pk)


def sign_v1(case, people, *, finance=SignOffOutcome.CLEARED):
    """Finance clears (as given), legal does not, the others clear."""
    for area, name in ADVISERS.items():
        outcome = SignOffOutcome.NOT_CLEARED if area == ClearanceArea.LEGAL else "cleared"
        if area == ClearanceArea.FINANCE:
            outcome = finance
        services.sign_off(
            case,
            by=getattr(people, name),
            area=area,
            outcome=outcome,
            advice="" if outcome == SignOffOutcome.CLEARED else "Said why.",
        )


def back_to_dmpc_review(case, people):
    meeting = IamMeeting.objects.latest("pk")
    services.add_to_agenda(meeting, case, by=people.iam)
    services.record_iam_outcome(
        case, by=people.iam, outcome=IamOutcome.ENDORSED, attendees="IAM members"
    )


def returned_changed_resubmitted(case, people, *, finance=SignOffOutcome.CLEARED):
    to_dmpc_review(case, people)
    sign_v1(case, people, finance=finance)
    services.office_return(
        case, by=people.dmpc_office, reasons="Legal did not clear it.", sections=["legal_comments"]
    )
    edited = fresh(case)
    edited.legal_comments = SECOND_LEGAL
    edited.save()
    services.submit(edited, by=people.manager)
    back_to_dmpc_review(case, people)
    return fresh(case)


def sign_off_page(client, case, person, area):
    client.force_login(person)
    response = client.get(reverse("approvals:sign-off", args=[case.pk, area]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_sign_off_page_shows_what_changed_since_the_area_was_cleared(client, case, people):
    case = returned_changed_resubmitted(case, people)
    assert case.versions.count() == 2

    page = sign_off_page(client, case, people.finance, "finance")
    assert "What changed since you cleared version 1" in page
    assert "Sections › Legal comments" in page
    assert '<span class="govuk-visually-hidden">[added: </span>reporting ' in page
    assert '<span class="govuk-visually-hidden">[removed: </span>it<' in page
    assert '<span class="govuk-visually-hidden">[added: </span>the MPS<' in page
    # Only the section that changed is listed.
    assert "Executive summary" not in page


def test_an_area_not_cleared_before_sees_what_changed_since_it_refused(client, case, people):
    case = returned_changed_resubmitted(case, people)
    page = sign_off_page(client, case, people.legal, "legal")
    assert "What changed since version 1, which you did not clear" in page
    assert "Sections › Legal comments" in page
    assert "Version 1, not cleared" in page
    assert "first time this area is asked to clear" not in page


def test_an_area_never_signed_off_is_asked_for_the_first_time(client, case, people):
    to_dmpc_review(case, people)
    page = sign_off_page(client, case, people.legal, "legal")
    assert "What changed since" not in page
    assert "first time this area is asked to clear" in page


def test_cleared_with_advice_and_not_cleared_both_count_as_signed(case, people):
    case = returned_changed_resubmitted(case, people, finance=SignOffOutcome.CLEARED_WITH_ADVICE)
    version = case.versions.get(number=2)
    since = history.changes_since_cleared(version, ClearanceArea.FINANCE)
    assert since.cleared.number == 1
    assert [change.field for change in since.changes] == ["Sections › Legal comments"]
    assert history.changes_since_cleared(version, ClearanceArea.LEGAL).was_cleared is False
    assert history.changes_since_cleared(version, ClearanceArea.FINANCE).was_cleared is True
    first = case.versions.get(number=1)
    assert history.changes_since_cleared(first, ClearanceArea.FINANCE) is None


def test_the_task_list_shows_the_reasons_and_marks_the_returned_sections(client, case, people):
    to_dmpc_review(case, people)
    sign_v1(case, people)
    services.office_return(
        case,
        by=people.dmpc_office,
        reasons="Legal did not clear it.\nRewrite the legal comments.",
        sections=["legal_comments", "privacy_comments", "no_longer_a_section"],
    )
    client.force_login(people.manager)
    url = reverse("grants:task-list", args=[case.pk])
    page = client.get(url).content.decode()
    assert "Returned for changes" in page
    assert "Legal did not clear it.<br>Rewrite the legal comments." in page
    assert page.count('class="govuk-tag govuk-tag--orange app-returned-tag">Returned') == 2
    legal = page[page.index(">Legal comments</a>") : page.index(">Equality comments</a>")]
    assert "asked for changes here" in legal
    assert 'aria-describedby="task-section-legal-comments-returned' in page
    equality = page[page.index(">Equality comments</a>") : page.index(">Privacy comments</a>")]
    assert "asked for changes here" not in equality


def test_the_task_list_shows_only_the_return_in_force(client, case, people):
    case = returned_changed_resubmitted(case, people)
    services.sign_off(
        case, by=people.legal, area=ClearanceArea.LEGAL, outcome="not_cleared", advice="No."
    )
    services.office_return(case, by=people.dmpc_office, reasons="Second return.")
    client.force_login(people.manager)
    page = client.get(reverse("grants:task-list", args=[case.pk])).content.decode()
    assert "Second return." in page
    assert "Legal did not clear it." not in page
    assert "app-returned-tag" not in page


def test_the_return_reasons_cost_a_fixed_number_of_queries(client, case, people):
    client.force_login(people.manager)
    url = reverse("grants:task-list", args=[case.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    to_dmpc_review(case, people)
    sign_v1(case, people)
    services.office_return(
        case, by=people.dmpc_office, reasons="Fix it.", sections=["legal_comments"]
    )
    with CaptureQueriesContext(connection) as after:
        assert "Fix it." in client.get(url).content.decode()
    # The return with its version, then whether a later version exists.
    assert len(after) - len(before) <= 2


def test_the_office_return_form_offers_the_sections(client, case, people):
    to_dmpc_review(case, people)
    sign_v1(case, people)
    client.force_login(people.dmpc_office)
    url = reverse("approvals:office-return", args=[case.pk])
    page = client.get(url).content.decode()
    assert "Which sections need changing? (optional)" in page
    assert 'value="legal_comments"' in page and "Legal comments" in page

    response = client.post(
        url, {"reasons": "Typed reasons.", "sections": ["made_up"], "seen_version": "1"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_sections_1">Choose sections from the list</a>' in page
    assert "Typed reasons." in page
    assert not CaseReturn.objects.exists()

    response = client.post(
        url, {"reasons": "", "sections": ["legal_comments"], "seen_version": "1"}
    )
    assert response.status_code == 400
    assert re.search(r'value="legal_comments"\s+checked', response.content.decode())

    response = client.post(
        url,
        {"reasons": "Legal.", "sections": ["legal_comments", "equality_comments"]}
        | {"seen_version": "1"},
        follow=True,
    )
    # The draft is its grants managers' now: the office is sent back to its own work.
    assert response.redirect_chain == [(reverse("staff-home"), 302)]
    assert "is returned to its grants managers for changes" in response.content.decode()
    assert CaseReturn.objects.get().sections == ["legal_comments", "equality_comments"]


def test_the_office_may_return_without_naming_sections(client, case, people):
    to_dmpc_review(case, people)
    sign_v1(case, people)
    client.force_login(people.dmpc_office)
    url = reverse("approvals:office-return", args=[case.pk])
    client.post(url, {"reasons": "Legal.", "seen_version": "1"})
    assert CaseReturn.objects.get().sections == []
