"""What every page sends besides its content: a Permissions-Policy header, the favicon, and
on each public page a meta description of its own."""

import re
from html import unescape

import pytest
from django.urls import URLPattern, reverse

from approvals.models import Publication
from approvals.publication import historic
from approvals.publication.urls import public_urlpatterns
from config.permissions_policy import header_value
from tests.publication.historic_files import csv_bytes, historic_row
from tests.workflow import publish

pytestmark = pytest.mark.django_db

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def description(response) -> str | None:
    found = DESCRIPTION.findall(response.content.decode())
    assert len(found) <= 1
    return unescape(found[0]) if found else None


def test_the_policy_is_written_as_the_header_expects():
    assert header_value({"camera": [], "fullscreen": ["self"]}) == "camera=(), fullscreen=(self)"


@pytest.mark.parametrize(
    "url",
    ["/", "/decisions/", "/decisions.csv", "/accounts/login/", "/staff/", "/nowhere/", "/healthz"],
)
def test_every_response_carries_the_permissions_policy(client, url):
    policy = client.get(url)["Permissions-Policy"]
    features = dict(item.split("=") for item in policy.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert features[feature] == "()", feature


def test_static_files_carry_the_permissions_policy_too(client):
    response = client.get("/static/dist/app.css")
    assert response.status_code == 200
    assert "camera=()" in response["Permissions-Policy"]


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/dist/assets/images/favicon.ico"
    assert response["Cache-Control"] == "public, max-age=86400"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_links_the_icons(client):
    page = client.get("/").content.decode()
    assert '<link rel="icon" sizes="48x48" href="/static/dist/assets/images/favicon.ico">' in page
    assert 'href="/static/dist/assets/images/favicon.svg" type="image/svg+xml"' in page
    assert '<link rel="apple-touch-icon" href="/static/dist/assets/images/govuk-icon-180.png">' in (
        page
    )


def public_pages() -> list[str]:
    """Every public URL that takes no argument and answers with an HTML page: new pages
    are found here without being named."""
    return [
        reverse(pattern.name)
        for pattern in public_urlpatterns
        if isinstance(pattern, URLPattern) and not pattern.pattern.converters
    ]


def test_each_public_page_has_a_description_of_its_own(client, people):
    decision = publish(
        people,
        title="Violence reduction in schools",
        executive_summary="Funding for **youth workers** in 12 schools & colleges.",
    )
    historic.import_decisions(
        csv_bytes([historic_row(7001, summary="An imported grant for *knife crime* work.")])
    )
    imported = Publication.objects.get(imported=True)
    pages = {}
    for url in public_pages():
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages[url] = description(response)
    for url in (f"/decisions/{decision.slug}/", f"/decisions/{imported.slug}/"):
        pages[url] = description(client.get(url))
    pages["/decisions/?outcome=approved"] = description(client.get("/decisions/?outcome=approved"))

    assert {"/", "/decisions/", "/accessibility/", "/privacy/", "/audit-anchors/"} <= set(pages)
    for url, text in pages.items():
        assert text and len(text) > 40, url
        assert len(text) <= 300, url
    assert len(set(pages.values())) == len(pages), pages

    page = pages[f"/decisions/{decision.slug}/"]
    assert page.startswith(f"{decision.reference}, decided ")
    # The summary as words, without its Markdown.
    assert page.endswith("Funding for youth workers in 12 schools & colleges.")
    assert pages[f"/decisions/{imported.slug}/"].endswith("An imported grant for knife crime work.")
    assert "filtered by decision “Approved”" in pages["/decisions/?outcome=approved"]


def test_staff_pages_have_no_description(client, people):
    assert description(client.get("/accounts/login/")) is None
    client.force_login(people.manager)
    assert description(client.get("/staff/")) is None
