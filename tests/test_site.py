import json
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = ["/", "/accessibility/", "/privacy/"]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_follow_the_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="govuk-skip-link"' in html and 'href="#main-content"' in html
    assert '<main class="govuk-main-wrapper" id="main-content" role="main">' in html
    assert "govuk-phase-banner" in html
    assert 'href="/accessibility/"' in html and 'href="/privacy/"' in html
    assert "Grant decisions" in html
    assert "govuk-header__logotype-crown" not in html
    assert '<html lang="en-GB"' in html


def test_the_home_page_explains_the_register(client):
    html = client.get("/").content.decode()
    assert "Specified Information" in html
    assert "Part 2" in html


def test_healthz_answers_after_a_database_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "unreachable"


def all_url_paths():
    """Every URL pattern of the project as a path, with placeholder arguments."""
    samples = {
        "int": "1",
        "slug": "a-slug",
        "str": "a",
        "uuid": "00000000-0000-0000-0000-000000000000",
    }

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                for name, converter in entry.pattern.converters.items():
                    kind = type(converter).__name__.replace("Converter", "").lower()
                    route = route.replace(f"<{kind}:{name}>", samples.get(kind, "1"))
                    route = route.replace(f"<{name}>", samples["str"])
                yield "/" + route

    return sorted(set(walk(get_resolver().url_patterns, "")))


ANONYMOUS_ALLOWED = {"/", "/accessibility/", "/privacy/", "/healthz", "/accounts/login/"}
# The forgotten-password pages are for people who cannot sign in.
ANONYMOUS_ALLOWED_PREFIXES = ("/decisions", "/audit-anchors", "/accounts/password-reset/")


def test_every_staff_page_sends_an_anonymous_visitor_to_sign_in(client):
    staff_paths = [
        path
        for path in all_url_paths()
        if path not in ANONYMOUS_ALLOWED
        and not path.startswith(ANONYMOUS_ALLOWED_PREFIXES)
        and path != "/accounts/logout/"
    ]
    assert "/staff/" in staff_paths
    for path in staff_paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


def test_the_admin_asks_for_its_own_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
