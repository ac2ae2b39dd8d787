"""Every static file a page loads, its stylesheet, icons, script and the modules that
script imports, is collected under a fingerprinted name that WhiteNoise serves as
immutable, as production collects them (config.storage.StaticFilesStorage)."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from approvals.publication.cache import release

IMMUTABLE = "max-age=315360000, public, immutable"
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")
# A module's static imports: `import { x } from "./y.js";`, `import "./y.js";`, and
# re-exports.
IMPORTS = re.compile(r"""(?:\bimport|\bexport)\b[^"';]*?(?:\bfrom\s*)?["'](\.{1,2}/[^"']+)["']""")


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") != "alternate":
            self.urls.append(attrs["href"])


PRODUCTION = {
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
    },
    "WHITENOISE_USE_FINDERS": False,
    "WHITENOISE_AUTOREFRESH": False,
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Static files collected once, as production collects them, into a folder of their
    own (compressing every file takes a while)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, **PRODUCTION):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static(collected):
    """A client whose WhiteNoise serves the collected files as it does in production."""
    with override_settings(STATIC_ROOT=collected, **PRODUCTION):
        release.cache_clear()
        yield Client()
    release.cache_clear()


def loaded(client, page: str) -> dict[str, str]:
    """Every static file the page loads, followed through its scripts' imports: each
    URL with its Cache-Control."""
    parser = Assets()
    parser.feed(client.get(page).content.decode())
    waiting, found = list(parser.urls), {}
    while waiting:
        url = waiting.pop()
        if url in found:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response["Cache-Control"]
        if url.endswith(".js"):
            source = b"".join(response.streaming_content).decode()
            waiting += [urljoin(url, name) for name in IMPORTS.findall(source)]
    return found


@pytest.mark.django_db
def test_every_file_a_public_page_loads_is_fingerprinted_and_immutable(production_static):
    found = loaded(production_static, "/")
    names = {re.sub(r"\.[0-9a-f]{12}\.", ".", url) for url in found}
    # The stylesheet, the icons, the script and both modules it imports.
    assert {
        "/static/dist/app.css",
        "/static/dist/app.js",
        "/static/dist/govuk-frontend.min.js",
        "/static/dist/row-tables.js",
        "/static/dist/assets/images/favicon.ico",
        "/static/dist/assets/images/favicon.svg",
        "/static/dist/assets/images/govuk-icon-180.png",
    } <= names
    for url, cache_control in found.items():
        assert HASHED.search(url), url
        assert cache_control == IMMUTABLE, url


@pytest.mark.django_db
def test_the_favicon_redirect_leads_to_the_fingerprinted_icon(production_static):
    response = production_static.get("/favicon.ico")
    assert response.status_code == 302
    assert HASHED.search(response["Location"])
    assert production_static.get(response["Location"])["Cache-Control"] == IMMUTABLE


def test_the_import_pattern_finds_every_kind_of_static_import():
    source = """import { initAll } from "./govuk-frontend.min.js";
import "./side-effect.js";
export { readMoney } from '../shared/money.js';
const later = "not an import";"""
    assert IMPORTS.findall(source) == [
        "./govuk-frontend.min.js",
        "./side-effect.js",
        "../shared/money.js",
    ]
