"""In a browser, served as production serves it: every request a public page makes
succeeds (no 404 for a favicon), every static file is a fingerprinted name kept as
immutable, and the public page itself arrives compressed."""

import re
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.test import override_settings

from approvals.publication.cache import release
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

IMMUTABLE = "max-age=315360000, public, immutable"
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def production_server(tmp_path):
    """The project's WSGI application with its static files collected as production
    collects them and served by WhiteNoise alone (the live server's own static handler
    would answer first, by plain names)."""
    with override_settings(
        ALLOWED_HOSTS=["127.0.0.1"],
        STATIC_ROOT=tmp_path / "static",
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        release.cache_clear()
        server = make_server(
            "127.0.0.1", 0, WSGIHandler(), server_class=ThreadingServer, handler_class=QuietHandler
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            release.cache_clear()


def test_a_public_page_loads_only_fingerprinted_immutable_files_and_nothing_is_missing(
    chromium, production_server
):
    context = chromium.new_context(base_url=production_server, bypass_csp=True)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto("/accessibility/", wait_until="networkidle")
        assert page.evaluate("document.body.classList.contains('js-enabled')")
        assert_accessible(page)
        by_url = {response.url.removeprefix(production_server): response for response in responses}
        assert not [url for url, response in by_url.items() if response.status >= 400]
        statics = {url: r for url, r in by_url.items() if url.startswith("/static/")}
        names = {re.sub(r"\.[0-9a-f]{12}\.", ".", url) for url in statics}
        assert {
            "/static/dist/app.css",
            "/static/dist/app.js",
            "/static/dist/govuk-frontend.min.js",
            "/static/dist/row-tables.js",
        } <= names
        assert any("favicon" in name for name in names)
        for url, response in statics.items():
            assert HASHED.search(url), url
            assert response.headers["cache-control"] == IMMUTABLE, url
        # The page itself: public, so compressed.
        document = by_url["/accessibility/"]
        assert document.headers["content-encoding"] in ("br", "gzip")
        assert "accept-encoding" in document.headers["vary"].lower()
    finally:
        context.close()
