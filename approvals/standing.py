"""Standing authorities and related decisions.

A recommendation approved as a standing authority lets MOPAC accept later years' offers up
to a cap a year until an end date without a new case. Each acceptance is checked against
the cap and the date, audited and listed publicly on the original decision's page.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from approvals import audit
from approvals.models import (
    AuditAction,
    Decision,
    RelatedDecision,
    RelatedDecisionKind,
    StandingAuthorityAcceptance,
)
from approvals.publication.services import note_later_events
from approvals.workflow import refusal
from grants import services as editing
from grants.formatting import long_date
from grants.models import GrantCase
from grants.money import financial_year_label, format_millions
from grants.permissions import cases_visible_to

NEW_CASE_NEEDED = "A new grant case is needed."


class StandingAuthorityError(Exception):
    """An offer that cannot be accepted under a standing authority; the message says why."""


def accept_under_standing_authority(
    decision: Decision,
    *,
    by,
    recommendation: int,
    funder: str,
    financial_year: int,
    amount: Decimal,
    offer_date: datetime.date,
    note: str = "",
) -> StandingAuthorityAcceptance:
    error = refusal(by, "accept_under_standing_authority", decision.case)
    if error is not None:
        raise StandingAuthorityError(str(error))
    authority = next(
        (a for a in decision.standing_authorities() if a.position == recommendation), None
    )
    if authority is None:
        raise StandingAuthorityError(
            f"{decision.reference} approved no standing authority as recommendation "
            f"{recommendation}."
        )
    if not funder.strip():
        raise StandingAuthorityError("Enter the funder making the offer")
    if amount <= 0:
        raise StandingAuthorityError("Enter an amount more than £0")
    costed_year = decision.case.financial_year
    if financial_year <= costed_year:
        raise StandingAuthorityError(
            f"A standing authority covers later years: {financial_year_label(costed_year)} "
            f"was decided by {decision.reference} itself."
        )
    if offer_date > authority.ends_on:
        raise StandingAuthorityError(
            f"The standing authority ended on {long_date(authority.ends_on)}, before this offer "
            f"was made. {NEW_CASE_NEEDED}"
        )
    if datetime.date(financial_year, 4, 1) > authority.ends_on:
        raise StandingAuthorityError(
            f"The standing authority ends on {long_date(authority.ends_on)}, before "
            f"{financial_year_label(financial_year)} begins. {NEW_CASE_NEEDED}"
        )

    with transaction.atomic():
        # One acceptance at a time per decision, so two cannot together pass the cap.
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        accepted = StandingAuthorityAcceptance.objects.filter(
            decision=locked, recommendation=recommendation, financial_year=financial_year
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
        if accepted + amount > authority.annual_cap:
            year, total = financial_year_label(financial_year), format_millions(accepted + amount)
            raise StandingAuthorityError(
                f"£{format_millions(amount)}m would take the offers accepted for {year} to "
                f"£{total}m, above the standing authority's cap of "
                f"£{format_millions(authority.annual_cap)}m a year. {NEW_CASE_NEEDED}"
            )
        note_later_events([locked.pk])
        acceptance = StandingAuthorityAcceptance.objects.create(
            decision=locked,
            recommendation=recommendation,
            funder=funder.strip(),
            financial_year=financial_year,
            amount=amount,
            offer_date=offer_date,
            note=note.strip(),
            accepted_by=by,
        )
        audit.record(
            AuditAction.STANDING_ACCEPTANCE,
            actor=by,
            case=locked.case,
            version=locked.version,
            details={
                "reference": locked.reference,
                "recommendation": recommendation,
                "funder": acceptance.funder,
                "financial_year": financial_year_label(financial_year),
                "amount": str(amount),
                "offer_date": offer_date.isoformat(),
                "note": acceptance.note,
            },
        )
    return acceptance


class LinkRefused(editing.EditRefused):
    """A reference the case cannot be linked to: the answer is about the reference typed."""


def citable_decision(user, reference: str) -> Decision | None:
    """The decision a case may be linked to by that reference: one on the public register,
    or one whose case the user can see. Any other is answered as if there were none, so
    the answer says nothing about decisions the user may not see."""
    found = (
        Decision.objects.filter(reference__iexact=" ".join(reference.split()))
        .select_related("publication")
        .first()
    )
    if found is None:
        return None
    publication = getattr(found, "publication", None)
    if publication is not None and publication.on_register:
        return found
    return found if cases_visible_to(user).filter(pk=found.case_id).exists() else None


def link_decision(
    case: GrantCase, *, by, reference: str, kind: RelatedDecisionKind, lock_version: int | None
) -> RelatedDecision:
    """Link a case in draft to an earlier decision it varies, extends or supersedes. Part 1
    names the decision only once it is published; until then the link is a staff note."""
    decision = citable_decision(by, reference)
    if decision is None:
        raise LinkRefused(
            f"There is no published decision {' '.join(reference.split())}. Check the reference."
        )
    if decision.case_id == case.pk:
        raise LinkRefused("A case cannot refer to its own decision.")
    try:
        with editing.editing(case, by=by, lock_version=lock_version), transaction.atomic():
            note_later_events([decision.pk])
            return RelatedDecision.objects.create(
                case=case, decision=decision, kind=kind, added_by=by
            )
    except IntegrityError:
        raise LinkRefused(f"The case already refers to {decision.reference}.") from None


def unlink_decision(case: GrantCase, link_pk: int, *, by, lock_version: int | None) -> None:
    with editing.editing(case, by=by, lock_version=lock_version):
        links = RelatedDecision.objects.filter(case=case, pk=link_pk)
        note_later_events(links.values_list("decision_id", flat=True))
        deleted, _ = links.delete()
        if not deleted:
            raise editing.EditRefused("That link has already been removed.")


def public_annex(decision_id: int) -> dict:
    """What a published decision's page adds from later events: offers accepted under its
    standing authority, and published decisions that vary, extend or supersede it."""
    acceptances = list(
        StandingAuthorityAcceptance.objects.filter(decision_id=decision_id)
        .order_by("financial_year", "id")
        .values("recommendation", "funder", "financial_year", "amount", "offer_date")
    )
    reference = Decision.objects.filter(pk=decision_id).values_list("reference", flat=True).first()
    rows = (
        RelatedDecision.objects.filter(
            decision_id=decision_id,
            case__decisions__publication__published_at__isnull=False,
            case__decisions__publication__withdrawn_at__isnull=True,
        )
        .order_by("case__decisions__decided_at")
        .values(
            "kind",
            "case__decisions__reference",
            "case__decisions__publication__slug",
            "case__decisions__publication__title",
            "case__decisions__version__document__related_decisions",
        )
    )
    # Only a later decision whose published Part 1 names this one: a link made while this
    # decision was unpublished stayed a staff note, and its version does not name it.
    cited_by = [
        {
            "kind": RelatedDecisionKind(row["kind"]).label.lower(),
            "reference": row["case__decisions__reference"],
            "slug": row["case__decisions__publication__slug"],
            "title": row["case__decisions__publication__title"],
        }
        for row in rows
        if any(
            named.get("reference") == reference
            for named in row["case__decisions__version__document__related_decisions"] or []
        )
    ]
    return {"acceptances": acceptances, "cited_by": cited_by}
