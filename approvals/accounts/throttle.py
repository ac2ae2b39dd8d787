"""Exact limits on wrong passwords, however many attempts arrive at once.

A limit counts failures, then checks the password, then counts the new failure. Attempts
that arrive together would all count before any had failed, and each would check a
password: twenty at once against a limit of five checked eight or more. So an attempt
first locks a row for each thing whose failures are counted (AttemptLock: the username
and the address signing in, the person signing a decision), and keeps the lock until its
own failure is counted. Attempts on one username are checked one at a time: the sixth
sees five failures and is refused without its password being looked at.

django-axes still does the counting and the lockout for signing in (its AccessAttempt
rows, the cool-off, `axes_reset_username`); this module only makes its check and its
count one step. Wrong signatures are counted in the audit trail (approvals.services).
"""

import hashlib
from contextlib import contextmanager

from axes.helpers import get_client_ip_address
from django.contrib import auth
from django.db import transaction

from approvals.models.accounts import AttemptLock

_KEY_LENGTH = AttemptLock._meta.get_field("key").max_length


def _key(kind: str, value) -> str:
    key = f"{kind}:{value}"
    if len(key) > _KEY_LENGTH:
        key = f"{kind}:sha256:{hashlib.sha256(str(value).encode()).hexdigest()}"
    return key


@contextmanager
def one_at_a_time(*keys: str):
    """A transaction that holds the lock of each key until it ends. Locks are taken in
    sorted order, so two attempts that share keys cannot deadlock."""
    wanted = sorted(set(keys))
    with transaction.atomic():
        while True:
            # A key's row is made the first time it is needed; a concurrent attempt making
            # the same row waits for it, then finds it made.
            AttemptLock.objects.bulk_create(
                [AttemptLock(key=key) for key in wanted], ignore_conflicts=True
            )
            locked = AttemptLock.objects.select_for_update().filter(key__in=wanted)
            # A row deleted while this waited for it is locked by nobody: make it again.
            if len(locked.order_by("key")) == len(wanted):
                break
        yield


def sign_in_keys(request, username) -> list[str]:
    """What django-axes counts sign-in failures by (AXES_LOCKOUT_PARAMETERS): the
    username, and the address the attempt came from."""
    return [_key("sign-in username", username), _key("sign-in address", client_ip(request))]


def client_ip(request) -> str | None:
    return get_client_ip_address(request)


def signature_key(user) -> str:
    return _key("signature", user.pk)


def authenticate(request, *, username, password):
    """django.contrib.auth.authenticate, checked and counted one attempt at a time for
    the username and for the address: django-axes's lockout check, the password check
    and django-axes's count of the failure all happen while the locks are held."""
    with one_at_a_time(*sign_in_keys(request, username)):
        return auth.authenticate(request, username=username, password=password)


def check_own_password(request, user, password: str) -> tuple[bool, bool]:
    """A signed-in person re-entering their password (to change it, or to replace their
    authenticator app): checked and counted as a sign-in with their username, so that a
    session someone else has taken over cannot be used to guess it. Returns whether it
    was right and whether the username is now locked out; the page says so itself,
    rather than showing the sign-in lockout page."""
    checked = authenticate(request, username=user.get_username(), password=password or "")
    locked = bool(getattr(request, "axes_locked_out", False))
    request.axes_locked_out = False
    return checked is not None and checked.pk == user.pk and not locked, locked
