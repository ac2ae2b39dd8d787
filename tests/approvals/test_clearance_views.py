"""Clearance through its pages: advisers sign off their own areas, the panel says who
signed what and when, and the DMPC office marks the case ready once all four are done."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.accounts.roles import Role
from approvals.models import ClearanceArea, IamOutcome, SignOff
from grants.models import GrantCase
from tests.factories import make_case, make_user
from tests.workflow import ADVISERS, sign_all, to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people):
    case = make_case(people.manager, title="Organised Crime Grant")
    to_dmpc_review(case, people)
    return case


def clearance_url(case) -> str:
    return reverse("approvals:clearance", args=[case.pk])


def sign_off_url(case, area: str) -> str:
    return reverse("approvals:sign-off", args=[case.pk, area])


def as_user(client, user):
    client.force_login(user)
    return client


def panel_row(html: str, area: str) -> str:
    """The text of one area's value in the clearance panel."""
    row = html.split(f'id="clearance-{area}"', 1)[1].split("<dd", 1)[1].split("</dd>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", "<dd" + row).split())


def ready_at(case):
    return GrantCase.objects.get(pk=case.pk).ready_for_decision_at


# Signing off -----------------------------------------------------------------------------


@pytest.mark.parametrize(("area", "name"), [(area.value, name) for area, name in ADVISERS.items()])
def test_each_adviser_signs_off_their_own_area_through_the_page(client, people, case, area, name):
    adviser = getattr(people, name)
    as_user(client, adviser)
    page = client.get(clearance_url(case)).content.decode()
    assert f'href="{sign_off_url(case, area)}"' in page

    form = client.get(sign_off_url(case, area)).content.decode()
    assert "Your advice" in form
    assert '<input type="hidden" name="seen_version" value="1"' in form

    response = client.post(
        sign_off_url(case, area),
        {"outcome": "cleared_with_advice", "advice": "No concerns.", "seen_version": "1"},
        follow=True,
    )

    signed = SignOff.objects.get()
    assert (signed.area, signed.advice, signed.signed_by, signed.version.number) == (
        area,
        "No concerns.",
        adviser,
        1,
    )
    assert response.redirect_chain == [(clearance_url(case), 302)]
    page = response.content.decode()
    assert f"You have signed off {area} for version 1." in page
    assert f'href="{sign_off_url(case, area)}"' not in page


def test_an_adviser_only_sees_the_buttons_for_their_own_outstanding_areas(client, people, case):
    both = make_user("both", Role.FINANCE_ADVISER, Role.LEGAL_ADVISER)
    services.sign_off(case, by=people.legal, area=ClearanceArea.LEGAL, advice="Fine.")

    page = as_user(client, both).get(clearance_url(case)).content.decode()

    assert re.findall(r">(Sign off \w+)</a>", page) == ["Sign off finance"]


def test_another_areas_page_is_refused(client, people, case):
    as_user(client, people.finance)

    assert client.get(sign_off_url(case, "legal")).status_code == 403
    response = client.post(
        sign_off_url(case, "legal"),
        {"outcome": "cleared_with_advice", "advice": "x", "seen_version": "1"},
    )
    assert response.status_code == 403
    assert "Only a legal adviser can sign off legal." in response.content.decode()
    assert not SignOff.objects.exists()


@pytest.mark.parametrize("name", ["manager", "iam", "dmpc_office", "dmpc", "publisher"])
def test_people_who_are_not_advisers_cannot_sign_off(client, people, case, name):
    as_user(client, getattr(people, name))

    for area in ClearanceArea:
        assert client.get(sign_off_url(case, area.value)).status_code == 403
        response = client.post(
            sign_off_url(case, area.value),
            {"outcome": "cleared_with_advice", "advice": "x", "seen_version": "1"},
        )
        assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_an_unknown_area_is_not_found(client, people, case):
    as_user(client, people.finance)

    assert client.get(sign_off_url(case, "catering")).status_code == 404


def test_a_case_the_user_cannot_see_is_not_found(client, people, outsider):
    draft = make_case(people.manager)
    for user in (outsider, people.finance):
        as_user(client, user)
        assert client.get(clearance_url(draft)).status_code == 404
        assert client.get(sign_off_url(draft, "finance")).status_code == 404


def test_advice_is_required(client, people, case):
    response = as_user(client, people.finance).post(
        sign_off_url(case, "finance"),
        {"outcome": "cleared_with_advice", "advice": "  ", "seen_version": "1"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: " in page
    assert '<a href="#id_advice">Enter your advice</a>' in page
    assert not SignOff.objects.exists()


def test_a_second_sign_off_of_the_same_area_says_it_is_already_signed_off(client, people, case):
    services.sign_off(case, by=people.finance, area=ClearanceArea.FINANCE, advice="First.")
    second = make_user("finance-2", Role.FINANCE_ADVISER)
    as_user(client, second)

    response = client.post(
        sign_off_url(case, "finance"),
        {"outcome": "cleared_with_advice", "advice": "Second.", "seen_version": "1"},
        follow=True,
    )

    assert response.redirect_chain == [(clearance_url(case), 302)]
    page = response.content.decode()
    assert "Finance was already signed off by Finance on" in page
    assert "govuk-notification-banner" in page
    assert list(SignOff.objects.values_list("advice", flat=True)) == ["First."]

    # Opening the page again says so too, rather than offering a form that cannot work.
    response = client.get(sign_off_url(case, "finance"), follow=True)
    assert response.redirect_chain == [(clearance_url(case), 302)]
    assert "Finance was already signed off by" in response.content.decode()


def test_a_stale_version_is_refused(client, people, case):
    response = as_user(client, people.finance).post(
        sign_off_url(case, "finance"),
        {"outcome": "cleared_with_advice", "advice": "Fine.", "seen_version": "7"},
        follow=True,
    )

    assert "there is a newer version" in response.content.decode()
    assert not SignOff.objects.exists()


def test_sign_off_is_not_offered_before_iam_has_advised(client, people):
    case = make_case(people.manager)
    to_iam(case, people)
    as_user(client, people.finance)

    page = client.get(clearance_url(case)).content.decode()
    assert "Advisers can sign off once IAM has given its advice." in page
    assert "Sign off finance" not in page

    response = client.get(sign_off_url(case, "finance"), follow=True)
    assert response.redirect_chain == [(clearance_url(case), 302)]
    assert "is not waiting for advisers’ sign-off" in response.content.decode()
    response = client.post(
        sign_off_url(case, "finance"),
        {"outcome": "cleared_with_advice", "advice": "x", "seen_version": "1"},
    )
    assert response.status_code == 302
    assert not SignOff.objects.exists()


def test_an_adviser_who_edited_the_version_is_refused(client, people):
    editor = make_user("finance-manager", Role.FINANCE_ADVISER, Role.GRANTS_MANAGER)
    case = make_case(editor)
    services.submit(case, by=editor)
    meeting = services.record_meeting(
        by=people.iam,
        date=timezone.localdate(),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="A",
    )
    services.add_to_agenda(meeting, case, by=people.iam)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )
    as_user(client, editor)
    reason = "You changed this version of the case, so someone else must review"

    page = client.get(clearance_url(case)).content.decode()
    assert reason in page
    assert "Sign off finance" not in page

    page = client.get(sign_off_url(case, "finance")).content.decode()
    assert reason in page
    assert 'name="advice"' not in page

    response = client.post(
        sign_off_url(case, "finance"),
        {"outcome": "cleared_with_advice", "advice": "Fine.", "seen_version": "1"},
    )
    assert response.status_code == 400
    assert f'<a href="#id_outcome">{reason}' in response.content.decode()
    assert not SignOff.objects.exists()


# The clearance panel ---------------------------------------------------------------------


def test_the_panel_shows_who_signed_off_when_and_their_advice(client, people, case):
    signed = services.sign_off(
        case, by=people.legal, area=ClearanceArea.LEGAL, advice="Lawful.\n\nNo risks."
    )
    when = timezone.localtime(signed.signed_at)

    page = as_user(client, people.dmpc).get(clearance_url(case)).content.decode()

    assert panel_row(page, "legal") == (
        f"Signed off By Legal on {when:%-d %B %Y} at {when:%-I:%M}{when:%p}".replace(
            "AM", "am"
        ).replace("PM", "pm")
        + " Advice Lawful. No risks."
    )
    assert "<p>Lawful.</p>\n\n<p>No risks.</p>" in page
    for area in ("finance", "equalities", "privacy"):
        assert panel_row(page, area) == "Outstanding"
    assert "Clearance of version 1" in page


def test_a_case_not_yet_submitted_has_nothing_to_sign_off(client, people):
    draft = make_case(people.manager)

    page = as_user(client, people.manager).get(clearance_url(draft)).content.decode()

    assert "This case has not been submitted yet" in page
    assert 'aria-current="page">Clearance' in page


# Ready for decision ----------------------------------------------------------------------


def test_the_dmpc_office_can_mark_ready_only_once_every_area_is_signed_off(client, people, case):
    services.sign_off(case, by=people.finance, area=ClearanceArea.FINANCE, advice="Fine.")
    as_user(client, people.dmpc_office)

    page = client.get(clearance_url(case)).content.decode()
    assert "Still outstanding: legal, equalities, privacy." in page
    assert "Mark ready for decision" not in page

    response = client.post(
        reverse("approvals:mark-ready", args=[case.pk]), {"seen_version": "1"}, follow=True
    )
    assert response.redirect_chain == [(clearance_url(case), 302)]
    assert (
        "Every area must be signed off first. Still outstanding: legal, equalities, privacy."
        in response.content.decode()
    )
    assert ready_at(case) is None

    for area, name in list(ADVISERS.items())[1:]:
        services.sign_off(case, by=getattr(people, name), area=area, advice="Fine.")
    page = client.get(clearance_url(case)).content.decode()
    assert "Mark ready for decision</button>" in page

    response = client.post(
        reverse("approvals:mark-ready", args=[case.pk]), {"seen_version": "1"}, follow=True
    )

    assert ready_at(case) is not None
    page = response.content.decode()
    assert "The case is marked ready for the DMPC’s decision." in page
    assert "The DMPC office marked the case ready for the DMPC’s decision on" in page
    assert "Mark ready for decision</button>" not in page


def test_marking_ready_twice_says_it_is_already_ready(client, people, case):
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    first = ready_at(case)

    response = as_user(client, people.dmpc_office).post(
        reverse("approvals:mark-ready", args=[case.pk]), {"seen_version": "1"}, follow=True
    )

    assert "already been marked ready for decision" in response.content.decode()
    assert ready_at(case) == first


@pytest.mark.parametrize("seen", ["2", "", "nonsense"])
def test_marking_ready_from_a_stale_page_is_refused(client, people, case, seen):
    sign_all(case, people)

    response = as_user(client, people.dmpc_office).post(
        reverse("approvals:mark-ready", args=[case.pk]), {"seen_version": seen}, follow=True
    )

    assert "there is a newer version" in response.content.decode()
    assert ready_at(case) is None


def test_only_the_dmpc_office_marks_ready_and_only_by_post(client, people, case):
    sign_all(case, people)
    url = reverse("approvals:mark-ready", args=[case.pk])

    for name in ("finance", "iam", "dmpc", "manager"):
        response = as_user(client, getattr(people, name)).post(url, {"seen_version": "1"})
        assert response.status_code == 403
    assert as_user(client, people.dmpc_office).get(url).status_code == 405
    assert ready_at(case) is None


def test_people_not_signed_in_are_sent_to_sign_in(client, case):
    for url in (
        clearance_url(case),
        sign_off_url(case, "finance"),
        reverse("approvals:mark-ready", args=[case.pk]),
    ):
        response = client.post(url) if url.endswith("/ready/") else client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_ids_too_big_for_the_database_are_not_found(client, people):
    as_user(client, people.finance)
    huge = 10**20
    assert client.get(reverse("approvals:clearance", args=[huge])).status_code == 404
    assert client.get(reverse("approvals:sign-off", args=[huge, "finance"])).status_code == 404
