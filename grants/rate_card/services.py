"""Changes to the rate card, one function per change, and the card a case is checked
against.

Only administrators change the card. Each change locks the entry it changes, refuses a
page opened before someone else's change to that entry, and writes its audit event in
the same transaction.
"""

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from approvals import audit
from approvals.accounts.administration import is_administrator
from approvals.models import AuditAction
from grants.models import RateCardEntry
from grants.money import financial_year_label, money_string

NOT_AN_ADMINISTRATOR = "Only an administrator can change the rate card."
CHANGED_ELSEWHERE = (
    "This entry of the rate card was changed or removed by someone else after you opened "
    "this page. Your change has not been saved. Check the rate card and try again."
)


class RateCardError(Exception):
    """A change the rate card cannot take; the message says why. `field` names the form
    field it is about, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def card_for_year(financial_year: int) -> dict[str, Decimal]:
    """Each grade's annual cost in a financial year, by grade as the card spells it."""
    entries = RateCardEntry.objects.filter(financial_year=financial_year).order_by("grade")
    return dict(entries.values_list("grade", "annual_cost"))


def card_for_case(case) -> dict[str, Decimal]:
    """The rate card a case's posts are checked against: that of its costed year."""
    return card_for_year(case.financial_year)


def years_on_the_card() -> list[int]:
    """The financial years the card has costs for, latest first."""
    return list(
        RateCardEntry.objects.order_by("-financial_year")
        .values_list("financial_year", flat=True)
        .distinct()
    )


def seen_stamp(entry: RateCardEntry) -> str:
    """What a page remembers of the entry it was rendered with."""
    return entry.updated_at.isoformat()


def _facts(entry: RateCardEntry) -> dict:
    return {
        "grade": entry.grade,
        "financial_year": financial_year_label(entry.financial_year),
        "annual_cost": money_string(entry.annual_cost),
    }


def _check_administrator(by: AbstractBaseUser) -> None:
    if not is_administrator(by):
        raise RateCardError(NOT_AN_ADMINISTRATOR)


def _already_on_the_card(grade: str, financial_year: int) -> RateCardError:
    return RateCardError(
        f"The {financial_year_label(financial_year)} rate card already has {grade}. "
        "Change that entry instead, or enter another grade or rank",
        field="grade",
    )


def _ensure_not_duplicated(grade: str, financial_year: int, *, other_than=None) -> None:
    clash = RateCardEntry.objects.filter(grade__iexact=grade, financial_year=financial_year)
    if other_than is not None:
        clash = clash.exclude(pk=other_than.pk)
    if clash.exists():
        raise _already_on_the_card(grade, financial_year)


def _locked(entry: RateCardEntry, seen: str | None) -> RateCardEntry:
    locked = RateCardEntry.objects.select_for_update().filter(pk=entry.pk).first()
    if locked is None or seen != seen_stamp(locked):
        raise RateCardError(CHANGED_ELSEWHERE)
    return locked


def add_rate(
    *, by: AbstractBaseUser, grade: str, financial_year: int, annual_cost: Decimal
) -> RateCardEntry:
    _check_administrator(by)
    grade = grade.strip()
    try:
        with transaction.atomic():
            _ensure_not_duplicated(grade, financial_year)
            entry = RateCardEntry.objects.create(
                grade=grade, financial_year=financial_year, annual_cost=annual_cost, updated_by=by
            )
            audit.record(AuditAction.RATE_ADDED, actor=by, details=_facts(entry))
    except IntegrityError:  # added by someone else at the same moment
        raise _already_on_the_card(grade, financial_year) from None
    return entry


def change_rate(
    entry: RateCardEntry,
    *,
    by: AbstractBaseUser,
    seen: str | None,
    grade: str,
    financial_year: int,
    annual_cost: Decimal,
) -> RateCardEntry:
    _check_administrator(by)
    grade = grade.strip()
    try:
        with transaction.atomic():
            locked = _locked(entry, seen)
            before = _facts(locked)
            _ensure_not_duplicated(grade, financial_year, other_than=locked)
            locked.grade, locked.financial_year, locked.annual_cost = (
                grade,
                financial_year,
                annual_cost,
            )
            locked.updated_by = by
            locked.save()
            after = _facts(locked)
            if after != before:
                audit.record(
                    AuditAction.RATE_CHANGED,
                    actor=by,
                    details={"entry": locked.pk, "from": before, "to": after},
                )
    except IntegrityError:
        raise _already_on_the_card(grade, financial_year) from None
    return locked


def remove_rate(entry: RateCardEntry, *, by: AbstractBaseUser, seen: str | None) -> None:
    _check_administrator(by)
    with transaction.atomic():
        locked = _locked(entry, seen)
        facts = _facts(locked)
        locked.delete()
        audit.record(AuditAction.RATE_REMOVED, actor=by, details=facts)
