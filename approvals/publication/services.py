"""Publication: putting decisions on the public register, on time, and never editing what
was published.

A decision is scheduled when it is made, due a set number of working days later. It is
published by a publisher ("publish now") or by `manage.py publish_due`, which cron runs
every minute on each app server. A published decision is a series of immutable
revisions: the first, then corrections, each with a note.
"""

import datetime
import functools
from collections.abc import Iterable
from decimal import Decimal

import holidays
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from approvals import audit
from approvals.accounts.roles import Role
from approvals.documents import decision_form
from approvals.documents.decision_form import checklist
from approvals.models import (
    AgreementReview,
    AuditAction,
    Decision,
    GrantAgreement,
    IamOutcome,
    Publication,
    PublishedRevision,
    RelatedDecision,
)
from approvals.publication import part1, register, totals
from approvals.workflow import STEPS, holds_role_for
from grants.document import document_sha256, has_part2, part1_document, part2_ground
from grants.models import CaseState, GrantCase


class PublicationError(Exception):
    """A publication step that cannot be taken; the message says why."""


def _bank_holidays(years: Iterable[int]):
    # England and Wales share their bank holidays.
    return holidays.country_holidays("GB", subdiv="ENG", years=list(years))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays([day.year])


def working_days_after(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day, `days` working days later (London time)."""
    local = timezone.localtime(moment)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days end falls after start: 0 on the same day (or before)."""
    days = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days += 1
    return days


def _listing_fields(decision: Decision) -> dict:
    """What the register lists, searches and exports, from the decided version."""
    document = decision.version.document
    offers = document["offers"]
    return {
        "reference": decision.reference,
        "title": document["case"]["title"],
        "outcome": decision.outcome,
        "decision_date": timezone.localdate(decision.decided_at),
        "funders": "; ".join(sorted({offer["funder"] for offer in offers})),
        "total_grant_amount": Decimal(document["totals"]["offers"]),
        "financial_years": "; ".join(sorted({offer["financial_year"] for offer in offers})),
        "summary": document["sections"].get("executive_summary", ""),
        "recommendations": "\n".join(rec["text"] for rec in document["recommendations"]),
    }


def schedule(decision: Decision) -> Publication:
    """Put a new decision on the publication schedule. Runs in the decision's transaction."""
    return Publication.objects.create(
        decision=decision,
        slug=slugify(decision.reference),
        due_at=working_days_after(decision.decided_at, settings.PUBLICATION_WORKING_DAYS),
        legal_basis=settings.DEFAULT_LEGAL_BASIS,
        **_listing_fields(decision),
    )


def decision_record(publication: Publication) -> dict:
    """The decision record as the public sees it: never Part 2's content."""
    decision = publication.decision
    approved = decision.approved_positions()
    every = {rec["position"] for rec in decision.version.document["recommendations"]}
    return {
        "reference": publication.reference,
        "title": publication.title,
        "outcome": decision.outcome,
        "decision_date": publication.decision_date.isoformat(),
        "decided_by": {
            "name": decision.decided_by.get_full_name() or decision.decided_by.get_username(),
            "role": Role.DMPC.label,
        },
        "reasons": decision.reasons,
        "recommendations_approved": sorted(approved),
        "recommendations_not_approved": sorted(every - approved),
        "alternatives_considered": decision.alternatives_considered,
        "declaration_of_interests": decision.interests if decision.interests_declared else "",
        "interests_declared": decision.interests_declared,
        "has_part2": has_part2(decision.version.document),
        "legal_basis": publication.legal_basis,
        "funders": publication.funders,
        "total_grant_amount": str(publication.total_grant_amount),
        "financial_years": publication.financial_years,
        "iam_conditions": _iam_conditions(decision),
        # For the decision form (approvals.documents.decision_form): the version decided,
        # Part 2's exemption ground (never its content), a deferral's reason and the
        # officer and clearance checklist as they stood when published.
        "version": decision.version.number,
        "part2_exemption": part2_ground(decision.version.document),
        "deferral_reason": publication.deferral_reason if publication.deferred_until else "",
        "checklist": checklist(decision.version),
    }


def _iam_conditions(decision: Decision) -> str:
    """The conditions IAM endorsed the decided version with, if it set any."""
    item = decision.version.iam_advice()
    return item.note if item and item.outcome == IamOutcome.ENDORSED_WITH_CONDITIONS else ""


def note_later_events(decision_ids: Iterable[int]) -> None:
    """Something these decisions' pages show from later events changed: a standing
    authority acceptance, or a decision citing them was linked, unlinked, published or
    corrected. Runs in the transaction that changes it."""
    changed = Publication.objects.filter(decision_id__in=list(decision_ids))
    register.forget_versions(changed.values_list("slug", flat=True))
    changed.update(later_events=F("later_events") + 1)


def latest_agreement(decision: Decision) -> GrantAgreement | None:
    """The agreement publication puts on the register: the newest one a publisher has
    reviewed. One waiting for review, or rejected, stays staff-only. None when that one
    was withdrawn: an older agreement it replaced never comes back in its place, and the
    register waits for a new upload to be reviewed."""
    newest = (
        decision.agreements.filter(review=AgreementReview.REVIEWED)
        .order_by("-uploaded_at", "-id")
        .first()
    )
    if newest is None or newest.withdrawals.confirmed().exists():
        return None
    return newest


def _new_revision(publication: Publication, *, by, note: str, record: dict) -> PublishedRevision:
    previous = publication.current_revision()
    version = publication.decision.version
    document = part1_document(version.document)
    now = timezone.now()
    revision = PublishedRevision.objects.create(
        publication=publication,
        number=(previous.number if previous else 0) + 1,
        published_at=now,
        published_by=by,
        note=note,
        record=record,
        document=document,
        document_sha256=document_sha256(document),
        agreement=latest_agreement(publication.decision),
    )
    part1.record(revision)
    register.forget_versions([publication.slug])
    first = publication.published_at is None
    if first:
        publication.published_at = now
        publication.save(update_fields=["published_at", "updated_at"])
        register.add_filter_options([publication])
        totals.add_published_offers(publication, document["offers"])
    elif publication.withdrawn_at is not None:
        # Every earlier revision was withdrawn: this one puts the decision back on the
        # register, in its lists and counts (approvals.publication.withdrawal).
        publication.withdrawn_at = None
        publication.save(update_fields=["withdrawn_at", "updated_at"])
        register.add_filter_options([publication])
    case = GrantCase.objects.select_for_update().get(pk=publication.decision.case_id)
    from_state = case.state
    # Decisions this one varies, extends or supersedes list it on their pages.
    note_later_events(
        RelatedDecision.objects.filter(case_id=case.pk).values_list("decision_id", flat=True)
    )
    if first and case.state == CaseState.APPROVED:
        case.state = CaseState.PUBLISHED
        case.save(update_fields=["state", "updated_at"])
    event = audit.record(
        AuditAction.PUBLISHED,
        actor=by,
        case=case,
        version=version,
        from_state=from_state if case.state != from_state else "",
        to_state=case.state if case.state != from_state else "",
        details={
            "reference": publication.reference,
            "revision": revision.number,
            "note": note,
            "document_sha256": revision.document_sha256,
            "agreement": revision.agreement.sha256 if revision.agreement else None,
        },
    )
    # The chain's head at this publication, published beside it: see approvals.audit.
    audit.anchor(event, revision)
    # Its PDF is drawn once, after the publication is committed, and served from storage.
    transaction.on_commit(functools.partial(decision_form.draw_published, revision.pk))
    return revision


def _locked(publication: Publication) -> Publication:
    # Only the publication is locked: PostgreSQL refuses FOR UPDATE on the nullable side
    # of an outer join, and its decision is nullable (an imported record has none).
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("decision__version", "decision__decided_by")
        .get(pk=publication.pk)
    )


def _require_publisher(user) -> None:
    step = STEPS["publish"]
    if not holds_role_for(user, step):
        raise PublicationError(step.refusal)


def publish_now(publication: Publication, *, by) -> PublishedRevision:
    """A publisher publishes a scheduled or deferred decision straight away."""
    _require_publisher(by)
    with transaction.atomic():
        locked = _locked(publication)
        if locked.is_published:
            raise PublicationError(f"{locked.reference} is already published.")
        return _new_revision(locked, by=by, note="", record=decision_record(locked))


def defer(publication: Publication, *, by, until: datetime.datetime, reason: str) -> Publication:
    """Keep a decision off the register until a later date, for a stated reason."""
    _require_publisher(by)
    if not reason.strip():
        raise PublicationError("Enter why publication is being deferred")
    if until <= timezone.now():
        raise PublicationError("The date to publish on must be in the future")
    with transaction.atomic():
        locked = _locked(publication)
        if locked.is_published:
            raise PublicationError(
                f"{locked.reference} is already published: it can be corrected, not deferred."
            )
        locked.deferred_until, locked.deferral_reason = until, reason.strip()
        locked.save(update_fields=["deferred_until", "deferral_reason", "updated_at"])
        audit.record(
            AuditAction.PUBLICATION_DEFERRED,
            actor=by,
            case=locked.decision.case,
            version=locked.decision.version,
            details={
                "reference": locked.reference,
                "until": until.isoformat(),
                "reason": locked.deferral_reason,
            },
        )
    return locked


CORRECTABLE = ("title", "reasons", "alternatives_considered", "legal_basis")


def publish_correction(
    publication: Publication,
    *,
    by,
    note: str,
    changes: dict[str, str],
    seen_revision: int | None = None,
) -> PublishedRevision:
    """Publish a corrected decision record as a new revision; earlier ones stay visible.
    `seen_revision` is the revision the publisher corrected: a newer one refuses it."""
    _require_publisher(by)
    if not note.strip():
        raise PublicationError("Enter a note saying what the correction changes and why")
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise PublicationError(f"These cannot be corrected: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = _locked(publication)
        if locked.imported:
            raise PublicationError(
                f"{locked.reference} is an imported record of the earlier register: it is "
                "not corrected here."
            )
        current = locked.current_revision()
        if current is None:
            raise PublicationError(f"{locked.reference} is not published yet.")
        if seen_revision is not None and current.number != seen_revision:
            raise PublicationError(
                f"Someone published revision {current.number} of {locked.reference} after you "
                "opened this page. Check it, then make your correction again."
            )
        # A correction follows the revision the public sees, not a withdrawn one; when
        # every revision is withdrawn, the newest, which the publisher corrects.
        base = correction_base(locked) or current
        record = {**base.record, **{k: v.strip() for k, v in changes.items()}}
        unchanged = record == base.record and latest_agreement(locked.decision) == base.agreement
        if unchanged and locked.withdrawn_at is None:
            raise PublicationError("The correction changes nothing.")
        locked.title = record["title"]
        locked.legal_basis = record["legal_basis"]
        locked.save(update_fields=["title", "legal_basis", "updated_at"])
        return _new_revision(locked, by=by, note=note.strip(), record=record)


def correction_base(publication: Publication) -> PublishedRevision | None:
    """The revision a correction starts from: the one the public sees (the newest not
    withdrawn), or the newest when every revision is withdrawn."""
    return publication.public_revision() or publication.current_revision()


def due(now: datetime.datetime | None = None):
    """Publications whose time has come: not yet published, due, and not deferred beyond now."""
    now = now or timezone.now()
    return Publication.objects.filter(published_at__isnull=True, due_at__lte=now).exclude(
        deferred_until__gt=now
    )


def agreements_due():
    """Published decisions whose newest reviewed agreement is not yet on the register. One
    whose every revision is withdrawn waits for a publisher's correction instead."""
    published = Publication.objects.published().select_related("decision")
    reviewed = published.filter(decision__agreements__review=AgreementReview.REVIEWED)
    for publication in reviewed.distinct():
        current = publication.current_revision()
        latest = latest_agreement(publication.decision)
        if latest is not None and latest != current.agreement:
            yield publication


def publish_due(now: datetime.datetime | None = None) -> list[PublishedRevision]:
    """Publish everything due. Safe to run again and from several servers at once: each
    publication is claimed with a row lock that other runs skip, and checked again
    under it."""
    now = now or timezone.now()
    published = []
    for pk in list(due(now).values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = due(now).select_for_update(skip_locked=True).filter(pk=pk).first()
            if claimed is None:
                continue
            locked = _locked(claimed)
            published.append(
                _new_revision(locked, by=None, note="", record=decision_record(locked))
            )
    for publication in list(agreements_due()):
        with transaction.atomic():
            locked = (
                Publication.objects.select_for_update(skip_locked=True)
                .filter(pk=publication.pk)
                .first()
            )
            if locked is None:
                continue
            current = locked.current_revision()
            latest = latest_agreement(locked.decision)
            if latest is None or latest == current.agreement:
                continue
            locked = _locked(locked)
            if locked.withdrawn_at is not None:
                continue
            published.append(
                _new_revision(
                    locked,
                    by=None,
                    note="The signed grant agreement was added.",
                    # Never the record of a withdrawn revision.
                    record=correction_base(locked).record,
                )
            )
    return published
