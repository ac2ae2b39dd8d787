"""Publication: the working-day schedule, deferral, publish_due and corrections."""

import datetime
import io
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from approvals.models import AuditAction, AuditEvent, Publication, PublishedRevision
from approvals.publication import services as publishing
from approvals.publication.services import PublicationError, working_days_after
from grants.models import CaseState, GrantCase
from tests.factories import make_case
from tests.workflow import approve, to_ready

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        (at(2026, 11, 25, 15, 0), at(2026, 11, 26, 15, 0)),  # Wednesday → Thursday
        (at(2026, 11, 27, 16, 30), at(2026, 11, 30, 16, 30)),  # Friday → Monday
        (at(2026, 11, 28, 10, 0), at(2026, 11, 30, 10, 0)),  # Saturday → Monday
        (at(2026, 8, 28, 12, 0), at(2026, 9, 1, 12, 0)),  # Friday; 31 Aug is a bank holiday
        (at(2026, 12, 24, 9, 0), at(2026, 12, 29, 9, 0)),  # Christmas and Boxing Day (Mon)
        (at(2026, 4, 2, 9, 0), at(2026, 4, 7, 9, 0)),  # Good Friday and Easter Monday
    ],
)
def test_publication_is_due_one_working_day_later(decided, due):
    assert working_days_after(decided, 1) == due


def test_the_number_of_working_days_is_a_setting(settings):
    assert working_days_after(at(2026, 11, 25, 15, 0), 3) == at(2026, 11, 30, 15, 0)


pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(people):
    case = make_case(
        people.manager, part2_content="PLANTED-PART2-SECRET", part2_exemption_reason="x"
    )
    to_ready(case, people)
    decision = approve(case, people)
    return decision.publication


def test_a_decision_is_scheduled_when_it_is_made(decided):
    assert decided.slug == "pcd-1"
    assert decided.reference == "PCD 1"
    assert decided.due_at == working_days_after(decided.decision.decided_at, 1)
    assert decided.published_at is None
    assert decided.title == "A test case"
    assert decided.funders == "Home Office"
    assert decided.financial_years == "2025/26"
    assert "Specified Information" in decided.legal_basis and "5(d)" in decided.legal_basis


def test_publish_due_publishes_only_what_is_due_and_only_once(decided):
    before_due = decided.due_at - datetime.timedelta(minutes=1)
    assert publishing.publish_due(before_due) == []
    revisions = publishing.publish_due(decided.due_at)
    assert [r.number for r in revisions] == [1]
    assert publishing.publish_due(decided.due_at + datetime.timedelta(days=1)) == []
    decided.refresh_from_db()
    assert decided.published_at is not None
    assert GrantCase.objects.get(pk=decided.decision.case_id).state == CaseState.PUBLISHED
    assert AuditEvent.objects.filter(action=AuditAction.PUBLISHED).count() == 1


def test_what_is_published_has_the_record_and_part_1_but_never_part_2(decided):
    revision = publishing.publish_due(decided.due_at)[0]
    record = revision.record
    assert record["reference"] == "PCD 1"
    assert record["outcome"] == "approved"
    assert record["decided_by"]["role"] == "Deputy Mayor for Policing and Crime"
    assert record["has_part2"] is True
    assert "part2" not in revision.document
    assert "PLANTED-PART2-SECRET" not in str(revision.record) + str(revision.document)
    assert revision.document_sha256 == decided.decision.version.part1_sha256


def test_a_deferred_decision_waits_until_its_new_date(decided, people):
    later = decided.due_at + datetime.timedelta(days=10)
    publishing.defer(decided, by=people.publisher, until=later, reason="Police operation")
    assert publishing.publish_due(decided.due_at + datetime.timedelta(days=1)) == []
    assert len(publishing.publish_due(later)) == 1


def test_deferral_needs_a_publisher_a_reason_and_a_future_date(decided, people):
    future = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(PublicationError, match="Only publishers"):
        publishing.defer(decided, by=people.dmpc, until=future, reason="x")
    with pytest.raises(PublicationError, match="Enter why"):
        publishing.defer(decided, by=people.publisher, until=future, reason=" ")
    with pytest.raises(PublicationError, match="must be in the future"):
        publishing.defer(
            decided,
            by=people.publisher,
            until=timezone.now() - datetime.timedelta(days=1),
            reason="x",
        )


def test_a_publisher_can_publish_now_once(decided, people):
    revision = publishing.publish_now(decided, by=people.publisher)
    assert revision.published_by == people.publisher
    with pytest.raises(PublicationError, match="already published"):
        publishing.publish_now(decided, by=people.publisher)
    assert publishing.publish_due(decided.due_at) == []


def test_a_rejected_decision_is_published_too(people):
    from approvals import services
    from tests.factories import PASSWORD

    case = make_case(people.manager)
    to_ready(case, people)
    decision = services.decide(
        case,
        by=people.dmpc,
        outcome="reject",
        no_alternatives=True,
        password=PASSWORD,
        reasons="Poor value.",
    )
    revision = publishing.publish_due(decision.publication.due_at)[0]
    assert revision.record["outcome"] == "rejected"
    assert revision.record["reasons"] == "Poor value."
    assert GrantCase.objects.get(pk=case.pk).state == CaseState.REJECTED


def test_a_correction_is_a_new_revision_and_history_is_kept(decided, people):
    first = publishing.publish_now(decided, by=people.publisher)
    second = publishing.publish_correction(
        decided,
        by=people.publisher,
        note="Corrected a typing error in the reasons.",
        changes={"reasons": "Represents good value for London."},
    )
    assert (first.number, second.number) == (1, 2)
    assert first.record["reasons"] == "Good value."
    assert second.record["reasons"] == "Represents good value for London."
    assert second.note == "Corrected a typing error in the reasons."
    assert PublishedRevision.objects.filter(publication=decided).count() == 2
    first.refresh_from_db()
    assert first.record["reasons"] == "Good value."
    with pytest.raises(PublicationError, match="changes nothing"):
        publishing.publish_correction(
            decided,
            by=people.publisher,
            note="Again.",
            changes={"reasons": "Represents good value for London."},
        )
    with pytest.raises(PublicationError, match="Enter a note"):
        publishing.publish_correction(decided, by=people.publisher, note="", changes={})


def test_the_publish_due_command_reports_what_it_did(decided, monkeypatch):
    out = io.StringIO()
    call_command("publish_due", stdout=out)
    assert "Nothing is due." in out.getvalue()
    monkeypatch.setattr(publishing.timezone, "now", lambda: decided.due_at)
    out = io.StringIO()
    call_command("publish_due", stdout=out)
    assert "Published PCD 1 revision 1." in out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_servers_running_publish_due_at_once_publish_each_item_once(people):
    publications = []
    for n in range(4):
        case = make_case(people.manager, title=f"Case {n}")
        to_ready(case, people)
        publications.append(approve(case, people).publication)
    when = max(p.due_at for p in publications)
    barrier = threading.Barrier(2)
    results = []

    def server():
        try:
            barrier.wait()
            results.append(publishing.publish_due(when))
        finally:
            connection.close()

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(len(r) for r in results) == 4
    assert PublishedRevision.objects.count() == 4
    assert all(p.revisions.count() == 1 for p in Publication.objects.all())
    assert AuditEvent.objects.filter(action=AuditAction.PUBLISHED).count() == 4
