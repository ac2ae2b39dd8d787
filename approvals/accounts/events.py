"""Changes to staff accounts as audit events: who changed whose account, and how.

Each event names the account it is about in its details (`user_id`, `username`), so that
an account's history is a filter on the chain. Events are written in the transaction of
their change when there is one (the administration pages and Django's admin always have
one); a change made outside any transaction (a management command, a shell) gets its
event in a transaction of its own, straight after.

Who made a change is known where the change is made (pass it as `actor`); for changes the
signals in approvals.accounts.signals see, it is the signed-in user of the request, which
ActorMiddleware keeps, or nobody ("System").
"""

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

from approvals import audit
from approvals.models import AuditAction, AuditEvent

# The flags of an account whose changes are recorded.
FLAGS = ("is_staff", "is_superuser", "is_active")

ACCOUNT_ACTIONS = (
    AuditAction.ACCOUNT_CREATED,
    AuditAction.ACCOUNT_CHANGED,
    AuditAction.ROLES_CHANGED,
    AuditAction.PASSWORD_CHANGED,
    AuditAction.PASSWORD_RESET,
    AuditAction.AUTHENTICATOR_REPLACED,
    AuditAction.AUTHENTICATOR_RESET,
)

_actor: contextvars.ContextVar[Callable | None] = contextvars.ContextVar(
    "account_actor", default=None
)
_recorded_by_caller: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "account_events_recorded_by_caller", default=False
)


def record_account_event(action: AuditAction, person, *, actor, **details) -> AuditEvent:
    details = {"user_id": person.pk, "username": person.get_username(), **details}
    if connection.in_atomic_block:
        return audit.record(action, actor=actor, details=details)
    return audit.record_now(action, actor=actor, details=details)


def account_history(person):
    """The account's events, newest first."""
    return AuditEvent.objects.filter(
        action__in=ACCOUNT_ACTIONS, details__user_id=person.pk
    ).order_by("-sequence")


# Who is acting ----------------------------------------------------------------------------


@contextmanager
def acting_as(user) -> Iterator[None]:
    token = _actor.set(lambda: user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    """The signed-in user on whose behalf the code runs, or None."""
    find = _actor.get()
    user = find() if find else None
    if user is None or not user.is_authenticated:
        return None
    # request.user is a lazy wrapper; the audit event's foreign key wants the user.
    return getattr(user, "_wrapped", user)


class ActorMiddleware:
    """Keeps the request's user for the signals that record account changes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _actor.set(lambda: getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


# Avoiding a second event -------------------------------------------------------------------


@contextmanager
def recorded_by_caller() -> Iterator[None]:
    """Within this block the caller writes the events of its account changes itself (one
    event saying the whole of what it did), so the signals stay quiet."""
    token = _recorded_by_caller.set(True)
    try:
        yield
    finally:
        _recorded_by_caller.reset(token)


def signals_quiet() -> bool:
    return _recorded_by_caller.get()
