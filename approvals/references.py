"""Decision references against a saved copy of the public register: after a restore from
an older backup, the database's reference sequence is where it was at the backup, so it
would issue again the references published since (see README.md, "Backup and restore").

The register's open data (/decisions.json or /decisions.csv, a file or an http(s)
address) says which references the public has seen. `restore_check --register` reports
each prefix whose next number is not past them; `advance_references` moves it past.
"""

import csv
import io
import json
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

from django.conf import settings
from django.db import IntegrityError, transaction

from approvals import audit
from approvals.models import AuditAction, ReferenceSequence

# How references are written (approvals.services.next_reference): "PCD 1234".
_REFERENCE = re.compile(r"(?P<prefix>\S.*?) (?P<number>[0-9]+)")
FETCH_TIMEOUT_SECONDS = 60


class RegisterError(Exception):
    """The saved register cannot be read; the message says why."""


@dataclass(frozen=True)
class PublishedReferences:
    """The highest published number of each prefix, and the references not written as a
    prefix and a number (imported historic records, say), which no sequence issues."""

    highest: dict[str, int]
    unreadable: list[str]


@dataclass(frozen=True)
class Reissue:
    """A prefix whose next reference is one already on the register."""

    prefix: str
    next_number: int
    highest: int

    def __str__(self) -> str:
        again = self.highest - self.next_number + 1
        return (
            f"Decision references: the next is {self.prefix} {self.next_number}, but the "
            f"register already has up to {self.prefix} {self.highest}, so {again} "
            f"reference(s) would be issued again. Run advance_references --register with "
            f"the same copy of the register before reopening."
        )


def _read_source(source: str) -> bytes:
    if re.match(r"https?://", source, re.IGNORECASE):
        request = urllib.request.Request(source, headers={"User-Agent": "grant-decisions"})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
                return response.read()
        except (URLError, OSError, ValueError) as error:
            raise RegisterError(f"Could not fetch the register from {source}: {error}") from None
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise RegisterError(f"Could not read the register file {source}: {error}") from None


def _references(content: bytes, source: str) -> list[str]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterError(f"{source} is not UTF-8 text.") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise RegisterError(f"{source} is not valid JSON: {error}") from None
        rows = data.get("decisions") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(
            isinstance(row, dict) and isinstance(row.get("reference"), str) for row in rows
        ):
            raise RegisterError(
                f"{source} is not the register's open data: each decision needs a reference."
            )
        return [row["reference"] for row in rows]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if "reference" not in (reader.fieldnames or []):
        raise RegisterError(
            f"{source} is not the register's open data (/decisions.csv or /decisions.json): "
            "it has no reference column."
        )
    return [row["reference"] or "" for row in reader]


def published_references(source: str) -> PublishedReferences:
    """The references in a saved copy of the register's open data, by prefix."""
    return highest_numbers(_references(_read_source(source), source))


def highest_numbers(references: Iterable[str]) -> PublishedReferences:
    """The highest number of each prefix among these references."""
    highest: dict[str, int] = {}
    unreadable = []
    for reference in references:
        match = _REFERENCE.fullmatch(reference.strip())
        if match is None:
            unreadable.append(reference)
            continue
        prefix, number = match["prefix"], int(match["number"])
        highest[prefix] = max(number, highest.get(prefix, 0))
    return PublishedReferences(highest, unreadable)


def next_numbers(prefixes) -> dict[str, int]:
    """The number each prefix would issue next: its sequence's, or the first number for a
    prefix that has issued none yet."""
    stored = dict(
        ReferenceSequence.objects.filter(prefix__in=prefixes).values_list("prefix", "next_number")
    )
    return {prefix: stored.get(prefix, settings.DECISION_REFERENCE_START) for prefix in prefixes}


def reissues(published: PublishedReferences) -> list[Reissue]:
    """Each prefix whose next reference is at or below the highest published one."""
    numbers = next_numbers(published.highest)
    return [
        Reissue(prefix, numbers[prefix], highest)
        for prefix, highest in sorted(published.highest.items())
        if numbers[prefix] <= highest
    ]


@dataclass(frozen=True)
class Advance:
    prefix: str
    before: int
    after: int

    @property
    def moved(self) -> bool:
        return self.after != self.before


def locked_sequence(prefix: str) -> ReferenceSequence:
    """A prefix's reference sequence, locked until the transaction ends; made at
    DECISION_REFERENCE_START if it does not exist yet."""
    sequence = ReferenceSequence.objects.select_for_update().filter(prefix=prefix).first()
    if sequence is None:
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(
                    prefix=prefix, next_number=settings.DECISION_REFERENCE_START
                )
        except IntegrityError:
            pass  # another transaction made it first
        sequence = ReferenceSequence.objects.select_for_update().get(prefix=prefix)
    return sequence


def advance_past(published: PublishedReferences, *, source: str, by=None) -> list[Advance]:
    """Move each prefix's sequence past its highest published reference, never back,
    each move with its audit event, all in one transaction."""
    advances = []
    with transaction.atomic():
        for prefix, highest in sorted(published.highest.items()):
            sequence = locked_sequence(prefix)
            before = sequence.next_number
            after = max(before, highest + 1)
            advances.append(Advance(prefix, before, after))
            if after == before:
                continue
            sequence.next_number = after
            sequence.save(update_fields=["next_number"])
            audit.record(
                AuditAction.REFERENCES_ADVANCED,
                actor=by,
                details={"prefix": prefix, "from": before, "to": after, "source": source},
            )
    return advances
