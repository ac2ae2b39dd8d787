"""Audit anchors kept outside the database, and checking the chain against them.

The register publishes each anchor on its decision's page, in the feed and in a list of
its own (`/audit-anchors/`, `/audit-anchors.json`). Anyone may keep a copy. Later,
`manage.py verify_audit --anchors COPY` checks the chain against that copy: a history
rewritten before those anchors, even with the audit key, no longer matches what the
public already holds. A list read back from this service itself proves nothing (it comes
from the very database being checked), so the command refuses one.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
from xml.etree import ElementTree

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from approvals.models import AuditAnchor

# The Atom feed's entries carry their anchor in this namespace.
FEED_NAMESPACE = "urn:mopac:grant-decisions:audit-anchor"
ATOM = "http://www.w3.org/2005/Atom"
FETCH_TIMEOUT_SECONDS = 30


class AnchorsUnreadable(Exception):
    """The saved anchors could not be read; the message says why."""


class AnchorsFromHere(Exception):
    """The anchors would come from the database being checked."""


@dataclass(frozen=True)
class SavedAnchor:
    sequence: int
    hash: str
    label: str


@dataclass(frozen=True)
class SavedCopy:
    anchors: list[SavedAnchor]
    # When the copy was made, as it says: it shows the trail unchanged since then.
    saved_at: str


def rows(*, newest_first: bool = False):
    """Every anchor as plain values. Each is public: a revision exists only once it is
    published."""
    order = ("-sequence", "-pk") if newest_first else ("sequence", "pk")
    return AuditAnchor.objects.order_by(*order).values(
        "sequence",
        "hash",
        "recorded_at",
        "kind",
        revision_number=F("revision__number"),
        reference=F("revision__publication__reference"),
        slug=F("revision__publication__slug"),
    )


def _as_data(row: dict) -> dict:
    site = settings.SITE_URL
    return {
        "sequence": row["sequence"],
        "hash": row["hash"],
        "recorded_at": row["recorded_at"].isoformat(timespec="seconds"),
        "kind": row["kind"],
        "reference": row["reference"],
        "revision": row["revision_number"],
        "url": site + reverse("decision", args=[row["slug"]]) if row["slug"] else None,
    }


def json_document():
    """`/audit-anchors.json`, written a piece at a time: the list grows with every
    publication."""
    head = {
        "title": f"Audit anchors – {settings.SERVICE_NAME}",
        "description": (
            "The audit trail's head (event sequence number and hash) recorded at each "
            "publication. Keep a copy: `manage.py verify_audit --anchors YOUR-COPY` shows "
            "whether the trail up to these events has been rewritten since."
        ),
        "source": settings.SITE_URL + reverse("audit-anchors-json"),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "anchors": ['
    for index, row in enumerate(rows().iterator(chunk_size=2000)):
        yield ("," if index else "") + "\n  " + json.dumps(_as_data(row), ensure_ascii=False)
    yield "\n]}\n"


def current_anchors(publication_ids) -> dict[int, AuditAnchor]:
    """Each publication's newest revision's anchor, for the feed."""
    anchors = {}
    for anchor in (
        AuditAnchor.objects.filter(revision__publication_id__in=list(publication_ids))
        .order_by("revision__publication_id", "revision__number")
        .select_related("revision")
    ):
        anchors[anchor.revision.publication_id] = anchor
    return anchors


# ---- Reading a saved copy ----------------------------------------------------------------


def _is_this_service(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    ours = {(urlsplit(settings.SITE_URL).hostname or "").lower()}
    for allowed in settings.ALLOWED_HOSTS:
        allowed = allowed.lower()
        if allowed == "*":
            continue
        if allowed.startswith(".") and (host == allowed[1:] or host.endswith(allowed)):
            return True
        ours.add(allowed)
    return host in ours


def read(source: str) -> SavedCopy:
    """The anchors in a saved copy of the anchors list (JSON) or of the feed (Atom), from
    a file or from a URL somewhere other than this service."""
    if source.startswith(("http://", "https://")):
        if _is_this_service(source):
            raise AnchorsFromHere(
                f"{source} is this service's own list, read from the database being "
                "checked: it would agree with any rewrite. Anchors must come from outside "
                "the database: a copy of /audit-anchors.json or of the feed saved earlier, "
                "by you or by anyone who keeps one."
            )
        try:
            with urlopen(
                Request(source, headers={"Accept": "application/json, application/atom+xml"}),
                timeout=FETCH_TIMEOUT_SECONDS,
            ) as response:
                content = response.read()
        except OSError as error:
            raise AnchorsUnreadable(f"could not fetch {source}: {error}") from None
    else:
        try:
            content = Path(source).read_bytes()
        except OSError as error:
            raise AnchorsUnreadable(f"could not read {source}: {error.strerror}") from None
    return parse(content, source)


def parse(content: bytes, source: str = "the anchors") -> SavedCopy:
    text = content.lstrip()
    copy = _from_feed(text, source) if text.startswith(b"<") else _from_json(text, source)
    if not copy.anchors:
        raise AnchorsUnreadable(f"{source} holds no audit anchors")
    return copy


def _from_json(content: bytes, source: str) -> SavedCopy:
    try:
        data = json.loads(content)
        anchors = [
            SavedAnchor(
                sequence=_sequence(item["sequence"]),
                hash=_hash(item["hash"]),
                label=(
                    f"{item['reference']} (revision {item['revision']})"
                    if item.get("reference")
                    else "the keying of the chain"
                ),
            )
            for item in data["anchors"]
        ]
        return SavedCopy(anchors, str(data.get("generated_at") or "at an unknown time"))
    except (ValueError, KeyError, TypeError) as error:
        raise AnchorsUnreadable(
            f"{source} is not an anchors list ({error.__class__.__name__}: {error})"
        ) from None


def _from_feed(content: bytes, source: str) -> SavedCopy:
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise AnchorsUnreadable(f"{source} is not an Atom feed: {error}") from None
    anchors = []
    for entry in root.iter(f"{{{ATOM}}}entry"):
        element = entry.find(f"{{{FEED_NAMESPACE}}}anchor")
        if element is None:
            continue
        title = entry.findtext(f"{{{ATOM}}}title", default="").split(":", 1)[0]
        try:
            anchors.append(
                SavedAnchor(
                    sequence=_sequence(element.get("sequence")),
                    hash=_hash(element.get("hash")),
                    label=title or "a feed entry",
                )
            )
        except (ValueError, TypeError) as error:
            raise AnchorsUnreadable(f"{source} has an unreadable anchor: {error}") from None
    return SavedCopy(anchors, root.findtext(f"{{{ATOM}}}updated") or "at an unknown time")


def _sequence(value) -> int:
    sequence = int(value)
    if sequence < 1:
        raise ValueError(f"sequence {value} is not an event")
    return sequence


def _hash(value) -> str:
    if not isinstance(value, str) or len(value) != 64:
        raise ValueError(f"{value!r} is not a 64-character hash")
    int(value, 16)
    return value.lower()
