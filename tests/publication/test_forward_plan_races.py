"""The DMPC office acting on the forward plan at once: one entry a case, however many
add it together; an entry taken off twice at once is taken off once; a withdrawal racing
a new entry leaves nothing on the public plan. Row locks are PostgreSQL's, so these run
there."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from approvals import forward_plan, services
from approvals.models import AuditAction, AuditEvent, ForwardPlanEntry
from approvals.workflow import CaseChanged
from grants.models import GrantCase
from tests.factories import make_case
from tests.races import run_at_once
from tests.workflow import to_iam

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

NEEDED_BY = datetime.date(timezone.localdate().year + 1, 3, 1)


def add(people, case, title):
    return lambda: forward_plan.plan_decision(
        GrantCase.objects.get(pk=case.pk),
        by=people.dmpc_office,
        title=title,
        funders=["Home Office"],
        needed_by=NEEDED_BY,
    )


def test_ten_offices_adding_one_case_at_once_make_one_entry(people):
    case = make_case(people.manager)
    to_iam(case, people)
    results = run_at_once(10, add(people, case, "Grant to reduce violence"))
    assert all(isinstance(result, ForwardPlanEntry) for result in results), results
    assert ForwardPlanEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.PLANNED).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).exists()


def test_an_entry_taken_off_twice_at_once_is_taken_off_once(people):
    case = make_case(people.manager)
    to_iam(case, people)
    add(people, case, "Grant to reduce violence")()
    results = run_at_once(
        5,
        lambda: forward_plan.take_off_plan(
            GrantCase.objects.get(pk=case.pk), by=people.dmpc_office
        ),
    )
    assert results.count(None) == 1, results
    assert all(isinstance(result, CaseChanged) for result in results if result is not None)
    assert AuditEvent.objects.filter(action=AuditAction.UNPLANNED).count() == 1


def test_a_withdrawal_racing_a_new_entry_leaves_the_plan_empty(people):
    case = make_case(people.manager)
    to_iam(case, people)
    actions = [
        add(people, case, "Grant to reduce violence"),
        lambda: services.withdraw(
            GrantCase.objects.get(pk=case.pk), by=people.manager, reasons="Offer withdrawn."
        ),
    ]
    results = run_at_once(2, lambda: actions.pop()())
    assert not any(isinstance(r, Exception) and not isinstance(r, CaseChanged) for r in results)
    assert GrantCase.objects.get(pk=case.pk).state == "withdrawn"
    assert not ForwardPlanEntry.objects.on_plan().exists()
