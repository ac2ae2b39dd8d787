"""Browser tests: Playwright drives Debian's Chromium against a live test server.

Each page a test visits can be checked with axe-core, HTML_CodeSniffer and the Nu Html
Checker (tests/browser/helpers.py assert_accessible); and every HTML page the service
sends while a test runs is given to the Nu Html Checker when the test ends, whether or
not the test checked it. Where Chromium or Java is absent on a developer's machine
these tests skip; in CI (CI=true) a missing browser or Java is an error instead.
"""

import gzip
import os
import shutil
from pathlib import Path

import brotli
import pytest
from django.core.handlers.base import BaseHandler

from tests.browser.helpers import (
    ARTIFACTS,
    AXE,
    HTMLCS,
    ROOT,
    VNU,
    nu_checker,
    stop_nu_checker,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    if not shutil.which("java"):
        reason = "Java is not installed (apt-get install default-jre-headless)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    for engine in (AXE, HTMLCS, VNU):
        if not engine.exists():
            pytest.fail(f"{engine.relative_to(ROOT)} is missing: run `npm ci`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test thread, so Django
    # takes every ORM call there (the tests' own, database teardown) for async code.
    # They are ordinary synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def html_checker():
    yield nu_checker()
    stop_nu_checker()


def decompressed(response) -> bytes:
    """A page's bytes as drawn: public pages reach the browser compressed."""
    encoding = response.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.content)
    if encoding == "gzip":
        return gzip.decompress(response.content)
    return response.content


@pytest.fixture
def served_pages(monkeypatch):
    """The HTML pages the service sends during a test: (path, status, HTML)."""
    pages = []
    get_response = BaseHandler.get_response

    def keeping_pages(handler, request):
        response = get_response(handler, request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and response.content
        ):
            html = decompressed(response).decode(response.charset)
            pages.append((request.get_full_path(), response.status_code, html))
        return response

    # The live server answers in threads of this process, through this method.
    monkeypatch.setattr(BaseHandler, "get_response", keeping_pages)
    return pages


@pytest.fixture(autouse=True)
def sent_pages_are_valid(chromium, html_checker, served_pages):
    """After each test, whichever browser fixture it used: every HTML page sent to it
    passes the Nu Html Checker."""
    yield
    invalid = {}
    checked = set()
    for path, status, html in served_pages:
        if html not in checked:
            checked.add(html)
            if errors := html_checker.errors(html):
                invalid[f"{status} {path}"] = errors
    if invalid:
        pytest.fail(f"The Nu Html Checker found errors in pages sent: {invalid}")


@pytest.fixture
def page(chromium, live_server, request):
    # bypass_csp lets axe-core be injected under the site's Content Security Policy.
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
