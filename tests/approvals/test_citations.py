"""Only published decisions are named publicly: Part 1 cites a decision once it is on the
register; a link to one not yet published is a staff note until the case is submitted
again after that decision is published. The link form says nothing about decisions the
person may not see."""

import re

import pytest
from django.utils import timezone

from approvals import services
from approvals.accounts.roles import Role
from approvals.models import AuditAction, AuditEvent, RelatedDecision
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.standing import link_decision
from grants.models import GrantCase
from tests.factories import PASSWORD, make_case, make_user
from tests.workflow import approve, decide_only, to_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def deferred(people):
    """The grants manager's decision, approved and its publication deferred."""
    decision = decide_only(people, title="A deferred grant")
    publishing.defer(
        decision.publication,
        by=people.publisher,
        until=timezone.now() + timezone.timedelta(days=30),
        reason="An operation is under way.",
    )
    return decision


@pytest.fixture
def other_manager(db):
    """A grants manager who cannot see the first manager's cases."""
    return make_user("other-manager", Role.GRANTS_MANAGER)


def link(case, by, reference, kind="varies"):
    lock = GrantCase.objects.get(pk=case.pk).lock_version
    return link_decision(case, by=by, reference=reference, kind=kind, lock_version=lock)


def names(text: str, reference: str) -> bool:
    return re.search(rf"\b{re.escape(reference)}\b", text) is not None


def test_a_deferred_decision_cited_by_a_published_one_is_never_named_publicly(
    client, people, deferred
):
    citing = make_case(people.manager, title="A citing grant")
    note = link(citing, people.manager, deferred.reference)
    assert not note.cites_published_decision
    to_ready(citing, people)
    decision = approve(citing, people)
    publishing.publish_now(decision.publication, by=people.publisher)
    assert decision.version.document["related_decisions"] == []

    slug = decision.publication.slug
    page = client.get(f"/decisions/{slug}/").content.decode()
    assert "A citing grant" in page
    assert not names(page, deferred.reference)
    assert 'id="related-decisions"' not in page
    document = client.get(f"/decisions/{slug}/document.json")
    assert document.json()["related_decisions"] == []
    assert not names(document.content.decode(), deferred.reference)
    for url in ["/decisions/", "/decisions.json", "/decisions.csv", "/decisions/feed/"]:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not names(body.decode(), deferred.reference), url

    # Staff who can see the case are told of the note, outside Part 1.
    client.force_login(people.manager)
    report = client.get(f"/staff/cases/{citing.pk}/").content.decode()
    assert "Staff note: decisions not yet published" in report
    assert f"This case varies {deferred.reference}, which is not yet published." in report
    assert f"This decision varies {deferred.reference}." not in report

    # Once the deferred decision is published, its page does not list the citing one:
    # the citing decision's published Part 1 never named it.
    publishing.publish_now(deferred.publication, by=people.publisher)
    client.logout()
    original = client.get(f"/decisions/{deferred.publication.slug}/").content.decode()
    assert "A deferred grant" in original
    assert "A citing grant" not in original
    assert 'id="later-decisions"' not in original


def test_resubmitting_after_the_cited_decision_is_published_brings_it_into_part_1(
    client, people, deferred
):
    citing = make_case(people.manager, title="A citing grant")
    link(citing, people.manager, deferred.reference, kind="supersedes")
    to_ready(citing, people)
    first = citing.versions.get()
    assert first.document["related_decisions"] == []
    services.decide(
        citing, by=people.dmpc, outcome="return", password=PASSWORD, reasons="Say more."
    )

    publishing.publish_now(deferred.publication, by=people.publisher)
    client.force_login(people.manager)
    report = client.get(f"/staff/cases/{citing.pk}/").content.decode()
    assert "Staff note" not in report
    assert f"This decision supersedes {deferred.reference}." in report

    to_ready(citing, people)
    second = citing.versions.order_by("-number").first()
    assert second.number == 2
    assert second.document["related_decisions"] == [
        {"kind": "supersedes", "reference": deferred.reference}
    ]
    first.refresh_from_db()
    assert first.document["related_decisions"] == []
    decision = approve(citing, people)
    publishing.publish_now(decision.publication, by=people.publisher)
    client.logout()
    page = client.get(f"/decisions/{decision.publication.slug}/").content.decode()
    assert f"This decision supersedes {deferred.reference}." in page
    original = client.get(f"/decisions/{deferred.publication.slug}/").content.decode()
    assert "A citing grant</a> supersedes this decision." in original


def _answer(client, case, reference: str) -> tuple[int, str]:
    """The link form's answer, with the reference typed and the form's token taken out."""
    response = client.post(
        f"/staff/cases/{case.pk}/related/",
        {
            "action": "add",
            "reference": reference,
            "kind": "varies",
            "lock_version": GrantCase.objects.get(pk=case.pk).lock_version,
        },
    )
    text = re.sub(rf"\b{re.escape(reference)}\b", "REFERENCE", response.content.decode())
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return response.status_code, text


def test_the_link_form_answers_alike_for_a_missing_and_an_unseen_unpublished_decision(
    client, people, deferred, other_manager
):
    scheduled = decide_only(people, title="Approved, to be published tomorrow")
    own = make_case(other_manager, title="Another manager's case")
    client.force_login(other_manager)
    missing = _answer(client, own, "PCD 999")
    assert missing[0] == 400
    assert "There is no published decision REFERENCE. Check the reference." in missing[1]
    assert _answer(client, own, deferred.reference) == missing
    assert _answer(client, own, scheduled.reference) == missing
    assert not RelatedDecision.objects.exists()
    assert not AuditEvent.objects.filter(case=own, action=AuditAction.CASE_EDITED).exists()


def test_a_person_who_can_see_the_unpublished_decision_is_told_it_is_a_staff_note(
    client, people, deferred
):
    citing = make_case(people.manager, title="A citing grant")
    client.force_login(people.manager)
    response = client.post(
        f"/staff/cases/{citing.pk}/related/",
        {
            "action": "add",
            "reference": deferred.reference.lower(),
            "kind": "extends",
            "lock_version": GrantCase.objects.get(pk=citing.pk).lock_version,
        },
        follow=True,
    )
    page = response.content.decode()
    assert f"The link has been added as a staff note: {deferred.reference} is not yet" in page
    assert "Staff note</strong> Not yet published, so not in the report" in page
    # The edit is audited, though no version's document holds the note.
    event = AuditEvent.objects.filter(case=citing, action=AuditAction.CASE_EDITED).latest(
        "sequence"
    )
    assert {
        "field": ["related_decision_notes", "1", "reference"],
        "before": None,
        "after": deferred.reference,
    } in event.details["changes"]


def test_a_published_decision_is_cited_by_anyone_and_named_in_part_1(
    client, people, deferred, other_manager
):
    publishing.publish_now(deferred.publication, by=people.publisher)
    own = make_case(other_manager, title="Another manager's case")
    added = link(own, other_manager, deferred.reference)
    assert added.cites_published_decision
    client.force_login(other_manager)
    response = client.post(
        f"/staff/cases/{own.pk}/related/",
        {
            "action": "remove",
            "link": added.pk,
            "lock_version": GrantCase.objects.get(pk=own.pk).lock_version,
        },
    )
    assert response.status_code == 302
    assert _answer(client, own, deferred.reference)[0] == 302
    page = client.get(f"/staff/cases/{own.pk}/related/").content.decode()
    assert "The link has been added." in page
    assert "Staff note" not in page
    client.force_login(people.manager)
    report = client.get(f"/staff/cases/{own.pk}/")
    assert report.status_code == 404  # the first manager cannot see the other's case
    client.force_login(other_manager)
    report = client.get(f"/staff/cases/{own.pk}/").content.decode()
    assert f"This decision varies {deferred.reference}." in report


def test_a_decision_withdrawn_from_the_register_is_no_longer_cited_in_part_1(
    client, people, deferred, other_manager
):
    publishing.publish_now(deferred.publication, by=people.publisher)
    own = make_case(other_manager, title="Another manager's case")
    added = link(own, other_manager, deferred.reference)
    assert added.cites_published_decision

    second = make_user("second-publisher", Role.PUBLISHER)
    revision = deferred.publication.current_revision()
    asked = withdrawing.request_withdrawal(revision, by=people.publisher, reason="In error.")
    withdrawing.confirm_withdrawal(asked, by=second)

    added = RelatedDecision.objects.select_related("decision__publication").get(pk=added.pk)
    assert not added.cites_published_decision
    # Linking it now is answered as if it did not exist.
    other = make_case(other_manager, title="A third case")
    client.force_login(other_manager)
    assert _answer(client, other, deferred.reference) == _answer(client, other, "PCD 999")
