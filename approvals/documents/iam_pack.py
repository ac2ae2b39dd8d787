"""The IAM meeting pack: one staff-only PDF for a meeting, drawn from
templates/documents/iam_pack.html.

It opens with a cover (when, where, who is invited, and who attended and the minutes
once recorded) and the agenda, whose entries give the page each case's report starts
on; then each case's report as the version on the agenda, Part 1 and Part 2, with
IAM's outcome and minutes once recorded.

A pack is kept once drawn (approvals.models.IamPack). `pack_contents` fingerprints
everything the pack shows, so the same agenda is served from storage and any change
draws the next numbered pack. Each download is audited with the pack's number and
SHA-256, so who read which pack is known.
"""

import hashlib
import re

from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from approvals import audit
from approvals.documents import pdf
from approvals.models import AuditAction, IamMeeting, IamOutcome, IamPack
from grants.formatting import long_date
from grants.presentation import report_context

TEMPLATE = "documents/iam_pack.html"
REPORT = "documents/iam_pack_report.html"
# Raised when the pack's template changes what an unchanged agenda shows, so that
# packs are drawn again.
FORMAT = 1
# How many times to take the next number when other packs of the meeting are kept
# at the same moment.
ATTEMPTS = 5


def _items(meeting: IamMeeting):
    return meeting.items.select_related("case", "version").order_by("pk")


def pack_contents(meeting: IamMeeting) -> str:
    """The SHA-256 of a canonical JSON of everything the meeting's pack shows."""
    items = meeting.items.order_by("pk").values_list(
        "pk", "version__sha256", "outcome", "note", "minutes"
    )
    contents = {
        "format": FORMAT,
        "date": meeting.date.isoformat(),
        "time": meeting.time.strftime("%H:%M"),
        "place": meeting.place,
        "invitees": meeting.invitees,
        "attendees": meeting.attendees,
        "minutes": meeting.minutes,
        "items": [
            {"item": pk, "version": sha256, "outcome": outcome, "note": note, "minutes": minutes}
            for pk, sha256, outcome, note, minutes in items
        ],
    }
    return hashlib.sha256(audit.canonical(contents).encode()).hexdigest()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# The attributes of the report templates that name an element by its id.
_REFERENCES = re.compile(
    r'\b(id|for|headers|aria-labelledby|aria-describedby|aria-controls)="([^"]*)"'
    r'|\bhref="#([^"]*)"'
)


def _own_ids(html: str, prefix: str) -> str:
    """`html` with every id it defines or refers to prefixed, so that the reports of a
    pack, drawn from the same templates, do not define the same anchors. Text in the
    HTML is escaped, so only its markup's attributes match."""

    def renamed(match: re.Match) -> str:
        if match.group(3) is not None:
            return f'href="#{prefix}{match.group(3)}"'
        names = " ".join(prefix + name for name in match.group(2).split())
        return f'{match.group(1)}="{names}"'

    return _REFERENCES.sub(renamed, html)


def _report(document: dict, anchor: str) -> SafeString:
    """Part 1 and Part 2 of a version's document, as the decide page shows them."""
    html = render_to_string(REPORT, {**report_context(document), "show_pounds": False})
    return mark_safe(_own_ids(html, f"{anchor}-"))  # rendered and escaped by the template


def context(meeting: IamMeeting) -> dict:
    items = []
    for position, item in enumerate(_items(meeting), start=1):
        document = item.version.document
        anchor = f"item-{position}"
        items.append(
            {
                "anchor": anchor,
                "position": position,
                "title": document["case"]["title"],
                "version": item.version.number,
                "recorded": item.outcome != IamOutcome.PENDING,
                "outcome": item.get_outcome_display(),
                "note": item.note,
                "minutes": item.minutes,
                "report": _report(document, anchor),
            }
        )
    return {
        "meeting": meeting,
        "invitees": _lines(meeting.invitees),
        "attendees": _lines(meeting.attendees),
        "items": items,
    }


def draw(meeting: IamMeeting) -> bytes:
    title = f"IAM meeting pack, {long_date(meeting.date)}"
    return pdf.draw(TEMPLATE, context(meeting), title=title)


def current_pack(meeting: IamMeeting, *, by) -> IamPack:
    """The kept pack of the meeting as it stands, drawn and kept first if the agenda,
    a version, an outcome or the minutes changed since the last one."""
    contents = pack_contents(meeting)
    kept = IamPack.objects.filter(meeting=meeting, contents=contents).first()
    if kept is not None:
        return kept
    content = draw(meeting)
    for _ in range(ATTEMPTS):
        latest = IamPack.objects.filter(meeting=meeting).aggregate(Max("number"))["number__max"]
        pack = IamPack(meeting=meeting, number=(latest or 0) + 1, contents=contents, drawn_by=by)
        if pdf.keep(pack, content, "pack.pdf") is not None:
            return pack
        # Another request kept a pack first: this one, or the next number.
        kept = IamPack.objects.filter(meeting=meeting, contents=contents).first()
        if kept is not None:
            return kept
    raise RuntimeError(f"Could not keep a pack for {meeting} after {ATTEMPTS} attempts")


def download(meeting: IamMeeting, *, by) -> IamPack:
    """The meeting's current pack, with its download by `by` audited."""
    pack = current_pack(meeting, by=by)
    with transaction.atomic():
        audit.record(
            AuditAction.PACK_DOWNLOADED,
            actor=by,
            details={
                "meeting": meeting.pk,
                "date": meeting.date.isoformat(),
                "pack": pack.number,
                "sha256": pack.sha256,
            },
        )
    return pack


def filename(pack: IamPack) -> str:
    return f"iam-pack-{pack.meeting.date.isoformat()}-v{pack.number}.pdf"
