"""The audit trail: an append-only chain of events, each hashed with the one before.

Every state change writes its event inside the same transaction as the change. The
chain head row is locked while an event is appended, so events get consecutive
sequence numbers and each names its predecessor's hash.

Each hash is an HMAC-SHA-256 keyed with settings.AUDIT_KEY, a secret held outside the
database: whoever owns the tables can change a row, but cannot recompute its hash.
Events written before the chain was keyed keep their plain SHA-256; the first keyed
event (AuditAction.CHAIN_KEYED, "the seal") names the last of them, so rewriting the
older part is caught too.

The chain is also anchored outside the database: each publication records the chain's
head beside the published revision (an AuditAnchor), and the public register shows it.
A copy of the anchors kept by anyone outside contradicts a history rewritten before
them, even by someone who holds the key (`verify_audit --anchors`, approvals.anchors).
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from approvals.models import AuditAction, AuditAnchor, AuditChainHead, AuditEvent

GENESIS = "0" * 64


def canonical(value) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    )


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def event_hash(event: AuditEvent, *, keyed: bool = True) -> str:
    """The hash of everything an event says, and of the hash before it: keyed with
    AUDIT_KEY, or a plain SHA-256 for events written before the chain was keyed."""
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
    message = canonical(payload).encode()
    if keyed:
        return hmac.new(settings.AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def _chain_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates this row; a flushed test database does not have it.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _append(head: AuditChainHead, action: AuditAction, *, actor, **fields) -> AuditEvent:
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "System",
        action=action,
        # Stored exactly as it will be read back, so the hash can be recomputed.
        details=json.loads(canonical(fields.pop("details", None) or {})),
        previous_hash=head.hash,
        **fields,
    )
    event.hash = event_hash(event)
    event.save()
    if not head.keyed_from:
        head.keyed_from = event.sequence
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash", "keyed_from"])
    return event


def seal(head: AuditChainHead) -> AuditEvent:
    """Key a chain whose events so far have plain hashes: the seal is the first keyed
    event and names the unkeyed head, which is also recorded as the first anchor."""
    unkeyed = {"sequence": head.sequence, "hash": head.hash}
    event = _append(head, AuditAction.CHAIN_KEYED, actor=None, details={"unkeyed_head": unkeyed})
    AuditAnchor.objects.create(
        kind=AuditAnchor.Kind.KEYED, recorded_at=event.occurred_at, **unkeyed
    )
    return event


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
    if not head.keyed_from and head.sequence:
        # The migration seals an existing chain; this covers one loaded afterwards.
        seal(head)
    return _append(
        head,
        action,
        actor=actor,
        case=case,
        version=version,
        from_state=from_state,
        to_state=to_state,
        details=details,
    )


def record_many(action: AuditAction, *, actor, details: list[dict]) -> list[AuditEvent]:
    """Append one event a change for many changes of one kind (an import of thousands of
    records), each with its `details`, chained in order as `record` chains them: the
    events are written in one statement, and the head moves on an event at a time, as
    its guard on PostgreSQL requires. Call it inside the transaction of the changes."""
    if not connection.in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of their change.")
    if not details:
        return []
    head = _chain_head()
    if not head.keyed_from and head.sequence:
        seal(head)
    actor_name = (actor.get_full_name() or actor.get_username()) if actor else "System"
    occurred_at = timezone.now()
    previous, sequence = head.hash, head.sequence
    events = []
    for each in details:
        sequence += 1
        event = AuditEvent(
            sequence=sequence,
            occurred_at=occurred_at,
            actor=actor,
            actor_name=actor_name,
            action=action,
            details=json.loads(canonical(each)),
            previous_hash=previous,
        )
        event.hash = previous = event_hash(event)
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=500)
    first_keyed = not head.keyed_from
    heads = AuditChainHead.objects.filter(pk=head.pk)
    for event in events:
        moved = {"sequence": event.sequence, "hash": event.hash}
        if first_keyed:
            moved["keyed_from"], first_keyed = event.sequence, False
        heads.update(**moved)
    head.refresh_from_db()
    return events


def anchor(event: AuditEvent, revision) -> AuditAnchor:
    """Record the chain's head, `event`, beside a published revision. Call it in the
    publication's transaction, straight after its event."""
    return AuditAnchor.objects.create(
        kind=AuditAnchor.Kind.PUBLISHED,
        sequence=event.sequence,
        hash=event.hash,
        recorded_at=event.occurred_at,
        revision=revision,
    )


def anchor_many(pairs: list[tuple[AuditEvent, object]]) -> list[AuditAnchor]:
    """`anchor` for many (event, revision) pairs at once, as record_many writes them."""
    return AuditAnchor.objects.bulk_create(
        [
            AuditAnchor(
                kind=AuditAnchor.Kind.PUBLISHED,
                sequence=event.sequence,
                hash=event.hash,
                recorded_at=event.occurred_at,
                revision=revision,
            )
            for event, revision in pairs
        ],
        batch_size=500,
    )


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    events: int
    broken_at: int | None = None
    problem: str = ""
    keyed_from: int | None = None
    anchors: int = 0


def _keyed_from() -> int:
    """The first keyed event, by the events themselves: the seal, or else the first
    event (a chain keyed from its start has no seal)."""
    seal_sequence = (
        AuditEvent.objects.filter(action=AuditAction.CHAIN_KEYED)
        .order_by("sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return seal_sequence or 1


def verify_chain() -> ChainCheck:
    """Recompute every event's hash in order; report the first event that does not fit.

    Then check that the head row and the anchors this database holds agree with the
    chain. Those anchors are a consistency check only: they are in the database too, so
    proof against its owner needs a copy from outside (approvals.anchors)."""
    keyed_from = _keyed_from()
    expected_previous, expected_sequence, count = GENESIS, 1, 0
    last_hash = GENESIS
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
        keyed = event.sequence >= keyed_from
        if not hmac.compare_digest(event_hash(event, keyed=keyed), event.hash):
            return ChainCheck(
                False,
                count,
                event.sequence,
                "its content does not match its hash"
                + (" (keyed with AUDIT_KEY)" if keyed else " (written before the chain was keyed)"),
            )
        if event.sequence == keyed_from and event.action == AuditAction.CHAIN_KEYED:
            sealed = event.details.get("unkeyed_head", {})
            if sealed != {"sequence": event.sequence - 1, "hash": event.previous_hash}:
                return ChainCheck(
                    False, count, event.sequence, "the seal does not name the unkeyed head"
                )
        expected_previous, expected_sequence, last_hash = (
            event.hash,
            expected_sequence + 1,
            event.hash,
        )
    last = expected_sequence - 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (last, last_hash):
        return ChainCheck(
            False,
            count,
            expected_sequence,
            f"the chain head says event {head.sequence} but the chain ends at event {last}"
            if head.sequence != last
            else f"the chain head's hash is not event {last}'s",
        )
    if head is not None and count and head.keyed_from != keyed_from:
        return ChainCheck(
            False,
            count,
            keyed_from,
            f"the chain head says it was keyed from event {head.keyed_from}, "
            f"the events say from event {keyed_from}",
        )
    anchors = list(AuditAnchor.objects.select_related("revision__publication").order_by("sequence"))
    problems = anchor_problems(anchors, whose="recorded in this database")
    if problems:
        sequence, problem = problems[0]
        return ChainCheck(False, count, sequence, problem)
    return ChainCheck(True, count, keyed_from=keyed_from if count else None, anchors=len(anchors))


def anchor_problems(anchors, *, whose: str) -> list[tuple[int, str]]:
    """Each anchor the chain contradicts, as (sequence, what is wrong). An anchor is an
    object with `sequence`, `hash` and a `label` or a revision to name it by."""
    anchors = list(anchors)
    hashes = dict(
        AuditEvent.objects.filter(sequence__in={a.sequence for a in anchors}).values_list(
            "sequence", "hash"
        )
    )
    problems = []
    for item in anchors:
        name = _anchor_name(item)
        found = hashes.get(item.sequence)
        if found is None:
            problems.append(
                (
                    item.sequence,
                    f"the anchor {whose} for {name} names event {item.sequence}, "
                    "which the chain does not have",
                )
            )
        elif not hmac.compare_digest(found, item.hash):
            problems.append(
                (
                    item.sequence,
                    f"the anchor {whose} for {name} does not match event "
                    f"{item.sequence}: the history up to it has been rewritten",
                )
            )
    return problems


def _anchor_name(item) -> str:
    label = getattr(item, "label", "")
    if label:
        return label
    revision = getattr(item, "revision", None)
    if revision is not None:
        return f"{revision.publication.reference} (revision {revision.number})"
    return "the keying of the chain"


@transaction.atomic
def record_now(action: AuditAction, **kwargs) -> AuditEvent:
    """Record an event in a transaction of its own (for events with no other change)."""
    return record(action, **kwargs)
