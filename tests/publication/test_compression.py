"""Public pages, open data and the feed are compressed for anonymous visitors (brotli
when asked for, gzip otherwise); staff pages, a signed-in person's pages and any page
with a CSRF token never are; files keep their strong ETag and Digest."""

import gzip

import brotli
import pytest

from approvals.publication.compression import chosen_encoding, compress_stream
from tests.workflow import publish

pytestmark = pytest.mark.django_db

BR = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def decoded(response) -> bytes:
    content = body(response)
    encoding = response.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(content)
    if encoding == "gzip":
        return gzip.decompress(content)
    assert encoding is None
    return content


@pytest.fixture
def decision(people):
    return publish(people, title="A grant for knife crime prevention")


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=1.0, gzip;q=0.8", "br"),
        ("BR", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.0", None),
        ("gzip;q=0", None),
        ("deflate, identity", None),
        ("", None),
        ("brotli, xgzip", None),
    ],
)
def test_brotli_is_chosen_when_asked_for_and_gzip_otherwise(accept, encoding):
    assert chosen_encoding(accept) == encoding


@pytest.mark.parametrize(("accept", "encoding"), [(BR, "br"), (GZIP, "gzip")])
def test_the_decision_page_decompresses_to_the_page_sent_uncompressed(
    client, decision, accept, encoding
):
    url = f"/decisions/{decision.slug}/"
    plain = client.get(url)
    packed = client.get(url, **accept)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == encoding
    assert decoded(packed) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 3
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"]


def test_a_compressed_page_is_never_served_from_the_cache_to_a_client_that_did_not_ask(
    client, decision
):
    url = f"/decisions/{decision.slug}/"
    first = client.get(url, **BR)
    assert first["Content-Encoding"] == "br"
    # The second is drawn from the page cache: uncompressed, as asked.
    again = client.get(url)
    assert "Content-Encoding" not in again
    assert again.content == brotli.decompress(first.content)
    assert client.get(url, **GZIP)["Content-Encoding"] == "gzip"


def test_conditional_requests_still_get_304_with_the_compressed_pages_etag(client, decision):
    url = f"/decisions/{decision.slug}/"
    packed = client.get(url, **BR)
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=packed["ETag"], **BR)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert "Content-Encoding" not in not_modified


def test_a_strong_etag_is_weakened_when_the_bytes_are_compressed(client, decision):
    url = f"/decisions/{decision.slug}/document.json"
    plain = client.get(url)
    assert plain["ETag"] == f'"{decision.revisions.get().document_sha256}"'
    packed = client.get(url, **BR)
    assert packed["Content-Encoding"] == "br"
    assert packed["ETag"] == f"W/{plain['ETag']}"
    assert decoded(packed) == plain.content
    # Either validator still matches.
    for etag in (plain["ETag"], packed["ETag"]):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag, **BR).status_code == 304


def test_a_head_request_says_what_a_get_would(client, decision):
    url = f"/decisions/{decision.slug}/"
    head = client.head(url, **BR)
    assert head.status_code == 200
    assert head["Content-Encoding"] == "br"
    assert head["ETag"] == client.get(url, **BR)["ETag"]
    assert head.content == b""


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/decisions.csv", "text/csv"),
        ("/decisions.json", "application/json"),
        ("/decisions/feed/", "application/atom+xml"),
        ("/decisions/datapackage.json", "application/json"),
        ("/sitemap.xml", "application/xml"),
        ("/sitemap-1.xml", "application/xml"),
        ("/decisions/", "text/html"),
        ("/", "text/html"),
    ],
)
def test_open_data_the_feed_and_public_pages_are_compressed(client, decision, url, content_type):
    plain = body(client.get(url))
    for accept, encoding in ((BR, "br"), (GZIP, "gzip")):
        packed = client.get(url, **accept)
        assert packed["Content-Type"].startswith(content_type)
        assert packed["Content-Encoding"] == encoding
        assert decoded(packed) == plain


def test_the_streamed_export_is_compressed_as_it_streams_and_arrives_whole(
    client, people, decision
):
    for number in range(3):
        publish(people, title=f"Another grant {number}")
    plain = client.get("/decisions.csv")
    packed = client.get("/decisions.csv", **BR)
    assert packed.streaming
    assert "Content-Length" not in packed
    text = decoded(packed).decode()
    assert text == b"".join(plain.streaming_content).decode()
    assert len(text.splitlines()) == 1 + 4


def test_each_chunk_of_a_stream_is_flushed_so_it_can_be_read_before_the_end():
    chunks = [b"reference,title\n" * 400, b"PCD 1,A grant\n" * 400, b"PCD 2,Another\n" * 400]
    for encoding, decompressor in (
        ("br", brotli.Decompressor()),
        ("gzip", __import__("zlib").decompressobj(16 + 15)),
    ):
        out = compress_stream(iter(chunks), encoding)
        # The first chunk is readable in full from the first piece sent.
        first = next(out)
        read = decompressor.process(first) if encoding == "br" else decompressor.decompress(first)
        assert read == chunks[0]
        rest = b"".join(out)
        read += decompressor.process(rest) if encoding == "br" else decompressor.decompress(rest)
        assert read == b"".join(chunks)


def test_a_signed_in_persons_pages_are_never_compressed(client, people, decision):
    client.force_login(people.publisher)
    for url in (f"/decisions/{decision.slug}/", "/decisions/", "/decisions.csv", "/staff/"):
        response = client.get(url, **BR)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response, url


def test_a_page_with_a_csrf_token_is_never_compressed(client):
    response = client.get("/accounts/login/", **BR)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert "Content-Encoding" not in response


def test_the_decision_pdf_keeps_its_strong_etag_and_digest(client, decision):
    url = f"/decisions/{decision.slug}/decision.pdf"
    plain = client.get(url)
    packed = client.get(url, **BR)
    assert packed.status_code == 200
    assert "Content-Encoding" not in packed
    assert packed["ETag"] == plain["ETag"]
    assert not packed["ETag"].startswith("W/")
    assert packed["Digest"] == plain["Digest"]
    assert body(packed) == body(plain)


def test_the_decision_page_is_under_15_kb_on_the_wire(client, decision):
    url = f"/decisions/{decision.slug}/"
    for accept in (BR, GZIP):
        assert len(client.get(url, **accept).content) < 15 * 1024


def test_a_page_is_compressed_once_and_its_kept_bytes_are_only_its_own(monkeypatch):
    from approvals.publication import compression

    calls = []
    real = compression.compress
    monkeypatch.setattr(
        compression,
        "compress",
        lambda content, encoding: calls.append(encoding) or real(content, encoding),
    )
    page = b"<p>A published decision</p>" * 400
    other = b"<p>Another published decision</p>" * 400
    first = compression.compressed_once(page, "br")
    assert compression.compressed_once(page, "br") == first
    assert calls == ["br"]
    assert brotli.decompress(compression.compressed_once(other, "br")) == other
    assert gzip.decompress(compression.compressed_once(page, "gzip")) == page
    assert calls == ["br", "br", "gzip"]
