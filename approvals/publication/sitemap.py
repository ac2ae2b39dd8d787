"""The sitemap of published decisions, for search engines: an index (/sitemap.xml) of
numbered pages, each listing the published decisions whose ids fall in its block.

A page holds at most BLOCK decisions (the protocol allows 50,000 a file), found by a
range of the primary key, so every page costs one indexed query however long the
register grows; a block with nothing published is not listed, and its page is not
found. Imported records of the earlier register are published decisions too. Addresses
are built on SITE_URL.
"""

import datetime
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import F, Max
from django.db.models.functions import Greatest
from django.urls import reverse

from approvals.publication import register as reg
from approvals.publication.opendata import utc_iso

BLOCK = 10_000
# Beyond any id the database can hold: a larger page number is simply not found.
LAST_PAGE = 2**63 // BLOCK
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _changed():
    # A correction saves the publication; the first publication sets published_at.
    return Greatest("published_at", "updated_at")


def page_number(publication_id: int) -> int:
    """The numbered page that lists a publication: its block of ids."""
    return (publication_id - 1) // BLOCK + 1


def _block(number: int):
    return reg.published().filter(id__gt=(number - 1) * BLOCK, id__lte=number * BLOCK)


def index_xml() -> str:
    """The index: each page that lists a decision, and when one on it last changed."""
    entries = "".join(
        f"<sitemap><loc>{escape(page_url(number))}</loc><lastmod>{utc_iso(changed)}</lastmod>"
        "</sitemap>\n"
        for number, changed in reg.for_version("sitemap-index", _read_index)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{NAMESPACE}">\n{entries}</sitemapindex>\n'
    )


def _read_index() -> list[tuple[int, datetime.datetime]]:
    """Each block that holds a published decision, in one grouped query (kept for the
    register's version, so it is read once a publication)."""
    return list(
        reg.published()
        .annotate(block=(F("id") - 1) / BLOCK + 1)
        .values("block")
        .annotate(changed=Max(_changed()))
        .order_by("block")
        .values_list("block", "changed")
    )


def page_url(number: int) -> str:
    return settings.SITE_URL + reverse("sitemap-page", kwargs={"number": number})


def page_xml(number: int) -> str | None:
    """A numbered page: each published decision in its block, with when it last
    changed; None if the block has none (the index does not list it)."""
    if not 1 <= number <= LAST_PAGE:
        return None
    url_for = reg.decision_url_maker(settings.SITE_URL)
    rows = _block(number).order_by("id").values_list("slug", _changed())
    entries = [
        f"<url><loc>{escape(url_for(slug))}</loc><lastmod>{utc_iso(changed)}</lastmod></url>\n"
        for slug, changed in rows
    ]
    if not entries:
        return None
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{NAMESPACE}">\n{"".join(entries)}</urlset>\n'
    )


def robots_txt() -> str:
    """Crawlers may read the register; staff pages are refused to them, as they are to
    anyone not signed in."""
    return (
        "User-agent: *\n"
        "Allow: /\n"
        "Disallow: /staff/\n"
        "Disallow: /accounts/\n"
        "Disallow: /admin/\n"
        f"\nSitemap: {settings.SITE_URL}{reverse('sitemap')}\n"
    )
