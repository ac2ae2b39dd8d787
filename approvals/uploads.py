"""Uploaded PDFs from outside the service: signed grant agreements and offer letters.

An upload is checked before anything is stored: its size first, without reading it, then
its content (a PDF that can be opened, with pages, without a password and without active
content such as JavaScript or embedded files), never its name or the type the browser
claimed. It is stored under a random name; the name it came with is kept for display
only, always ending in .pdf. If anything fails once the file is in storage, the file is
deleted again, so a refused or failed upload leaves nothing behind.
"""

import hashlib
import logging
import re

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

logger = logging.getLogger(__name__)

PDF_SIGNATURE = b"%PDF-"
# The length of every model's original_name.
NAME_LIMIT = 255
# Control characters (NUL above all) have no place in a file name: browsers never send
# them, so a name holding one was made by hand.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

EMPTY = "The selected file is empty"
NOT_A_PDF = "The selected file must be a PDF"
DAMAGED = (
    "The selected file could not be opened as a PDF. It may be damaged: save it as a PDF "
    "again and upload that copy"
)
PASSWORD_PROTECTED = (
    "The selected PDF is password protected. Upload a copy without a password or other protection"
)
NO_PAGES = "The selected PDF has no pages"
BAD_NAME = (
    "The selected file’s name contains characters that are not allowed. Rename the file "
    "and select it again"
)
ACTIVE_CONTENT = (
    "The selected PDF contains {found}. Save it again without them (for example, print it "
    "to a new PDF) and upload that copy"
)


# Names in a PDF that make a viewer do something besides showing pages, by what a person
# would call them. A grant agreement or an offer letter needs none of them.
ACTIVE_NAMES = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "OpenAction": "actions that run when it is opened",
    "AA": "actions that run when it is opened or used",
    "Launch": "an action that starts another program",
    "EmbeddedFile": "embedded files",
    "EmbeddedFiles": "embedded files",
    "XFA": "an XFA form",
    "RichMedia": "rich media, such as video",
}
# A PDF name: a slash, then anything but white space and delimiters; #xx is a byte in
# hexadecimal, which PDF allows in place of any character (/J#61vaScript is /JavaScript).
_RAW_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r ()<>\[\]{}/%#]|#[0-9A-Fa-f]{2})+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Bytes of one chunk kept for the next, so a name split between two chunks is still
# seen; longer than any of ACTIVE_NAMES even written entirely in #xx escapes.
_SCAN_OVERLAP = 128
_ACTIVE_BYTES = {name.encode() for name in ACTIVE_NAMES}


class UploadError(Exception):
    """An upload that is refused; the message says why, to the person uploading."""


def size_label(size: int) -> str:
    """A size as the GOV.UK Design System writes it: 20MB, 500KB, 900 bytes."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + unit
    return f"{size:,} bytes"


def max_bytes() -> int:
    """The size limit of an uploaded PDF."""
    return settings.AGREEMENT_MAX_BYTES


def too_large_message() -> str:
    return f"The selected file must be smaller than {size_label(max_bytes())}"


def pdf_name(name: str, default: str = "document") -> str:
    """The name with .pdf as its extension, in place of any other: an upload is only
    ever a PDF, and a name such as polyglot.html must not tell a browser otherwise."""
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem = name
    stem = stem.rstrip(". ") or default
    return stem[: NAME_LIMIT - len(".pdf")] + ".pdf"


def display_name(name: str | None, default: str) -> str:
    """The name to show for an upload: its last path part only (some browsers send the
    whole path), ending in .pdf, never used to store the file; `default` (without .pdf)
    for a file sent without a name."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if _CONTROL_CHARACTERS.search(name):
        raise UploadError(BAD_NAME)
    if name in ("", ".", ".."):
        return f"{default}.pdf"
    return pdf_name(name, default)


def _declared_size(uploaded_file: File) -> int | None:
    try:
        return uploaded_file.size
    except (AttributeError, OSError):  # a stream that cannot say: counted while reading
        return None


def _unescaped(name: bytes) -> bytes:
    return _HEX_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), name)


def raw_active_names(data: bytes) -> set[str]:
    """The ACTIVE_NAMES written anywhere in these bytes, #xx escapes undone."""
    found = set()
    for match in _RAW_NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _unescaped(name)
        if name in _ACTIVE_BYTES:
            found.add(name.decode("ascii"))
    return found


def object_active_names(reader: PdfReader) -> set[str]:
    """The ACTIVE_NAMES among the keys and names of every object pypdf finds: those the
    trailer leads to and those the cross-reference tables list, compressed ones included
    (which no scan of the bytes can see)."""
    stack: list = [reader.trailer]
    for generation, objects in reader.xref.items():
        stack.extend(IndirectObject(number, generation, reader) for number in objects)
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    found = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in dict.items(item):
                found.add(str(key).removeprefix("/"))
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(list.__iter__(item))
        elif isinstance(item, NameObject):
            found.add(str(item).removeprefix("/"))
    return found & ACTIVE_NAMES.keys()


def active_content_message(found: set[str]) -> str:
    kinds = list(dict.fromkeys(ACTIVE_NAMES[name] for name in ACTIVE_NAMES if name in found))
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return ACTIVE_CONTENT.format(found=listed)


def check_pdf(uploaded_file: File) -> tuple[int, str]:
    """Refuse anything but a readable PDF within the size limit and without active
    content; return its size in bytes and its SHA-256."""
    limit = max_bytes()
    declared = _declared_size(uploaded_file)
    if declared == 0:
        raise UploadError(EMPTY)
    if declared is not None and declared > limit:
        raise UploadError(too_large_message())

    # Counted again while reading, in case the declared size was wrong.
    digest, size, start = hashlib.sha256(), 0, b""
    found, tail = set(), b""
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > limit:
            raise UploadError(too_large_message())
        if len(start) < len(PDF_SIGNATURE):
            start += chunk[: len(PDF_SIGNATURE)]
        digest.update(chunk)
        found |= raw_active_names(tail + chunk)
        tail = chunk[-_SCAN_OVERLAP:]
    if size == 0:
        raise UploadError(EMPTY)
    if not start.startswith(PDF_SIGNATURE):
        raise UploadError(NOT_A_PDF)
    # The bytes are read as well as the objects, so that a file pypdf reads differently
    # from a viewer (a broken cross-reference table, objects nothing refers to) cannot
    # hide a script from the check.
    if found:
        raise UploadError(active_content_message(found))

    uploaded_file.seek(0)
    try:
        reader = PdfReader(uploaded_file)
        if reader.is_encrypted:
            raise UploadError(PASSWORD_PROTECTED)
        pages = len(reader.pages)
        found = object_active_names(reader)
        if found:
            raise UploadError(active_content_message(found))
    except UploadError:
        raise
    except Exception as error:  # pypdf raises many kinds of error on damaged files
        logger.info("Refused an upload pypdf cannot read: %r", error)
        raise UploadError(DAMAGED) from error
    finally:
        uploaded_file.seek(0)
    if pages == 0:
        raise UploadError(NO_PAGES)
    return size, digest.hexdigest()


def discard(storage, name: str) -> None:
    """Delete a stored file, logging rather than raising if that fails."""
    try:
        storage.delete(name)
    except Exception:
        # The original error matters more to the person uploading; the orphaned file is
        # logged with its name so that it can be removed by hand.
        logger.exception("Could not delete the stored file %s", name)


def store(record, uploaded_file: File, *, refused: str) -> str:
    """Save an upload under the random name the record's FileField gives it, and set the
    field to it; `refused` is the message if storage fails. Called before the transaction
    that saves the record, so that a slow upload to object storage holds no lock: the
    caller deletes the file (`discard`) if anything fails from here on. on_commit could
    not do that: it runs only when the transaction succeeds."""
    field = record.file.field
    name = field.generate_filename(record, record.original_name)
    try:
        name = field.storage.save(name, uploaded_file, max_length=field.max_length)
    except Exception as error:
        logger.exception("Could not store an upload for %r", record)
        discard(field.storage, name)  # whatever part of it was written
        raise UploadError(refused) from error
    record.file.name = name
    return name


def pdf_response(record, *, filename: str, default: str, missing: str) -> FileResponse:
    """A stored upload, streamed. Sent as a download, not shown inline, under a name
    ending in .pdf (whatever name an older upload kept): the file came from outside, and
    only its structure was checked."""
    try:
        handle = default_storage.open(record.file.name, "rb")
    except FileNotFoundError:
        logger.error("The stored file of %r is missing", record)
        raise Http404(missing) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=pdf_name(filename, default),
        content_type="application/pdf",
    )
    response["Content-Length"] = record.size
    response["X-Content-Type-Options"] = "nosniff"
    return response


class UploadLimit(FileUploadHandler):
    """Drops an uploaded file once it passes the size limit, so that an oversized upload
    is not written to a temporary file in full before it is refused."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data  # on to the next handler, which stores it

    def file_complete(self, file_size):
        return None
