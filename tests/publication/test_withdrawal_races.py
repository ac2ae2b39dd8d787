"""Publishers acting on one withdrawal at once: one confirmation, one audit event. Row
locks are PostgreSQL's, so these run there."""

import threading

import pytest
from django.db import connection

from approvals.accounts.roles import Role
from approvals.models import AuditAction, AuditEvent, Publication, RegisterCount, Withdrawal
from approvals.publication import withdrawal as withdrawing
from approvals.publication.withdrawal import WithdrawalError
from tests.factories import make_user
from tests.races import run_at_once
from tests.workflow import publish

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_publishers_confirming_at_once_make_one_confirmation(people):
    publication = publish(people, title="Knife crime grant")
    asked = withdrawing.request_withdrawal(
        publication.current_revision(), by=people.publisher, reason="Published in error."
    )
    confirmers = [make_user(f"publisher-{n}", Role.PUBLISHER) for n in range(6)]

    def confirm_as(person):
        return lambda: withdrawing.confirm_withdrawal(
            Withdrawal.objects.get(pk=asked.pk), by=person
        )

    outcomes = _run_each([confirm_as(person) for person in confirmers])
    confirmed = [r for r in outcomes if isinstance(r, Withdrawal)]
    refused = [r for r in outcomes if isinstance(r, WithdrawalError)]
    assert len(confirmed) == 1, outcomes
    assert len(refused) == len(confirmers) - 1, outcomes
    assert "no longer open" in str(refused[0])
    assert AuditEvent.objects.filter(action=AuditAction.WITHDRAWAL_CONFIRMED).count() == 1
    # Taken out of the register's counts once, not once per publisher.
    assert RegisterCount.objects.get(funder="", year="", outcome="").count == 0
    assert Publication.objects.get(pk=publication.pk).withdrawn_at is not None


def test_publishers_asking_at_once_make_one_request(people):
    publication = publish(people, title="Knife crime grant")
    revision = publication.current_revision()
    askers = [make_user(f"publisher-{n}", Role.PUBLISHER) for n in range(6)]

    def ask_as(person):
        return lambda: withdrawing.request_withdrawal(revision, by=person, reason="In error.")

    outcomes = _run_each([ask_as(person) for person in askers])
    assert len([r for r in outcomes if isinstance(r, Withdrawal)]) == 1, outcomes
    assert len([r for r in outcomes if isinstance(r, WithdrawalError)]) == len(askers) - 1
    assert Withdrawal.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.WITHDRAWAL_REQUESTED).count() == 1


def _run_each(actions: list) -> list:
    """Each action in its own thread, released together."""
    index = iter(range(len(actions)))
    lock = threading.Lock()

    def next_action():
        with lock:
            return actions[next(index)]

    return run_at_once(len(actions), lambda: next_action()())
