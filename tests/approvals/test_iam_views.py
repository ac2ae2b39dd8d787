"""The IAM secretariat's pages, driven through the test client: recording meetings,
setting agendas and recording what each meeting advised."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.accounts.roles import Role
from approvals.models import AgendaItem, AuditAction, AuditEvent, IamMeeting, IamOutcome
from approvals.services import IAM_NOTE_REQUIRED, WorkflowError
from grants.models import CaseState, GrantCase
from tests.factories import make_case, make_user
from tests.html import table_starting
from tests.workflow import to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db

MEETING_DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def case(people):
    return make_case(people.manager, title="Organised Crime Grant")


@pytest.fixture
def iam_client(client, people):
    client.force_login(people.iam)
    return client


@pytest.fixture
def meeting(people):
    return services.record_meeting(
        by=people.iam,
        date=MEETING_DAY,
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="IAM members",
    )


def state(case) -> str:
    return GrantCase.objects.get(pk=case.pk).state


def meeting_post(
    day="20",
    month="11",
    year="2026",
    time="10:30",
    place="City Hall",
    invitees="Chair\nFinance lead",
):
    return {
        "date_0": day,
        "date_1": month,
        "date_2": year,
        "time": time,
        "place": place,
        "invitees": invitees,
    }


def outcome_url(item) -> str:
    return reverse("approvals:record-outcome", args=[item.meeting_id, item.pk])


def error_summary_links(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


# Recording a meeting ---------------------------------------------------------------------


def test_the_secretariat_records_a_meeting_and_lands_on_it(iam_client, people):
    response = iam_client.post(reverse("approvals:meeting-create"), meeting_post())

    meeting = IamMeeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("approvals:meeting", args=[meeting.pk])
    assert (meeting.date, meeting.time, meeting.place, meeting.invitees, meeting.attendees) == (
        MEETING_DAY,
        datetime.time(10, 30),
        "City Hall",
        "Chair\nFinance lead",
        "",
    )
    assert meeting.created_by == people.iam
    event = AuditEvent.objects.get(action=AuditAction.MEETING_RECORDED)
    assert event.details == {
        "meeting": meeting.pk,
        "date": "2026-11-20",
        "time": "10:30",
        "place": "City Hall",
        "invitees": "Chair\nFinance lead",
    }

    page = iam_client.get(response.url).content.decode()
    assert "The IAM meeting of 20 November 2026 has been recorded" in page
    assert "Chair<br>Finance lead" in page
    assert "10:30" in page
    assert "Recorded with the first outcome" in page


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "anchor"),
    [
        ("", "", "", "Enter the date of the meeting", "id_date_0"),
        ("20", "", "2026", "The date of the meeting must include a month", "id_date_1"),
        ("31", "2", "2026", "The date of the meeting must be a real date", "id_date_0"),
        ("20", "13", "2026", "The date of the meeting must be a real date", "id_date_1"),
        ("x", "11", "2026", "The date of the meeting must be a real date", "id_date_0"),
        ("20", "11", "26", "must include a year with 4 numbers, like 2024", "id_date_2"),
        ("20", "11", "1999", "The date of the meeting must be in 2000 or later", "id_date_0"),
        ("20", "11", "9999", "must be within the next 2 years", "id_date_0"),
    ],
)
def test_a_bad_meeting_date_is_refused_with_a_message_and_nothing_is_saved(
    iam_client, day, month, year, message, anchor
):
    response = iam_client.post(reverse("approvals:meeting-create"), meeting_post(day, month, year))

    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: " in page
    [(link, text)] = error_summary_links(page)
    assert message in text
    assert link == anchor
    assert f'id="{anchor}"' in page
    assert IamMeeting.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.MEETING_RECORDED).exists()


@pytest.mark.parametrize(
    ("changes", "anchor", "message"),
    [
        ({"time": ""}, "id_time", "Enter the time of the meeting"),
        ({"time": "25:00"}, "id_time", "Enter the time of the meeting as hours and minutes"),
        ({"time": "half ten"}, "id_time", "Enter the time of the meeting as hours and minutes"),
        ({"place": "  "}, "id_place", "Enter where the meeting is held"),
        ({"place": "x" * 201}, "id_place", "The place must be 200 characters or fewer"),
        ({"invitees": "  "}, "id_invitees", "Enter who is invited to the meeting"),
    ],
)
def test_a_meeting_without_its_details_is_refused_and_the_typed_text_is_kept(
    iam_client, changes, anchor, message
):
    data = {**meeting_post(place="Committee Room 4", invitees="Chair typed"), **changes}
    response = iam_client.post(reverse("approvals:meeting-create"), data)

    assert response.status_code == 400
    page = response.content.decode()
    [(link, text)] = error_summary_links(page)
    assert (link, message in text) == (anchor, True)
    assert f'id="{anchor}"' in page
    for field, typed in data.items():
        if field.startswith("date") or not typed.strip():
            continue
        assert html.escape(typed) in page
    assert IamMeeting.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.MEETING_RECORDED).exists()


def test_the_time_may_be_written_with_a_dot(iam_client):
    iam_client.post(reverse("approvals:meeting-create"), meeting_post(time="14.05"))

    assert IamMeeting.objects.get().time == datetime.time(14, 5)


def test_an_empty_post_is_refused_rather_than_shown_as_a_blank_form(iam_client):
    response = iam_client.post(reverse("approvals:meeting-create"), {})

    assert response.status_code == 400
    assert [text for _, text in error_summary_links(response.content.decode())] == [
        "Enter the date of the meeting",
        "Enter the time of the meeting",
        "Enter where the meeting is held",
        "Enter who is invited to the meeting",
    ]


# The list of meetings --------------------------------------------------------------------


def test_the_list_shows_upcoming_and_past_meetings_and_the_cases_waiting(iam_client, people, case):
    today = timezone.localdate()
    past = services.record_meeting(
        by=people.iam,
        date=today - datetime.timedelta(days=400),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="A",
    )
    upcoming = services.record_meeting(
        by=people.iam,
        date=today + datetime.timedelta(days=10),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="B",
    )
    on_agenda = make_case(people.manager, title="Already on an agenda")
    services.submit(on_agenda, by=people.manager)
    services.add_to_agenda(past, on_agenda, by=people.iam)
    services.submit(case, by=people.manager)
    make_case(people.manager, title="Still a draft")

    page = iam_client.get(reverse("approvals:meetings")).content.decode()

    assert table_starting(page, "Upcoming meetings")[1:] == [
        [f"{upcoming.date:%-d %B %Y}", "0", "0 of 0"]
    ]
    assert table_starting(page, "Past meetings")[1:] == [[f"{past.date:%-d %B %Y}", "1", "0 of 1"]]
    waiting = table_starting(page, "Cases waiting for IAM")
    assert [row[:2] for row in waiting[1:]] == [["Organised Crime Grant", "1"]]
    assert f'href="{reverse("approvals:meeting-create")}"' in page


def test_outcomes_recorded_are_counted(iam_client, people):
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    meeting = services.record_meeting(
        by=people.iam, date=last_week, time=datetime.time(10, 0), place="City Hall", invitees="A"
    )
    for title in ("First", "Second", "Third"):
        case = make_case(people.manager, title=title)
        services.submit(case, by=people.manager)
        services.add_to_agenda(meeting, case, by=people.iam)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )

    page = iam_client.get(reverse("approvals:meetings")).content.decode()

    assert table_starting(page, "Past meetings")[1:] == [[f"{last_week:%-d %B %Y}", "3", "1 of 3"]]
    assert "No meetings are planned" in page


# The meeting and its agenda -------------------------------------------------------------


def test_the_meeting_page_shows_its_agenda_with_outcomes_and_notes(iam_client, people, meeting):
    endorsed = make_case(people.manager, title="Endorsed case")
    services.submit(endorsed, by=people.manager)
    services.add_to_agenda(meeting, endorsed, by=people.iam)
    services.record_iam_outcome(
        endorsed,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.ENDORSED_WITH_CONDITIONS,
        note="Report quarterly.",
    )
    pending = make_case(people.manager, title="Pending case")
    services.submit(pending, by=people.manager)
    item = services.add_to_agenda(meeting, pending, by=people.iam)

    page = iam_client.get(reverse("approvals:meeting", args=[meeting.pk])).content.decode()

    assert table_starting(page, "Agenda")[1:] == [
        ["Endorsed case", "Version 1", "Endorsed with conditions", "Report quarterly.", "", ""],
        [
            "Pending case",
            "Version 1",
            "Not yet considered",
            "",
            "",
            "Record outcome for Pending case",
        ],
    ]
    assert f'href="{outcome_url(item)}"' in page
    assert f'href="{reverse("grants:report", args=[pending.pk])}"' in page
    assert f'href="{reverse("approvals:version", args=[pending.pk, 1])}"' in page
    # Nothing is waiting, so there is nothing to add.
    assert "No cases are waiting for IAM" in page


def test_a_waiting_case_is_added_to_the_agenda(iam_client, people, case, meeting):
    version = services.submit(case, by=people.manager)
    page = iam_client.get(reverse("approvals:meeting", args=[meeting.pk])).content.decode()
    assert f'<option value="{case.pk}">Organised Crime Grant (version 1)</option>' in page

    response = iam_client.post(
        reverse("approvals:add-to-agenda", args=[meeting.pk]), {"case": case.pk}, follow=True
    )

    item = AgendaItem.objects.get()
    assert (item.meeting, item.case, item.version, item.outcome) == (
        meeting,
        case,
        version,
        IamOutcome.PENDING,
    )
    assert response.redirect_chain == [(reverse("approvals:meeting", args=[meeting.pk]), 302)]
    assert "‘Organised Crime Grant’ has been added to the agenda." in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Choose a case to add to the agenda"),
        ("abc", "Choose a case from the list"),
        ("1e3", "Choose a case from the list"),
        ("-1", "Choose a case from the list"),
        ("987654", "Choose a case from the list"),
        ("99999999999999999999999", "Choose a case from the list"),
        ("1\x00", "Null characters are not allowed."),
    ],
)
def test_adding_garbage_to_the_agenda_shows_an_error_not_a_crash(
    iam_client, people, case, meeting, value, message
):
    services.submit(case, by=people.manager)

    response = iam_client.post(
        reverse("approvals:add-to-agenda", args=[meeting.pk]), {"case": value}
    )

    assert response.status_code == 400
    assert error_summary_links(response.content.decode()) == [("id_case", message)]
    assert AgendaItem.objects.count() == 0


def test_a_draft_case_cannot_be_added_to_an_agenda(iam_client, case, meeting):
    response = iam_client.post(
        reverse("approvals:add-to-agenda", args=[meeting.pk]), {"case": case.pk}
    )

    assert response.status_code == 400
    assert "Choose a case from the list" in response.content.decode()
    assert AgendaItem.objects.count() == 0


def test_a_case_already_on_an_agenda_is_refused_with_the_reason(iam_client, people, case, meeting):
    to_iam(case, people)  # on another meeting's agenda

    response = iam_client.post(
        reverse("approvals:add-to-agenda", args=[meeting.pk]), {"case": case.pk}
    )

    assert response.status_code == 400
    assert error_summary_links(response.content.decode()) == [
        ("id_case", "This version of the case is already on an IAM agenda.")
    ]
    assert AgendaItem.objects.filter(meeting=meeting).count() == 0


def test_a_case_that_moved_on_is_refused_with_a_banner(iam_client, people, case, meeting):
    to_dmpc_review(case, people)

    response = iam_client.post(
        reverse("approvals:add-to-agenda", args=[meeting.pk]), {"case": case.pk}, follow=True
    )

    assert response.redirect_chain == [(reverse("approvals:meeting", args=[meeting.pk]), 302)]
    page = response.content.decode()
    assert "govuk-notification-banner" in page
    assert "not waiting for IAM review" in page
    assert AgendaItem.objects.filter(meeting=meeting).count() == 0


def test_adding_to_the_agenda_refuses_get_and_unknown_meetings(iam_client, meeting):
    assert iam_client.get(reverse("approvals:add-to-agenda", args=[meeting.pk])).status_code == 405
    unknown = iam_client.post(reverse("approvals:add-to-agenda", args=[meeting.pk + 1]), {})
    assert unknown.status_code == 404


# Recording an outcome -------------------------------------------------------------------


@pytest.fixture
def item(people, case):
    to_iam(case, people)
    return AgendaItem.objects.get(case=case)


def test_the_outcome_form_offers_four_outcomes_with_their_notes(iam_client, item):
    page = iam_client.get(outcome_url(item)).content.decode()

    radios = re.findall(r'<input class="govuk-radios__input" id="([^"]+)"[^>]*value="(\w+)"', page)
    assert radios == [
        ("id_outcome", "endorsed"),
        ("id_outcome-2", "endorsed_with_conditions"),
        ("id_outcome-3", "returned"),
        ("id_outcome-4", "not_supported"),
    ]
    # Only the outcomes that need a note have one, under its radio, each with its own
    # question, hidden until its radio is chosen (shown to all without JavaScript).
    assert re.findall(
        r'class="govuk-radios__conditional govuk-radios__conditional--hidden" id="([^"]+)"', page
    ) == [
        "conditional-id_outcome-2",
        "conditional-id_outcome-3",
        "conditional-id_outcome-4",
    ]
    for label in ("Conditions", "What needs to change", "Why IAM does not support it"):
        assert label in page
    assert '<input type="hidden" name="seen_version" value="1"' in page
    assert "Organised Crime Grant" in page and "Version 1" in page


@pytest.mark.parametrize(
    ("outcome", "note_field", "note", "new_state"),
    [
        (IamOutcome.ENDORSED, None, "", CaseState.DMPC_REVIEW),
        (IamOutcome.ENDORSED_WITH_CONDITIONS, "conditions", "Quarterly reports.", "dmpc_review"),
        (IamOutcome.RETURNED, "changes", "Cost the overtime.", CaseState.DRAFT),
        (IamOutcome.NOT_SUPPORTED, "reasons", "Poor value.", CaseState.DMPC_REVIEW),
    ],
)
def test_each_outcome_is_recorded_and_moves_the_case_on(
    iam_client, people, case, item, outcome, note_field, note, new_state
):
    data = {"outcome": outcome.value, "attendees": "IAM members", "seen_version": "1"}
    if note_field:
        data[note_field] = note

    response = iam_client.post(outcome_url(item), data, follow=True)

    item.refresh_from_db()
    assert (item.outcome, item.note, item.recorded_by) == (outcome, note, people.iam)
    assert state(case) == new_state
    assert response.redirect_chain == [(reverse("approvals:meeting", args=[item.meeting_id]), 302)]
    assert f"has been recorded: {outcome.label.lower()}" in response.content.decode()


def test_notes_written_under_another_outcome_are_not_recorded(iam_client, case, item):
    iam_client.post(
        outcome_url(item),
        {
            "outcome": "endorsed",
            "conditions": "Typed, then changed my mind",
            "attendees": "IAM members",
            "seen_version": "1",
        },
    )

    item.refresh_from_db()
    assert (item.outcome, item.note) == (IamOutcome.ENDORSED, "")


@pytest.mark.parametrize(
    ("outcome", "note_field"),
    [
        (IamOutcome.ENDORSED_WITH_CONDITIONS, "conditions"),
        (IamOutcome.RETURNED, "changes"),
        (IamOutcome.NOT_SUPPORTED, "reasons"),
    ],
)
def test_an_outcome_without_its_note_is_refused_and_nothing_changes(
    iam_client, case, item, outcome, note_field
):
    response = iam_client.post(
        outcome_url(item),
        {
            "outcome": outcome.value,
            note_field: "   ",
            "attendees": "IAM members",
            "seen_version": "1",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert error_summary_links(page) == [(f"id_{note_field}", IAM_NOTE_REQUIRED[outcome])]
    assert f'value="{outcome.value}" checked' in page  # the choice is kept
    item.refresh_from_db()
    assert item.outcome == IamOutcome.PENDING
    assert state(case) == CaseState.IAM_REVIEW


def test_an_overlong_note_is_refused_but_one_under_another_outcome_is_ignored(
    iam_client, case, item
):
    too_long = "x" * 10_001
    response = iam_client.post(
        outcome_url(item),
        {
            "outcome": "returned",
            "changes": too_long,
            "attendees": "IAM members",
            "seen_version": "1",
        },
    )
    assert response.status_code == 400
    assert error_summary_links(response.content.decode()) == [
        ("id_changes", "What needs to change must be 10,000 characters or fewer")
    ]
    assert state(case) == CaseState.IAM_REVIEW

    response = iam_client.post(
        outcome_url(item),
        {
            "outcome": "endorsed",
            "conditions": too_long,
            "attendees": "IAM members",
            "seen_version": "1",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.outcome, item.note) == (IamOutcome.ENDORSED, "")


@pytest.mark.parametrize("value", ["", "maybe"])
def test_an_outcome_must_be_chosen(iam_client, case, item, value):
    response = iam_client.post(
        outcome_url(item), {"outcome": value, "attendees": "IAM members", "seen_version": "1"}
    )

    assert response.status_code == 400
    assert error_summary_links(response.content.decode()) == [
        ("id_outcome", "Choose what the meeting advised")
    ]
    assert state(case) == CaseState.IAM_REVIEW


@pytest.mark.parametrize("seen", ["2", "0", "garbage", ""])
def test_a_stale_or_mangled_version_is_refused_as_out_of_date(iam_client, case, item, seen):
    response = iam_client.post(
        outcome_url(item),
        {"outcome": "endorsed", "attendees": "IAM members", "seen_version": seen},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("approvals:meeting", args=[item.meeting_id]), 302)]
    assert "there is a newer version" in response.content.decode()
    item.refresh_from_db()
    assert item.outcome == IamOutcome.PENDING
    assert state(case) == CaseState.IAM_REVIEW


def test_an_outcome_already_recorded_cannot_be_recorded_again(iam_client, people, case, item):
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.ENDORSED
    )

    for response in (
        iam_client.get(outcome_url(item), follow=True),
        iam_client.post(outcome_url(item), {"outcome": "returned", "changes": "x"}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse(
            "approvals:meeting", args=[item.meeting_id]
        )
        assert "has already been recorded: endorsed" in response.content.decode()
    item.refresh_from_db()
    assert item.outcome == IamOutcome.ENDORSED
    assert state(case) == CaseState.DMPC_REVIEW


def test_a_secretary_who_edited_the_case_cannot_record_its_outcome(client, people, meeting):
    both = make_user("iam-manager", Role.IAM_SECRETARIAT, Role.GRANTS_MANAGER)
    case = make_case(both)
    services.submit(case, by=both)
    item = services.add_to_agenda(meeting, case, by=people.iam)
    client.force_login(both)

    response = client.post(
        outcome_url(item), {"outcome": "endorsed", "attendees": "IAM members", "seen_version": "1"}
    )

    assert response.status_code == 400
    assert "You changed this version of the case" in response.content.decode()
    assert state(case) == CaseState.IAM_REVIEW


def test_an_item_of_another_meeting_is_not_found(iam_client, people, item):
    other = services.record_meeting(
        by=people.iam,
        date=MEETING_DAY,
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="Others",
    )

    url = reverse("approvals:record-outcome", args=[other.pk, item.pk])
    assert iam_client.get(url).status_code == 404
    assert (
        iam_client.post(
            url, {"outcome": "endorsed", "attendees": "IAM members", "seen_version": "1"}
        ).status_code
        == 404
    )
    item.refresh_from_db()
    assert item.outcome == IamOutcome.PENDING


# Who may use these pages ----------------------------------------------------------------

NOT_IAM = ["manager", "finance", "legal", "equalities", "privacy", "dmpc_office", "dmpc"]


def iam_urls(item) -> list[tuple[str, str]]:
    meeting = item.meeting_id
    return [
        ("get", reverse("approvals:meetings")),
        ("get", reverse("approvals:meeting-create")),
        ("post", reverse("approvals:meeting-create")),
        ("get", reverse("approvals:meeting", args=[meeting])),
        ("post", reverse("approvals:add-to-agenda", args=[meeting])),
        ("get", outcome_url(item)),
        ("post", outcome_url(item)),
    ]


@pytest.mark.parametrize("name", [*NOT_IAM, "publisher", "outsider"])
def test_other_roles_are_refused_every_iam_page(client, people, outsider, item, name):
    client.force_login(outsider if name == "outsider" else getattr(people, name))

    for method, url in iam_urls(item):
        response = getattr(client, method)(url, meeting_post())
        assert response.status_code == 403, (method, url)
        assert "Only the IAM secretariat" in response.content.decode()
    assert IamMeeting.objects.count() == 1
    assert AgendaItem.objects.get().outcome == IamOutcome.PENDING


def test_people_not_signed_in_are_sent_to_sign_in(client, item):
    for method, url in iam_urls(item):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"


def test_the_secretariat_can_open_every_page(iam_client, item):
    for method, url in iam_urls(item):
        if method == "get":
            assert iam_client.get(url).status_code == 200, url
            assert iam_client.head(url).status_code == 200, url


def test_ids_too_big_for_the_database_are_not_found(iam_client, item):
    huge = 10**20
    assert iam_client.get(reverse("approvals:meeting", args=[huge])).status_code == 404
    assert iam_client.post(reverse("approvals:add-to-agenda", args=[huge])).status_code == 404
    url = reverse("approvals:record-outcome", args=[item.meeting_id, huge])
    assert iam_client.get(url).status_code == 404


# Who attended, and the minutes on each case ----------------------------------------------


def test_who_attended_starts_as_who_was_invited(iam_client, item):
    page = iam_client.get(outcome_url(item)).content.decode()

    attendees = page.split('id="id_attendees"', 1)[1].split("</textarea>", 1)[0]
    assert attendees.endswith(">\nIAM members")


def test_each_conditional_note_is_revealed_only_under_its_own_radio(iam_client, item):
    page = iam_client.get(outcome_url(item)).content.decode()

    for position, field in ((2, "conditions"), (3, "changes"), (4, "reasons")):
        radio = re.search(rf'<input [^>]*id="id_outcome-{position}"[^>]*>', page)[0]
        assert f'data-aria-controls="conditional-id_outcome-{position}"' in radio
        container = page.split(f'id="conditional-id_outcome-{position}"', 1)[0]
        assert container.rsplit("<div", 1)[1].startswith(
            ' class="govuk-radios__conditional govuk-radios__conditional--hidden"'
        )
        after = page.split(f'id="conditional-id_outcome-{position}"', 1)[1]
        assert after.index(f'id="id_{field}"') < (after + "govuk-radios__item").index(
            "govuk-radios__item"
        )
    assert "data-aria-controls" not in re.search(r'<input [^>]*id="id_outcome"[^>]*>', page)[0]


def test_the_chosen_outcome_keeps_its_note_revealed_after_an_error(iam_client, item):
    response = iam_client.post(
        outcome_url(item),
        {"outcome": "returned", "changes": "", "attendees": "Chair", "seen_version": "1"},
    )

    page = response.content.decode()
    assert 'class="govuk-radios__conditional" id="conditional-id_outcome-3"' in page
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden" ' in page
    assert ("id_changes", "Enter what needs to change") in error_summary_links(page)


def test_attendance_and_minutes_are_recorded_with_the_outcome(iam_client, people, case, item):
    response = iam_client.post(
        outcome_url(item),
        {
            "outcome": "endorsed",
            "attendees": "Chair\nFinance lead",
            "minutes": "Members asked about overtime.",
            "seen_version": "1",
        },
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.minutes == "Members asked about overtime."
    assert item.meeting.attendees == "Chair\nFinance lead"
    event = AuditEvent.objects.get(action=AuditAction.IAM_OUTCOME)
    assert event.details["attendees"] == "Chair\nFinance lead"
    assert event.details["minutes"] == "Members asked about overtime."
    assert event.details["meeting"] == item.meeting_id

    meeting_page = iam_client.get(response.url).content.decode()
    assert "Chair<br>Finance lead" in meeting_page
    assert "Members asked about overtime." in meeting_page


def test_an_outcome_without_who_attended_is_refused_and_the_typed_text_kept(iam_client, case, item):
    response = iam_client.post(
        outcome_url(item),
        {
            "outcome": "endorsed_with_conditions",
            "conditions": "Report <quarterly>.",
            "attendees": "  ",
            "minutes": "Discussed at length.",
            "seen_version": "1",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert error_summary_links(page) == [("id_attendees", "Enter who attended the meeting")]
    assert "Report &lt;quarterly&gt;." in page
    assert "Discussed at length." in page
    item.refresh_from_db()
    assert (item.outcome, item.minutes, item.meeting.attendees) == (IamOutcome.PENDING, "", "")
    assert state(case) == CaseState.IAM_REVIEW


def test_the_service_refuses_an_outcome_without_who_attended(people, case, item):
    with pytest.raises(WorkflowError, match="Enter who attended the meeting"):
        services.record_iam_outcome(
            case, by=people.iam, outcome=IamOutcome.ENDORSED, attendees=" \n "
        )
    item.refresh_from_db()
    assert item.outcome == IamOutcome.PENDING
    assert not AuditEvent.objects.filter(action=AuditAction.IAM_OUTCOME).exists()


def test_the_case_page_shows_staff_the_meeting_and_its_minutes(client, people, case, item):
    services.record_iam_outcome(
        case,
        by=people.iam,
        outcome=IamOutcome.ENDORSED,
        attendees="Chair",
        minutes="Members asked about overtime.",
    )

    for who in (people.dmpc_office, people.manager):
        client.force_login(who)
        page = client.get(reverse("grants:report", args=[case.pk])).content.decode()
        iam = page.split('id="iam"', 1)[1]
        assert "20 November 2026 at 10:00" in iam
        assert "City Hall" in iam
        assert "Endorsed" in iam
        assert "Members asked about overtime." in iam


def test_the_case_page_has_no_iam_section_before_iam(client, people, case):
    client.force_login(people.manager)
    page = client.get(reverse("grants:report", args=[case.pk])).content.decode()
    assert 'id="iam"' not in page
