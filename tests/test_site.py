import json
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
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


ANONYMOUS_ALLOWED = {
    "/",
    "/accessibility/",
    "/privacy/",
    "/open-data/",
    "/healthz",
    "/accounts/login/",
    "/robots.txt",
    "/favicon.ico",
}
# The forgotten-password pages are for people who cannot sign in.
ANONYMOUS_ALLOWED_PREFIXES = (
    "/decisions",
    "/audit-anchors",
    "/forward-plan",
    "/sitemap",
    "/grants-accepted",
    "/accounts/password-reset/",
)


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


def test_the_accessibility_statement_says_how_to_reach_mopac(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@example.org"
    settings.ACCESSIBILITY_CONTACT_PHONE = "020 7983 4000"
    settings.ACCESSIBILITY_RESPONSE_DAYS = 5
    html = client.get("/accessibility/").content.decode()
    # Both for a format on request and for a problem to report.
    assert html.count('<a class="govuk-link" href="mailto:access@example.org">') == 2
    assert html.count('href="tel:02079834000">020 7983 4000</a>') == 2
    assert html.count("within 5 working days") == 2
    assert "Equality and Human Rights Commission (EHRC)" in html
    assert 'href="https://www.equalityadvisoryservice.com/"' in html
    assert "Equality Commission for Northern Ireland (ECNI)" in html


def test_the_accessibility_statement_leaves_out_a_phone_number_it_does_not_have(client, settings):
    settings.ACCESSIBILITY_CONTACT_PHONE = ""
    settings.ACCESSIBILITY_RESPONSE_DAYS = 1
    html = client.get("/accessibility/").content.decode()
    assert "tel:" not in html and "call " not in html
    assert f"mailto:{settings.ACCESSIBILITY_CONTACT_EMAIL}" in html
    assert "within 1 working day." in html


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_phase_banner_links_to_feedback_by_email(client, settings, path):
    settings.FEEDBACK_EMAIL = "feedback@example.org"
    html = client.get(path).content.decode()
    banner = html[html.index("govuk-phase-banner") : html.index("</main>")]
    assert (
        '<a class="govuk-link" href="mailto:feedback@example.org?subject=Grant%20decisions'
        '%20feedback">give your feedback by email</a>'
    ) in banner


def test_a_form_sent_with_an_expired_token_gets_a_page_in_the_layout(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/",
        {"username": "someone", "password": "typed"},
        headers={"referer": "http://testserver/accounts/login/?next=/staff/"},
    )
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["csrf_failure.html", "base.html"]
    html = response.content.decode()
    assert "<title>The form had expired" in html
    assert '<main class="govuk-main-wrapper" id="main-content" role="main">' in html
    assert "Use your browser’s back button to return to the form" in html
    assert '<a class="govuk-link" href="http://testserver/accounts/login/?next=/staff/">' in html
    # The Content Security Policy allows no inline style, which Django's own page has.
    assert "style=" not in html and "<style" not in html


def test_the_expired_form_page_offers_no_link_to_another_site(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {}, headers={"referer": "https://evil.example/"})
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
