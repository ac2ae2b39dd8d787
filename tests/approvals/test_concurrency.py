"""Two people acting on the same case at once: one wins, the others are told the case
changed, and nothing is applied twice. Row locks are PostgreSQL's, so these run there."""

import threading

import pytest
from django.db import connection

from approvals import services
from approvals.models import AuditAction, AuditEvent, Decision, ReferenceSequence
from approvals.services import CaseChanged
from grants.models import CaseState, GrantCase
from tests.factories import PASSWORD, make_case
from tests.races import run_at_once
from tests.workflow import to_ready

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_twenty_concurrent_approvals_make_one_decision(people):
    case = make_case(people.manager)
    to_ready(case, people)

    def approve():
        return services.decide(
            GrantCase.objects.get(pk=case.pk),
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="Good value.",
        )

    results = run_at_once(20, approve)
    decisions = [r for r in results if isinstance(r, Decision)]
    refused = [r for r in results if isinstance(r, CaseChanged)]
    assert len(decisions) == 1, results
    assert len(refused) == 19, results
    assert "someone else may have acted on it first" in str(refused[0])
    assert Decision.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.APPROVED).count() == 1
    assert GrantCase.objects.get(pk=case.pk).state == CaseState.APPROVED
    assert ReferenceSequence.objects.get(prefix="PCD").next_number == 2


def test_concurrent_decisions_on_different_cases_get_distinct_references(people):
    cases = [make_case(people.manager, title=f"Case {n}") for n in range(6)]
    for case in cases:
        to_ready(case, people)

    def approver(case):
        return lambda: services.decide(
            GrantCase.objects.get(pk=case.pk),
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="Good value.",
        )

    actions = [approver(case) for case in cases]
    counter = iter(range(len(actions)))
    lock = threading.Lock()

    def next_action():
        with lock:
            action = actions[next(counter)]
        return action()

    results = run_at_once(len(cases), next_action)
    references = sorted(r.reference for r in results if isinstance(r, Decision))
    assert references == [f"PCD {n}" for n in range(1, 7)], results


def test_concurrent_sign_offs_of_one_area_record_one(people):
    from approvals.models import ClearanceArea, SignOff
    from tests.workflow import to_dmpc_review

    case = make_case(people.manager)
    to_dmpc_review(case, people)
    results = run_at_once(
        8,
        lambda: services.sign_off(
            GrantCase.objects.get(pk=case.pk),
            by=people.finance,
            area=ClearanceArea.FINANCE,
            advice="Fine.",
        ),
    )
    assert sum(isinstance(r, SignOff) for r in results) == 1, results
    assert SignOff.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_OFF).count() == 1


def test_an_edit_racing_a_submission_never_lands_after_the_freeze(people):
    """Whichever wins, the frozen version is the case as it stands afterwards: either the
    edit is in the version, or the edit was refused."""
    from grants import services as editing
    from grants.sections import SECTION_BY_FIELD

    section = SECTION_BY_FIELD["legal_comments"]
    for round_number in range(5):
        case = make_case(people.manager, title=f"Race {round_number}")
        seen = GrantCase.objects.get(pk=case.pk).lock_version

        def edit(case=case, seen=seen, round_number=round_number):
            return editing.save_section(
                GrantCase.objects.get(pk=case.pk),
                section,
                f"Edited in round {round_number}.",
                by=people.manager,
                lock_version=seen,
            )

        def submit(case=case):
            return services.submit(GrantCase.objects.get(pk=case.pk), by=people.manager)

        actions = iter([edit, submit])
        lock = threading.Lock()

        def next_action(actions=actions, lock=lock):
            with lock:
                action = next(actions)
            return action()

        results = run_at_once(2, next_action)
        case.refresh_from_db()
        version = case.versions.get()
        assert case.state == CaseState.IAM_REVIEW, results
        assert version.document["sections"]["legal_comments"] == case.legal_comments


def test_concurrent_starts_from_one_decision_make_one_draft(people):
    from approvals.models import RelatedDecision
    from grants import rollover
    from tests.workflow import approve

    earlier = make_case(people.manager)
    to_ready(earlier, people)
    approve(earlier, people)

    def start():
        return rollover.start_from_earlier(GrantCase.objects.get(pk=earlier.pk), by=people.manager)

    results = run_at_once(8, start)
    started = [r for r in results if isinstance(r, GrantCase)]
    refused = [r for r in results if isinstance(r, CaseChanged)]
    assert len(started) == 1, results
    assert len(refused) == 7, results
    assert "is already extended by the case" in str(refused[0])
    assert GrantCase.objects.filter(state=CaseState.DRAFT).count() == 1
    assert RelatedDecision.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CREATED, case=started[0]).count() == 1


def test_two_publishers_reviewing_one_agreement_at_once_give_one_outcome(
    people, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from approvals.accounts.roles import Role
    from approvals.models import AgreementReview, GrantAgreement
    from approvals.publication.agreements import (
        CHECKLIST,
        confirm_agreement,
        reject_agreement,
        upload_agreement,
    )
    from tests.factories import make_pdf, make_user
    from tests.workflow import approve

    settings.MEDIA_ROOT = tmp_path
    case = make_case(people.manager)
    to_ready(case, people)
    decision = approve(case, people)
    agreement = upload_agreement(
        decision,
        SimpleUploadedFile("agreement.pdf", make_pdf(), content_type="application/pdf"),
        by=people.manager,
    )
    second = make_user("second-publisher", Role.PUBLISHER)
    actions = iter(
        [
            lambda: confirm_agreement(agreement, by=people.publisher, checks=CHECKLIST),
            lambda: reject_agreement(agreement, by=second, reason="Not signed."),
        ]
    )
    lock = threading.Lock()

    def review():
        with lock:
            action = next(actions)
        return action()

    results = run_at_once(2, review)
    reviewed = [r for r in results if isinstance(r, GrantAgreement)]
    refused = [r for r in results if isinstance(r, CaseChanged)]
    assert len(reviewed) == 1 and len(refused) == 1, results
    assert "was already" in str(refused[0])
    stored = GrantAgreement.objects.get(pk=agreement.pk)
    assert stored.review == reviewed[0].review != AgreementReview.WAITING
    events = AuditEvent.objects.filter(
        action__in=[AuditAction.AGREEMENT_REVIEWED, AuditAction.AGREEMENT_REJECTED]
    )
    assert events.count() == 1
