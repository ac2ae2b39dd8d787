"""Wrong passwords arriving all at once: the limits on them are exact. Twenty attempts
released together by a barrier, each in a thread with a database connection of its own,
against a limit of five, check exactly five passwords (counted by the hasher, not by the
responses) and record exactly five failures. Row locks are PostgreSQL's, so these run
there; on SQLite every transaction takes the one write lock, so attempts are one at a
time anyway."""

import datetime
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.utils import timezone

from approvals import services
from approvals.accounts import mfa
from approvals.models import AuditAction, AuditEvent, Decision, RecoveryCodeDevice
from approvals.services import SignatureRefused
from grants.models import GrantCase
from tests.factories import PASSWORD, make_case, make_user
from tests.races import CountingHasher, run_at_once
from tests.workflow import to_ready

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

ATTEMPTS = 20
LIMIT = 5


@pytest.fixture
def counted(settings):
    """Passwords are checked by a hasher that counts what it checks (the tests' MD5
    hasher, so it checks every test user's password)."""
    settings.PASSWORD_HASHERS = [CountingHasher.path]
    CountingHasher.reset()
    yield CountingHasher
    CountingHasher.reset()


@pytest.fixture
def lockouts(settings, counted):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def sign_in(username, password, address="203.0.113.9"):
    return Client().post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_twenty_simultaneous_wrong_sign_ins_check_exactly_five_passwords(lockouts, counted):
    make_user("manager")
    counted.reset()
    responses = run_at_once(ATTEMPTS, lambda: sign_in("manager", "wrong-password"))

    assert counted.checked == LIMIT
    statuses = sorted(response.status_code for response in responses)
    # Four wrong passwords are told so; the fifth locks the username, and it and the
    # fifteen after it get the lockout page.
    assert statuses == [200] * (LIMIT - 1) + [429] * (ATTEMPTS - LIMIT + 1), responses
    failures = AccessAttempt.objects.filter(username="manager")
    assert sum(failures.values_list("failures_since_start", flat=True)) >= LIMIT

    # The right password is refused too, unchecked, until the cool-off is over.
    counted.reset()
    assert sign_in("manager", PASSWORD).status_code == 429
    assert sign_in("manager", PASSWORD, address="198.51.100.7").status_code == 429
    assert counted.checked == 0
    over = timezone.now() - datetime.timedelta(minutes=15, seconds=1)
    AccessAttempt.objects.update(attempt_time=over)
    assert sign_in("manager", PASSWORD).status_code == 302
    assert counted.checked == 1


def test_twenty_simultaneous_sign_ins_from_one_address_check_exactly_five(lockouts, counted):
    """Each to a different username: the address's limit is exact too."""
    for n in range(ATTEMPTS):
        make_user(f"person-{n}")
    names = iter(range(ATTEMPTS))

    def next_person():
        return sign_in(f"person-{next(names)}", "wrong-password")

    counted.reset()
    responses = run_at_once(ATTEMPTS, next_person)
    assert counted.checked == LIMIT
    assert sum(response.status_code == 429 for response in responses) == ATTEMPTS - LIMIT + 1


def test_sign_ins_for_different_people_from_different_addresses_do_not_wait(lockouts, counted):
    """Only attempts that share a username or an address take turns: everyone else signs
    in as before (here, all at once, and all succeed)."""
    for n in range(8):
        make_user(f"person-{n}")
    names = iter(range(8))

    def next_person():
        n = next(names)
        return sign_in(f"person-{n}", PASSWORD, address=f"198.51.100.{n + 1}")

    responses = run_at_once(8, next_person)
    assert [response.status_code for response in responses] == [302] * 8


def test_twenty_simultaneous_wrong_signatures_record_exactly_five_refusals(
    settings, counted, people
):
    settings.SIGNATURE_FAILURE_LIMIT = LIMIT
    case = make_case(people.manager)
    to_ready(case, people)

    def sign():
        return services.decide(
            GrantCase.objects.get(pk=case.pk),
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password="wrong-password",
            reasons="Good value.",
        )

    counted.reset()
    results = run_at_once(ATTEMPTS, sign)

    assert counted.checked == LIMIT
    refused = AuditEvent.objects.filter(action=AuditAction.SIGNATURE_REFUSED)
    assert refused.count() == LIMIT
    assert all(isinstance(result, SignatureRefused) for result in results), results
    messages = sorted(str(result) for result in results)
    assert sum("password is not right" in message for message in messages) == LIMIT
    assert sum("too many times" in message for message in messages) == ATTEMPTS - LIMIT

    # The right password is refused, unchecked, until the cool-off is over.
    counted.reset()
    with pytest.raises(SignatureRefused, match="too many times"):
        services.decide(
            case,
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="Good.",
        )
    assert counted.checked == 0
    assert not Decision.objects.exists()
    later = timezone.now() + settings.SIGNATURE_COOLOFF + datetime.timedelta(seconds=1)
    with mock.patch("approvals.services.timezone.now", return_value=later):
        decision = services.decide(
            case,
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="Good.",
        )
    assert decision.reference == "PCD 1"


def test_one_recovery_code_spent_by_ten_requests_at_once_works_once(db):
    person = make_user("manager")
    codes = mfa.replace_recovery_codes(person)

    def spend():
        return mfa.check_recovery_code(person, codes[0])

    results = run_at_once(10, spend)
    accepted = [result for result in results if isinstance(result, RecoveryCodeDevice)]
    refused = [result for result in results if isinstance(result, mfa.CodeRefused)]
    assert len(accepted) == 1, results
    assert len(refused) == 9, results
    assert mfa.recovery_codes_left(person) == 9
