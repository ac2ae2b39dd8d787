"""Compressing what the public reads: HTML pages, open data (JSON and CSV) and the feed,
with brotli where the browser asks for it and gzip otherwise.

Only responses to anonymous visitors outside the staff paths are compressed, and never
one that carries a CSRF token: compressing a secret alongside text an attacker can put
in the page lets them guess the secret from the sizes (BREACH). Public pages have no
such secret; staff pages and a signed-in person's pages are sent as they are.

The page cache (approvals.publication.cache) keeps pages uncompressed and this is
applied after it, so a compressed body reaches only a client that asked for it, and
`Vary: Accept-Encoding` tells every other cache the same. Files (the PDFs) are already
compressed and keep their strong ETag and Digest untouched.
"""

import hashlib
import zlib
from collections.abc import Iterable, Iterator

import brotli
from django.core.cache import caches
from django.utils.cache import patch_vary_headers
from django.utils.regex_helper import _lazy_re_compile

from approvals.accounts.sessions import STAFF_PATHS

COMPRESSED_TYPES = frozenset(
    {
        "text/html",
        "text/csv",
        "application/json",
        "application/atom+xml",
        "application/xml",
        "text/xml",
    }
)
# Below this a body gains nothing from compression (GZipMiddleware's threshold too).
MIN_BYTES = 200
# Quality 5 is brotli's usual choice for responses drawn on request: within a few per
# cent of its best size at a small fraction of its time (11, the default, is for files
# compressed once).
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
# A page served again (from the page cache, or drawn alike) is compressed once: its
# compressed bytes are kept under a hash of its bytes, so they can only be the same
# page's. Hashing costs a tenth of compressing.
KEEP_FROM_BYTES = 4096
KEEP_SECONDS = 24 * 60 * 60

_BR = _lazy_re_compile(r"(?:^|,)\s*br\s*(?:$|,|;(?!\s*q\s*=\s*0(?:\.0*)?\s*(?:$|,)))")
_GZIP = _lazy_re_compile(r"(?:^|,)\s*gzip\s*(?:$|,|;(?!\s*q\s*=\s*0(?:\.0*)?\s*(?:$|,)))")


def chosen_encoding(accept_encoding: str) -> str | None:
    """brotli if the client accepts it, else gzip if it does, else None. An encoding
    given with q=0 is refused."""
    accept = accept_encoding.lower()
    if _BR.search(accept):
        return "br"
    if _GZIP.search(accept):
        return "gzip"
    return None


def _compressor(encoding: str):
    if encoding == "br":
        return brotli.Compressor(quality=BROTLI_QUALITY)
    return zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)


def compressed_once(content: bytes, encoding: str) -> bytes:
    """The content compressed, from the page cache if these bytes were compressed before."""
    if len(content) < KEEP_FROM_BYTES:
        return compress(content, encoding)
    key = f"compressed:v1:{encoding}:{hashlib.blake2b(content, digest_size=32).hexdigest()}"
    kept = caches["pages"].get(key)
    if kept is None:
        kept = compress(content, encoding)
        caches["pages"].set(key, kept, KEEP_SECONDS)
    return kept


def compress(content: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(content, quality=BROTLI_QUALITY)
    compressor = _compressor(encoding)
    return compressor.compress(content) + compressor.flush()


def compress_stream(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """Each chunk compressed as it comes and flushed, so a long export reaches the
    client as it is read from the database, in flat memory."""
    compressor = _compressor(encoding)
    if encoding == "br":
        for chunk in chunks:
            if out := compressor.process(chunk) + compressor.flush():
                yield out
        yield compressor.finish()
    else:
        for chunk in chunks:
            if out := compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH):
                yield out
        yield compressor.flush()


def is_public(request) -> bool:
    """An anonymous visitor's request for a public page, whose response holds no CSRF
    token (a page that drew one asked for it, which marks the request)."""
    user = getattr(request, "user", None)
    return (
        user is not None
        and not user.is_authenticated
        and not request.path.startswith(STAFF_PATHS)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _weakened(etag: str) -> str:
    # The compressed bytes are not the bytes the strong ETag names; the weak form still
    # matches If-None-Match (a weak comparison), so conditional requests keep working.
    return etag if etag.startswith("W/") else f"W/{etag}"


class CompressPublicMiddleware:
    """Compress public HTML, JSON, CSV and feed responses (see the module's notes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not is_public(request) or response.has_header("Content-Encoding"):
            return response
        if content_type not in COMPRESSED_TYPES or response.status_code in (204, 206, 304):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        encoding = chosen_encoding(request.headers.get("Accept-Encoding", ""))
        if encoding is None:
            return response
        if response.streaming:
            response.streaming_content = compress_stream(response.streaming_content, encoding)
            del response.headers["Content-Length"]
        else:
            if len(response.content) < MIN_BYTES:
                return response
            compressed = compressed_once(response.content, encoding)
            if len(compressed) >= len(response.content):
                return response
            response.content = compressed
            response["Content-Length"] = str(len(compressed))
        if response.has_header("ETag"):
            response["ETag"] = _weakened(response["ETag"])
        response["Content-Encoding"] = encoding
        return response
