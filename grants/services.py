"""Changes to grant cases. Views call these; nothing else writes a case.

There is one function per kind of edit, so the audit trail has one place to hook into
each. Every edit runs in a transaction holding a row lock on the case, refuses a case
the actor may no longer change, and refuses a page opened before someone else's change:
the case's lock_version must still be the one the page was rendered with. A saved edit
increments it.
"""

import datetime
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from approvals import audit
from approvals.models import AuditAction
from grants import letters
from grants.document import case_document, document_changes, related_decision_notes
from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    GrantScheme,
    Post,
    Recommendation,
    YearAllocation,
)
from grants.money import financial_year_label
from grants.permissions import can_create_case, can_edit_case
from grants.sections import Section

CASE_CHANGED = (
    "This case was changed by someone else after you opened this page. Your changes have "
    "not been saved. Check the case and try again."
)


class EditRefused(Exception):
    """An edit the case cannot take. The message says why, to the person editing."""


class CaseChanged(EditRefused):
    def __init__(self, message: str = CASE_CHANGED):
        super().__init__(message)


@dataclass(frozen=True)
class RowEdit:
    """One submitted row of a table: the id of the row it changes (None for a new row)
    and its values, by model field name."""

    id: int | None
    values: dict[str, Any]


def ensure_current(case: GrantCase, lock_version: int | None) -> None:
    """Refuse a page rendered from an older version of the case."""
    if case.lock_version != lock_version:
        raise CaseChanged()


@contextmanager
def editing(case: GrantCase, *, by: AbstractBaseUser, lock_version: int | None) -> Iterator[None]:
    """Lock the case, check the actor and the version, and count the edit when it is done."""
    with transaction.atomic():
        locked = GrantCase.objects.select_for_update().get(pk=case.pk)
        allowed, reason = can_edit_case(by, locked)
        if not allowed:
            raise EditRefused(reason)
        ensure_current(locked, lock_version)
        before = audited_document(case)
        yield
        GrantCase.objects.filter(pk=case.pk).update(
            lock_version=F("lock_version") + 1, updated_at=timezone.now()
        )
        changes = document_changes(before, audited_document(case))
        if changes:
            audit.record(
                AuditAction.CASE_EDITED, actor=by, case=locked, details={"changes": changes}
            )
    case.lock_version = locked.lock_version + 1


def audited_document(case: GrantCase) -> dict:
    """The draft as its edits are audited: its document, and its staff notes of links to
    decisions not yet published (which no version's document holds)."""
    loaded = GrantCase.objects.with_contents().get(pk=case.pk)
    notes = [
        {"kind": link.kind, "reference": link.decision.reference}
        for link in related_decision_notes(loaded)
    ]
    return {**case_document(loaded), "related_decision_notes": notes}


def _update_case(case: GrantCase, **values) -> None:
    GrantCase.objects.filter(pk=case.pk).update(**values)
    for name, value in values.items():
        setattr(case, name, value)


def create_case(
    *, by: AbstractBaseUser, title: str, scheme: GrantScheme | None, financial_year: int
) -> GrantCase:
    if not can_create_case(by):
        raise EditRefused("Only grants managers can start a grant case.")
    with transaction.atomic():
        case = GrantCase.objects.create(
            title=title, scheme=scheme, financial_year=financial_year, owner=by
        )
        BudgetYear.objects.create(case=case, financial_year=financial_year)
        audit.record(
            AuditAction.CASE_CREATED,
            actor=by,
            case=case,
            details={"changes": document_changes(None, audited_document(case))},
        )
    return case


def save_details(
    case: GrantCase,
    *,
    by: AbstractBaseUser,
    lock_version: int | None,
    title: str,
    scheme: GrantScheme | None,
    financial_year: int,
    report_by: str,
    report_author: str,
) -> None:
    with editing(case, by=by, lock_version=lock_version):
        # The costed year's allocations are the units' own; other years' must not clash.
        if YearAllocation.objects.filter(unit__case=case, financial_year=financial_year).exists():
            raise EditRefused(
                f"Some units already have a grant allocation for "
                f"{financial_year_label(financial_year)} as another year. Remove those "
                "allocations on the funded units page before costing the case in that year."
            )
        _update_case(
            case,
            title=title,
            scheme=scheme,
            financial_year=financial_year,
            report_by=report_by,
            report_author=report_author,
        )
        # The costed year always has a column in the revenue impact summary.
        BudgetYear.objects.get_or_create(case=case, financial_year=financial_year)


def save_time_sensitivity(
    case: GrantCase,
    *,
    by: AbstractBaseUser,
    lock_version: int | None,
    needed_by: datetime.date | None,
    time_sensitivity: str,
) -> None:
    with editing(case, by=by, lock_version=lock_version):
        _update_case(case, needed_by=needed_by, time_sensitivity=time_sensitivity)


def save_section(
    case: GrantCase, section: Section, text: str, *, by: AbstractBaseUser, lock_version: int | None
) -> None:
    with editing(case, by=by, lock_version=lock_version):
        _update_case(case, **{section.field: text})


def save_part2(
    case: GrantCase,
    *,
    by: AbstractBaseUser,
    lock_version: int | None,
    part2_content: str,
    part2_exemption_reason: str,
) -> None:
    with editing(case, by=by, lock_version=lock_version):
        _update_case(
            case, part2_content=part2_content, part2_exemption_reason=part2_exemption_reason
        )


def save_budget_years(
    case: GrantCase, years: Collection[int], *, by: AbstractBaseUser, lock_version: int | None
) -> None:
    with editing(case, by=by, lock_version=lock_version):
        current = set(case.budget_years.values_list("financial_year", flat=True))
        case.budget_years.filter(financial_year__in=current - set(years)).delete()
        BudgetYear.objects.bulk_create(
            BudgetYear(case=case, financial_year=year) for year in sorted(set(years) - current)
        )


def save_offers(
    case: GrantCase, rows: Sequence[RowEdit], *, by: AbstractBaseUser, lock_version: int | None
) -> None:
    """Make the case's grant offers exactly `rows`, creating any new funders named."""
    with editing(case, by=by, lock_version=lock_version):
        edits = []
        for row in rows:
            values = dict(row.values)
            new_funder = values.pop("new_funder", "")
            if values["funder"] is None:
                values["funder"] = _funder_named(new_funder)
            edits.append(RowEdit(row.id, values))
        removed = {offer.pk for offer in case.offers.all()} - {edit.id for edit in edits}
        # Their letters go with them: the rows by cascade, the files once committed.
        letters.remove_letters_of(case, removed, by=by)
        _replace_rows(
            GrantOffer,
            {offer.pk: offer for offer in case.offers.all()},
            edits,
            parent={"case": case},
            key=("funder", "financial_year"),
            # Beyond any real year, and different for each row moved aside.
            set_aside=lambda offer, index: {"financial_year": 32767 - index},
        )


def _funder_named(name: str) -> Funder:
    funder = Funder.objects.filter(name__iexact=name).first()
    return funder or Funder.objects.get_or_create(name=name)[0]


def save_units(
    case: GrantCase, rows: Sequence[RowEdit], *, by: AbstractBaseUser, lock_version: int | None
) -> None:
    """Make the case's funded units exactly `rows`. Removing a unit removes its posts and
    cost lines.

    A row's values may hold `year_allocations`, its grant allocation for each year other
    than the costed year that the page showed ({year: amount, or None for none}); the
    unit's allocations for those years become exactly these, and other years' stay."""
    allocations = {}
    edits = []
    for row in rows:
        values = dict(row.values)
        allocations[values["name"]] = values.pop("year_allocations", {})
        edits.append(RowEdit(row.id, values))
    with editing(case, by=by, lock_version=lock_version):
        _replace_rows(
            FundedUnit,
            {unit.pk: unit for unit in case.units.all()},
            edits,
            parent={"case": case},
            key=("name",),
            set_aside=lambda unit, index: {"name": f"(being renamed {unit.pk})"},
        )
        shown = {year for by_year in allocations.values() for year in by_year}
        if shown:
            units = {unit.name: unit for unit in FundedUnit.objects.filter(case=case)}
            YearAllocation.objects.filter(unit__case=case, financial_year__in=shown).delete()
            YearAllocation.objects.bulk_create(
                YearAllocation(unit=units[name], financial_year=year, amount=amount)
                for name, by_year in allocations.items()
                for year, amount in sorted(by_year.items())
                if amount
            )


def save_unit_costs(
    case: GrantCase,
    unit: FundedUnit,
    *,
    posts: Sequence[RowEdit],
    cost_lines: Sequence[RowEdit],
    by: AbstractBaseUser,
    lock_version: int | None,
) -> None:
    """Make a unit's posts and cost lines exactly those given."""
    if unit.case_id != case.pk:
        raise EditRefused("That unit belongs to another case.")
    with editing(case, by=by, lock_version=lock_version):
        _replace_rows(Post, {p.pk: p for p in unit.posts.all()}, posts, parent={"unit": unit})
        _replace_rows(
            CostLine, {c.pk: c for c in unit.cost_lines.all()}, cost_lines, parent={"unit": unit}
        )


def save_recommendations(
    case: GrantCase, rows: Sequence[RowEdit], *, by: AbstractBaseUser, lock_version: int | None
) -> None:
    """Make the case's recommendations exactly `rows`, numbered in the order given."""
    with editing(case, by=by, lock_version=lock_version):
        edits = []
        for row in rows:
            values = dict(row.values)
            if not values["is_standing_authority"]:
                values.update(annual_cap=None, ends_on=None)
            edits.append(RowEdit(row.id, values))
        _replace_rows(
            Recommendation,
            {rec.pk: rec for rec in case.recommendations.all()},
            edits,
            parent={"case": case},
        )


def _replace_rows(
    model: type[models.Model],
    existing: Mapping[int, models.Model],
    edits: Sequence[RowEdit],
    *,
    parent: dict[str, models.Model],
    key: tuple[str, ...] = (),
    set_aside: Callable[[models.Model, int], dict[str, Any]] | None = None,
) -> None:
    """Make a parent's rows of `model` exactly `edits`, positioned in order, in a fixed
    number of queries however many rows there are.

    `key` names the fields of a unique constraint among the rows. PostgreSQL checks such a
    constraint row by row during an update, so rows that swap keys would clash half-way:
    `set_aside` gives temporary values that move them out of the way first.
    """
    unknown = {edit.id for edit in edits if edit.id is not None} - existing.keys()
    if unknown:
        raise EditRefused("Some rows on the page no longer exist. Reload the page.")
    removed = existing.keys() - {edit.id for edit in edits}
    if removed:
        model.objects.filter(pk__in=removed, **parent).delete()

    changed: list[tuple[models.Model, dict[str, Any]]] = []
    created = []
    for position, edit in enumerate(edits, start=1):
        values = {**edit.values, "position": position}
        if edit.id is None:
            created.append(model(**parent, **values))
            continue
        row = existing[edit.id]
        if any(_differs(row, name, value) for name, value in values.items()):
            changed.append((row, values))

    rekeyed = [row for row, values in changed if any(_differs(row, k, values[k]) for k in key)]
    if rekeyed and set_aside:
        for index, row in enumerate(rekeyed):
            placeholders = set_aside(row, index)
            for name, value in placeholders.items():
                setattr(row, name, value)
        model.objects.bulk_update(rekeyed, list(placeholders))
    if changed:
        for row, values in changed:
            for name, value in values.items():
                setattr(row, name, value)
        fields = sorted({name for _, values in changed for name in values})
        model.objects.bulk_update([row for row, _ in changed], fields)
    if created:
        model.objects.bulk_create(created)


def _differs(row: models.Model, name: str, value: Any) -> bool:
    field = row._meta.get_field(name)
    if field.is_relation:
        # Compare ids, so an unloaded related row costs no query.
        return getattr(row, field.attname) != (value.pk if value is not None else None)
    return getattr(row, name) != value
