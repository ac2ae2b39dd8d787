"""A case's history as people read it: audit events turned into entries with readable
details, what happened to each version after it was frozen, and changes between two
documents with their values written as the report writes them."""

import datetime
import difflib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import F
from django.urls import reverse

from approvals.models import (
    AgendaItem,
    AuditAction,
    AuditEvent,
    CaseVersion,
    ClearanceArea,
    Decision,
    IamMeeting,
    IamOutcome,
    SignOff,
    SignOffOutcome,
)
from grants.document import DATE_KEYS, LIST_KEYS, MONEY_KEYS, document_changes
from grants.formatting import long_date
from grants.models import CaseState
from grants.money import PENNY, format_pounds
from grants.sections import SECTION_BY_FIELD

# Readable values ---------------------------------------------------------------------------

# Audit details date their IAM meetings under "date".
ISO_DATE_KEYS = DATE_KEYS | {"date"}
KEY_LABELS = {"part2": "Part 2", "sha256": "SHA-256"}
ACRONYMS = {"fte": "FTE", "mps": "MPS", "iam": "IAM", "dmpc": "DMPC", "id": "ID"}
PATH_SEPARATOR = " › "


def humanise_key(key: str) -> str:
    """A snake_case key as sentence case words: mps_funding → MPS funding."""
    if key in KEY_LABELS:
        return KEY_LABELS[key]
    words = [ACRONYMS.get(word, word) for word in str(key).split("_") if word]
    if not words:
        return str(key)
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def humanise_path(parts: list) -> str:
    """A document path in words: Units › ROCU › Cost lines › 2 › Amount."""
    shown, after_list = [], False
    for part in parts:
        part = str(part)
        shown.append(part if after_list else humanise_key(part))
        after_list = not after_list and part in LIST_KEYS
    return PATH_SEPARATOR.join(shown)


@dataclass(frozen=True)
class Shown:
    """A value as a person reads it. `missing` marks a field that is not there or empty."""

    text: str = ""
    missing: bool = False


NOT_SET = Shown(missing=True)


def _pounds(value) -> str | None:
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            return None
        exact = amount == amount.quantize(PENNY)
    except InvalidOperation:  # not a number, or too large to show to the penny
        return None
    if exact:
        return format_pounds(amount)
    # A part-time post can cost fractions of a penny: rounding would hide a real change.
    return f"{'-' if amount < 0 else ''}£{abs(amount):,f}"


def _date(value) -> str | None:
    try:
        return long_date(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        return None


def shown(key: str, value) -> Shown:
    """One stored value in words: money as £ to the penny, ISO dates as dates, yes/no."""
    if value is None or value == "":
        return NOT_SET
    if isinstance(value, bool):
        return Shown("Yes" if value else "No")
    if isinstance(value, dict | list):
        # Shapes this page does not know are shown whole rather than dropped.
        return Shown(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))
    if key in MONEY_KEYS:
        return Shown(_pounds(value) or str(value))
    if key in ISO_DATE_KEYS and isinstance(value, str):
        return Shown(_date(value) or value)
    return Shown(str(value))


# A text this long, or of more than one line, is compared word by word rather than shown
# twice in full.
LONG_TEXT = 80
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Words:
    """A run of words of a compared text: "same", "removed" or "added"."""

    kind: str
    text: str


def word_changes(before: str, after: str) -> list[Words]:
    """The words removed from `before` and added in `after`, in order, with the words
    they share between them."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    runs: list[Words] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(Words("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(Words("removed", "".join(old[i1:i2])))
        if j2 > j1:
            runs.append(Words("added", "".join(new[j1:j2])))
    return runs


def _is_long(value: Shown) -> bool:
    return not value.missing and (len(value.text) > LONG_TEXT or "\n" in value.text)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Shown
    after: Shown

    @property
    def words(self) -> list[Words] | None:
        """The change word by word, for a long text changed into another; None for short
        values, which read best side by side."""
        if self.before.missing or self.after.missing:
            return None
        if not (_is_long(self.before) or _is_long(self.after)):
            return None
        return word_changes(self.before.text, self.after.text)


def readable_changes(changes) -> list[FieldChange] | None:
    """document_changes() output in words, or None if it is not in that shape (an audit
    event's stored details are data from the past, so they are checked, not trusted)."""
    if not isinstance(changes, list):
        return None
    readable = []
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("field"), list | str):
            return None
        path = change["field"] if isinstance(change["field"], list) else [change["field"]]
        key = str(path[-1]) if path else ""
        readable.append(
            FieldChange(
                humanise_path(path),
                shown(key, change.get("before")),
                shown(key, change.get("after")),
            )
        )
    return readable


# Choosing two versions --------------------------------------------------------------------


def what_happened(case) -> dict[int, list[str]]:
    """What happened to each version after it was frozen, by version id."""
    happened: dict[int, list[str]] = defaultdict(list)
    items = AgendaItem.objects.filter(case=case).select_related("meeting")
    for item in items.order_by("meeting__date", "pk"):
        happened[item.version_id].append(f"{item.meeting}: {item.get_outcome_display()}")
    areas: dict[int, set[str]] = defaultdict(set)
    for version_id, area in SignOff.objects.filter(version__case=case).values_list(
        "version_id", "area"
    ):
        areas[version_id].add(area)
    for version_id, signed in areas.items():
        labels = ", ".join(area.label for area in ClearanceArea if area.value in signed)
        happened[version_id].append(f"Signed off: {labels}")
    for decision in Decision.objects.filter(case=case):
        happened[decision.version_id].append(
            f"{decision.get_outcome_display()}: {decision.reference}"
        )
    # An IAM return already shows as the agenda item's outcome.
    endings = AuditEvent.objects.filter(
        case=case, version__isnull=False, action__in=[AuditAction.RETURNED, AuditAction.WITHDRAWN]
    ).exclude(action=AuditAction.RETURNED, from_state=CaseState.IAM_REVIEW)
    for event in endings.order_by("sequence"):
        who = " by the DMPC" if event.from_state == CaseState.DMPC_REVIEW else ""
        happened[event.version_id].append(f"{event.get_action_display()}{who}")
    return happened


DETAIL_LABELS = {
    "reference": "Decision reference",
    "outcome": "Outcome",
    "area": "Area",
    "advice": "Advice",
    "note": "Note",
    "reasons": "Reasons",
    "alternatives_considered": "Alternatives considered",
    "interests_declared": "Interests declared",
    "interests": "Interests",
    "meeting": "IAM meeting",
    "date": "Meeting date",
    "attendees": "Attendees",
    "invitees": "Invitees",
    "place": "Place",
    "time": "Time",
    "minutes": "Minutes",
    "sha256": "SHA-256",
    "imported_from": "Imported from",
    "import_token": "Import reference",
    "extends": "Extends",
    "copied_from_case": "Copied from case",
}
# The DMPC's decision outcomes are stored as the verbs of the decision form.
OUTCOME_LABELS = {
    **{outcome.value: outcome.label for outcome in IamOutcome},
    "approve": "Approved",
    "reject": "Rejected",
    "return": "Returned for changes",
}
AREA_LABELS = {area.value: area.label for area in ClearanceArea}


@dataclass(frozen=True)
class Detail:
    label: str
    value: Shown
    url: str = ""
    is_hash: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    details: list[Detail]
    changes: list[FieldChange] | None


def _meeting_id(details: dict) -> int | None:
    meeting = details.get("meeting")
    return meeting if isinstance(meeting, int) and not isinstance(meeting, bool) else None


def _detail(key: str, value, meeting: IamMeeting | None) -> Detail:
    label = DETAIL_LABELS.get(key) or humanise_key(key)
    words = {"outcome": OUTCOME_LABELS, "area": AREA_LABELS}.get(key, {})
    if isinstance(value, str) and value in words:
        return Detail(label, Shown(words[value]))
    if key == "meeting" and meeting is not None:
        url = reverse("approvals:meeting", args=[meeting.pk])
        return Detail(label, Shown(long_date(meeting.date)), url=url)
    return Detail(label, shown(key, value), is_hash=key == "sha256")


def _history_entry(event: AuditEvent, meetings: dict[int, IamMeeting]) -> HistoryEntry:
    details = event.details if isinstance(event.details, dict) else {"details": event.details}
    meeting = meetings.get(_meeting_id(details))
    changes = readable_changes(details.get("changes")) if "changes" in details else None
    # Said elsewhere on the page: the event's version link, and the meeting link's date.
    said_elsewhere = {
        "version": details.get("version") == event.version_number,
        "date": meeting is not None,
        "changes": changes is not None,
    }
    known = [key for key in DETAIL_LABELS if key in details]
    rows = []
    for key in known + [key for key in details if key not in DETAIL_LABELS]:
        value = details[key]
        if said_elsewhere.get(key):
            continue
        # An empty known field (no note, no alternatives) says nothing; unknown keys are
        # always shown so that nothing recorded is hidden.
        if key in DETAIL_LABELS and value in ("", None):
            continue
        rows.append(_detail(key, value, meeting))
    return HistoryEntry(event, rows, changes)


def case_events(case, *, newest_first: bool = False):
    """The case's audit events, oldest first unless `newest_first`."""
    # The version number alone, not the version: a join, not a query per event, and not
    # every frozen document.
    return (
        AuditEvent.objects.filter(case=case)
        .annotate(version_number=F("version__number"))
        .order_by("-sequence" if newest_first else "sequence")
    )


def case_history(case, *, newest_first: bool = False) -> list["HistoryEntry"]:
    """Every audit event of the case, oldest first unless `newest_first`, as entries."""
    return history_entries(case_events(case, newest_first=newest_first))


def history_entries(events) -> list["HistoryEntry"]:
    """Audit events (from case_events, or a page of them) as entries."""
    events = list(events)
    meeting_ids = {_meeting_id(e.details) for e in events if isinstance(e.details, dict)}
    meetings = IamMeeting.objects.in_bulk(meeting_ids - {None})
    return [_history_entry(event, meetings) for event in events]


# Since an adviser last cleared ----------------------------------------------------------


@dataclass(frozen=True)
class SinceCleared:
    """What changed in a version since the latest earlier version the area was signed
    off on: cleared, or not cleared (an adviser who refused sees what the answer to their
    reason changed)."""

    signed: SignOff
    version: CaseVersion
    changes: list[FieldChange]

    @property
    def cleared(self) -> CaseVersion:
        return self.signed.version

    @property
    def was_cleared(self) -> bool:
        return self.signed.outcome != SignOffOutcome.NOT_CLEARED

    @property
    def before_heading(self) -> str:
        said = "cleared" if self.was_cleared else "not cleared"
        return f"Version {self.cleared.number}, {said}"

    @property
    def after_heading(self) -> str:
        return f"Version {self.version.number}"


def _titled(change: dict) -> dict:
    # A report section is named by its title, as the report names it.
    path = change["field"]
    if len(path) == 2 and path[0] == "sections" and path[1] in SECTION_BY_FIELD:
        return {**change, "field": ["sections", SECTION_BY_FIELD[path[1]].title]}
    return change


def changes_since_cleared(version: CaseVersion, area: str) -> SinceCleared | None:
    """The changes from the latest earlier version of the case on which `area` was
    signed off, cleared or not, to `version`; None if it never was."""
    signed = (
        SignOff.objects.filter(
            version__case_id=version.case_id, version__number__lt=version.number, area=area
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )
    if signed is None:
        return None
    raw = document_changes(signed.version.document, version.document)
    return SinceCleared(signed, version, readable_changes([_titled(c) for c in raw]) or [])
