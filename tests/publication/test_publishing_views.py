"""The publishers' pages: what is waiting, publishing now, deferring, correcting, the
history of revisions, and whether decisions were published on time."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import AuditAction, AuditEvent, Publication, PublishedRevision
from approvals.publication import services as publishing
from approvals.publication.views.staff import (
    LATE,
    NOT_DUE,
    ON_TIME,
    OVERDUE,
    on_time_share,
    timeliness,
)
from approvals.services import decide as dmpc_decides
from tests.factories import PASSWORD, make_case, make_user
from tests.html import table_starting
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def decide(people, title: str = "Serious violence grant") -> Publication:
    case = make_case(people.manager, title=title)
    to_ready(case, people)
    return approve(case, people).publication


@pytest.fixture
def scheduled(people) -> Publication:
    return decide(people)


@pytest.fixture
def publisher_client(client, people):
    client.force_login(people.publisher)
    return client


def url(name: str, item: Publication | None = None) -> str:
    if item is None:
        return {"list": "/staff/publications/", "compliance": "/staff/publications/compliance/"}[
            name
        ]
    suffix = {"detail": "", "publish": "publish/", "defer": "defer/", "correct": "correct/"}
    return f"/staff/publications/{item.pk}/{suffix[name]}"


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def in_a_week() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=7)


def date_fields(day: datetime.date | None, **extra) -> dict:
    if day is None:
        return {"until_0": "", "until_1": "", "until_2": "", **extra}
    return {"until_0": day.day, "until_1": day.month, "until_2": day.year, **extra}


# Who may see them ---------------------------------------------------------------------------


ROLES = ["manager", "iam", "finance", "legal", "equalities", "privacy", "dmpc_office", "dmpc"]


@pytest.mark.parametrize("page_name", ["list", "compliance", "detail", "defer"])
def test_only_publishers_see_the_publication_pages(client, people, scheduled, page_name):
    address = url(page_name, None if page_name in ("list", "compliance") else scheduled)
    response = client.get(address)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for role in ROLES:
        client.force_login(getattr(people, role))
        response = client.get(address)
        assert response.status_code == 403, role
        assert "Only publishers can see and change publication." in page(response)
    client.force_login(people.publisher)
    assert client.get(address).status_code == 200


@pytest.mark.parametrize("action", ["publish", "defer", "correct"])
def test_no_one_else_can_publish_defer_or_correct(client, people, scheduled, action):
    for role in ROLES:
        client.force_login(getattr(people, role))
        response = client.post(
            url(action, scheduled), date_fields(in_a_week(), reason="Operational.", note="x")
        )
        assert response.status_code == 403, role
    scheduled.refresh_from_db()
    assert scheduled.published_at is None and scheduled.deferred_until is None


def test_a_missing_publication_is_404(publisher_client):
    assert publisher_client.get("/staff/publications/999/").status_code == 404
    assert publisher_client.post("/staff/publications/999/publish/").status_code == 404


# The list ---------------------------------------------------------------------------------


def test_the_list_shows_what_is_waiting_and_what_was_published(publisher_client, people):
    first = decide(people, "Knife crime grant")
    second = decide(people, "Serious violence grant")
    publishing.publish_now(first, by=people.publisher)

    html = page(publisher_client.get(url("list")))
    waiting = table_starting(html, "Decisions waiting to be published")
    assert len(waiting) == 2
    reference, status, due, agreement = waiting[1]
    assert reference == "PCD 2 Serious violence grant Approved"
    assert status == "Scheduled"
    assert due == f"{timezone.localtime(second.due_at):%-d %B %Y at %H:%M}"
    assert agreement == "Not uploaded yet"

    published = table_starting(html, "Recently published decisions")
    assert published[1][0] == "PCD 1 Knife crime grant Approved"
    assert published[1][2] == "1"
    assert f'href="{url("detail", first)}"' in html and f'href="{url("detail", second)}"' in html


def test_the_list_shows_a_deferral_and_its_reason(publisher_client, people, scheduled):
    until = timezone.now() + datetime.timedelta(days=10)
    publishing.defer(scheduled, by=people.publisher, until=until, reason="An operation is live.")
    row = table_starting(page(publisher_client.get(url("list"))), "Decisions waiting")[1]
    assert row[1] == "Deferred"
    assert row[2].startswith(f"{timezone.localtime(until):%-d %B %Y at %H:%M}")
    assert "An operation is live." in row[2]


def test_the_list_takes_a_fixed_number_of_queries(
    publisher_client, people, django_assert_num_queries
):
    decide(people, "One")
    with CaptureQueriesContext(connection) as few:
        publisher_client.get(url("list"))
    for title in ("Two", "Three"):
        publishing.publish_now(decide(people, title), by=people.publisher)
    with django_assert_num_queries(len(few.captured_queries)):
        publisher_client.get(url("list"))


# Publishing now --------------------------------------------------------------------------


def test_a_publisher_publishes_now(publisher_client, people, scheduled):
    response = publisher_client.post(url("publish", scheduled), follow=True)
    assert response.redirect_chain == [(url("detail", scheduled), 302)]
    assert messages_of(response) == [
        "PCD 1 has been published without its grant agreement, which will be added once one "
        "is uploaded and reviewed."
    ]
    scheduled.refresh_from_db()
    assert scheduled.published_at is not None
    revision = scheduled.revisions.get()
    assert revision.number == 1 and revision.published_by == people.publisher
    html = page(response)
    assert "Published</strong>" in html
    assert 'href="/decisions/pcd-1/decision.pdf"' in html
    assert "Publish a correction" in html and "Defer publication" not in html


def test_publishing_twice_says_it_is_already_published(publisher_client, people, scheduled):
    publishing.publish_now(scheduled, by=people.publisher)
    response = publisher_client.post(url("publish", scheduled), follow=True)
    assert messages_of(response) == ["PCD 1 is already published."]
    assert PublishedRevision.objects.count() == 1


def test_publish_now_refuses_get(publisher_client, scheduled):
    assert publisher_client.get(url("publish", scheduled)).status_code == 405
    scheduled.refresh_from_db()
    assert scheduled.published_at is None


def test_the_page_warns_when_the_agreement_is_missing(publisher_client, scheduled):
    html = page(publisher_client.get(url("detail", scheduled)))
    assert "The grant agreement has not been uploaded." in html
    assert "Not uploaded yet." in html
    assert "As it will be published." in html
    assert "Reasons for the decision</dt>" in html and "Good value." in html


# Deferring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            date_fields(None, reason=""),
            [
                ("id_until_0", "Enter the date to publish on"),
                ("id_reason", "Enter why publication is being deferred"),
            ],
        ),
        (
            {"until_0": "31", "until_1": "2", "until_2": "2027", "reason": "Operational."},
            [("id_until_0", "The date to publish on must be a real date")],
        ),
        (
            {"until_0": "1", "until_1": "", "until_2": "2027", "reason": "Operational."},
            [("id_until_1", "The date to publish on must include a month")],
        ),
        (
            {"until_0": "1", "until_1": "13", "until_2": "2027", "reason": "Operational."},
            [("id_until_1", "The date to publish on must be a real date")],
        ),
        (
            date_fields(timezone.localdate(), reason="Operational."),
            [("id_until_0", "The date to publish on must be in the future")],
        ),
        (
            date_fields(datetime.date(2062, 1, 1), reason="Operational."),
            [("id_until_0", "The date to publish on must be within the next 5 years")],
        ),
        (
            date_fields(in_a_week(), reason="   "),
            [("id_reason", "Enter why publication is being deferred")],
        ),
        (
            date_fields(in_a_week(), reason="x" * 5001),
            [("id_reason", "The reason must be 5,000 characters or fewer")],
        ),
    ],
)
def test_a_deferral_needs_a_future_date_and_a_reason(publisher_client, scheduled, fields, errors):
    response = publisher_client.post(url("defer", scheduled), fields)
    assert response.status_code == 400
    html = page(response)
    for anchor, message in errors:
        assert f'<a href="#{anchor}">{message}</a>' in html
    assert html.count("govuk-error-summary__list") == 1
    scheduled.refresh_from_db()
    assert scheduled.deferred_until is None
    assert not AuditEvent.objects.filter(action=AuditAction.PUBLICATION_DEFERRED).exists()


def test_a_publisher_defers_publication(publisher_client, scheduled):
    day = in_a_week()
    response = publisher_client.post(
        url("defer", scheduled), date_fields(day, reason="A trial is under way."), follow=True
    )
    assert response.redirect_chain == [(url("detail", scheduled), 302)]
    assert messages_of(response) == [
        f"Publication of PCD 1 is deferred. It will be published at 9am on {day:%-d %B %Y}."
    ]
    scheduled.refresh_from_db()
    assert scheduled.deferred_until == datetime.datetime.combine(
        day, datetime.time(9), tzinfo=LONDON
    )
    assert scheduled.deferral_reason == "A trial is under way."
    event = AuditEvent.objects.get(action=AuditAction.PUBLICATION_DEFERRED)
    assert event.details["reason"] == "A trial is under way."
    assert "A trial is under way." in page(response)
    # publish_due leaves it alone until then.
    assert publishing.publish_due(scheduled.due_at + datetime.timedelta(minutes=1)) == []


def test_the_defer_page_shows_the_current_deferral(publisher_client, people, scheduled):
    until = datetime.datetime.combine(in_a_week(), datetime.time(9), tzinfo=LONDON)
    publishing.defer(scheduled, by=people.publisher, until=until, reason="Operational.")
    html = page(publisher_client.get(url("defer", scheduled)))
    assert f'name="until_0" value="{until.day}"' in html
    assert "Operational.</textarea>" in html


def test_a_published_decision_cannot_be_deferred(publisher_client, people, scheduled):
    publishing.publish_now(scheduled, by=people.publisher)
    response = publisher_client.post(
        url("defer", scheduled), date_fields(in_a_week(), reason="Late thought."), follow=True
    )
    assert messages_of(response) == [
        "PCD 1 is already published: it can be corrected, not deferred."
    ]
    scheduled.refresh_from_db()
    assert scheduled.deferred_until is None


# Corrections ----------------------------------------------------------------------------


@pytest.fixture
def published(people, scheduled) -> Publication:
    publishing.publish_now(scheduled, by=people.publisher)
    return scheduled


def correction(item: Publication, **changes) -> dict:
    record = item.revisions.order_by("-number").first().record
    fields = {field: record[field] for field in publishing.CORRECTABLE}
    return {**fields, "seen_revision": item.revisions.count(), "note": "", **changes}


def test_the_correction_form_is_filled_in_from_the_current_revision(publisher_client, published):
    html = page(publisher_client.get(url("correct", published)))
    assert 'name="title" value="Serious violence grant"' in html
    assert "Good value.</textarea>" in html
    assert "Specified Information" in html
    assert 'name="seen_revision" value="1"' in html


def test_a_correction_needs_a_note(publisher_client, published):
    response = publisher_client.post(
        url("correct", published), correction(published, title="Serious Violence Grant")
    )
    assert response.status_code == 400
    assert '<a href="#id_note">Enter what the correction changes and why</a>' in page(response)
    assert 'value="Serious Violence Grant"' in page(response)  # what was typed is kept
    assert published.revisions.count() == 1


def test_a_correction_that_changes_nothing_is_refused(publisher_client, published):
    response = publisher_client.post(
        url("correct", published), correction(published, note="Nothing, really.")
    )
    assert response.status_code == 400
    assert "The correction changes nothing." in page(response)
    assert published.revisions.count() == 1


def test_a_publisher_publishes_a_correction_and_the_history_shows_both(publisher_client, published):
    response = publisher_client.post(
        url("correct", published),
        correction(
            published,
            title="Serious Violence Reduction Grant",
            reasons="Good value for London.",
            note="The title and reasons were mistyped.",
        ),
        follow=True,
    )
    assert response.redirect_chain == [(url("detail", published), 302)]
    assert messages_of(response) == ["The correction has been published as revision 2 of PCD 1."]
    published.refresh_from_db()
    assert published.title == "Serious Violence Reduction Grant"
    first, second = published.revisions.order_by("number")
    assert first.record["title"] == "Serious violence grant"  # never edited in place
    assert second.record["title"] == "Serious Violence Reduction Grant"
    assert second.record["reasons"] == "Good value for London."
    assert second.note == "The title and reasons were mistyped."

    rows = table_starting(page(response), "Published revisions")
    assert [row[0] for row in rows[1:]] == ["2", "1"]
    assert rows[1][2] == "The title and reasons were mistyped."
    assert rows[2][2] == "First publication"
    assert "by Publisher" in rows[1][1]


def test_a_correction_of_an_out_of_date_page_is_refused_and_kept(
    publisher_client, people, published
):
    stale = correction(published, title="Typed on an old page", note="Fix the title.")
    publishing.publish_correction(
        published, by=people.publisher, note="Someone else's fix.", changes={"reasons": "New."}
    )
    response = publisher_client.post(url("correct", published), stale)
    assert response.status_code == 400
    html = page(response)
    assert "has been republished since you opened this page: it is now revision 2" in html
    assert 'value="Typed on an old page"' in html
    assert 'name="seen_revision" value="2"' in html
    assert published.revisions.count() == 2

    # Sent again from that page, it corrects the current revision.
    publisher_client.post(url("correct", published), {**stale, "seen_revision": "2"})
    assert published.revisions.count() == 3


def test_an_unpublished_decision_cannot_be_corrected(publisher_client, scheduled):
    response = publisher_client.get(url("correct", scheduled), follow=True)
    assert messages_of(response) == ["PCD 1 is not published yet: there is nothing to correct."]


# Compliance -----------------------------------------------------------------------------


def test_timeliness_follows_the_due_time(people, scheduled):
    now = scheduled.due_at
    assert timeliness(scheduled, now - datetime.timedelta(seconds=1)) == NOT_DUE
    assert timeliness(scheduled, now + datetime.timedelta(seconds=1)) == OVERDUE
    scheduled.published_at = scheduled.due_at
    assert timeliness(scheduled, now) == ON_TIME
    scheduled.published_at = scheduled.due_at + datetime.timedelta(seconds=1)
    assert timeliness(scheduled, now) == LATE


def test_the_share_rounds_down_and_ignores_what_is_not_due():
    assert on_time_share([ON_TIME] * 199 + [LATE]) == (199, 200, 99)
    assert on_time_share([ON_TIME, ON_TIME, LATE, NOT_DUE]) == (2, 3, 66)
    assert on_time_share([NOT_DUE]) == (0, 0, None)


def set_times(item: Publication, *, due: datetime.datetime, published=None):
    Publication.objects.filter(pk=item.pk).update(due_at=due, published_at=published)


def test_the_compliance_page_shows_each_decision_and_the_share_on_time(
    publisher_client, people, django_assert_num_queries
):
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    on_time = [decide(people, f"On time {n}") for n in range(3)]
    late, overdue, not_due = (decide(people, title) for title in ("Late", "Overdue", "Not due"))
    for item in on_time:
        set_times(item, due=now - 5 * hour, published=now - 6 * hour)
    set_times(late, due=now - 5 * hour, published=now - 4 * hour)
    set_times(overdue, due=now - hour)
    set_times(not_due, due=now + hour)

    response = publisher_client.get(url("compliance"))
    html = page(response)
    assert "3 of 5 published on time (60%)" in html
    assert "1 more is not due yet." in html
    rows = {row[0].split()[1]: row for row in table_starting(html, "Every decision")[1:]}
    assert rows["1"][-1] == "On time"
    assert rows["4"][-1] == "Published late"
    assert rows["5"][-1] == "Overdue" and rows["5"][3] == "Not yet"
    assert rows["6"][-1] == "Not yet due"
    assert rows["4"][2] == f"{timezone.localtime(now - 5 * hour):%-d %B %Y at %H:%M}"

    with CaptureQueriesContext(connection) as counted:
        publisher_client.get(url("compliance"))
    queries = len(counted.captured_queries)
    decide(people, "One more")
    decide(people, "And another")
    with django_assert_num_queries(queries):
        publisher_client.get(url("compliance"))


def test_the_compliance_page_with_nothing_due(publisher_client):
    assert "No decisions have been due for publication yet." in page(
        publisher_client.get(url("compliance"))
    )


def test_a_rejection_is_published_and_counted_too(publisher_client, people):
    case = make_case(people.manager, title="Rejected grant")
    to_ready(case, people)
    rejection = dmpc_decides(
        case,
        by=people.dmpc,
        outcome="reject",
        password=PASSWORD,
        reasons="Poor value.",
        no_alternatives=True,
    )
    html = page(publisher_client.get(url("detail", rejection.publication)))
    assert "Not needed: the grant was not accepted." in html
    assert "The grant agreement has not been uploaded." not in html
    publisher_client.post(url("publish", rejection.publication))
    assert "1 of 1 published on time (100%)" in page(publisher_client.get(url("compliance")))


def test_an_outsider_with_no_role_is_refused(client):
    client.force_login(make_user("nobody"))
    assert client.get(url("list")).status_code == 403
