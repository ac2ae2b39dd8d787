"""The audit trail: an append-only chain of events, each hashed with the one before.

Every state change writes its event inside the same transaction as the change. The
chain head row is locked while an event is appended, so events get consecutive
sequence numbers and each names its predecessor's hash. Anyone can recompute the
chain with `python manage.py verify_audit`.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from approvals.models import AuditAction, AuditChainHead, AuditEvent

GENESIS = "0" * 64


def canonical(value) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    )


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def event_hash(event: AuditEvent) -> str:
    """The SHA-256 of everything an event says, and of the hash before it."""
    payload = {
        "sequence": event.sequence,
        "occurred_at": _timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "case_id": event.case_id,
        "version_id": event.version_id,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "details": event.details,
        "previous_hash": event.previous_hash,
    }
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def _chain_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates this row; a flushed test database does not have it.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(
    action: AuditAction,
    *,
    actor,
    case=None,
    version=None,
    from_state: str = "",
    to_state: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append an event to the chain. Call it inside the transaction of the change it
    records, so that both are kept or neither is."""
    if not connection.in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of their change.")
    head = _chain_head()
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "System",
        action=action,
        case=case,
        version=version,
        from_state=from_state,
        to_state=to_state,
        # Stored exactly as it will be read back, so the hash can be recomputed.
        details=json.loads(canonical(details or {})),
        previous_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save()
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    events: int
    broken_at: int | None = None
    problem: str = ""


def verify_chain() -> ChainCheck:
    """Recompute every event's hash in order; report the first event that does not fit."""
    expected_previous, expected_sequence, count = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        count += 1
        if event.sequence != expected_sequence:
            return ChainCheck(
                False,
                count,
                event.sequence,
                f"event {expected_sequence} is missing: the next event is {event.sequence}",
            )
        if event.previous_hash != expected_previous:
            return ChainCheck(
                False, count, event.sequence, "its previous hash does not match the event before"
            )
        if event_hash(event) != event.hash:
            return ChainCheck(False, count, event.sequence, "its content does not match its hash")
        expected_previous, expected_sequence = event.hash, expected_sequence + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.sequence != expected_sequence - 1:
        return ChainCheck(
            False,
            count,
            expected_sequence,
            f"the chain should end at event {head.sequence} but ends at {expected_sequence - 1}",
        )
    return ChainCheck(True, count)


@transaction.atomic
def record_now(action: AuditAction, **kwargs) -> AuditEvent:
    """Record an event in a transaction of its own (for events with no other change)."""
    return record(action, **kwargs)
