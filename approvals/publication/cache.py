"""How the public register is cached: HTTP validators, Cache-Control, and one cache of
rendered pages.

Each public view says what its response depends on with a version function, read once a
request with one indexed query: an ETag, a Last-Modified time and whatever the view
needs of it. A request whose validators match gets 304 Not Modified. An anonymous GET of
an HTML page is served from Django's cache (Redis shared by every app server when
REDIS_URL is set, local memory otherwise; its "pages" cache) under a key made of its
version. Publishing,
correcting or a later event gives a new version, so a page is never served stale on any
server: the next request draws it afresh, and old entries simply expire.
"""

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

# Browsers and shared caches may keep public responses this long before asking again
# with their validators.
PUBLIC_MAX_AGE = 300
PAGE_CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Version:
    """What a response depends on: its ETag, when it last changed, and what the view
    needs to draw it (`data`)."""

    etag: str
    last_modified: Any = None  # an aware datetime, or None
    data: Any = field(default=None, compare=False)


@functools.cache
def release() -> str:
    """Changes with a release that changes the stylesheet or script: their hashed names
    are in every page, so a page from before it is not kept with links to old assets."""
    assets = static("dist/app.css") + static("dist/app.js")
    return hashlib.sha256(assets.encode()).hexdigest()[:12]


def page_etag(request, tag: str) -> str:
    """A page's ETag: staff see their own navigation, so theirs differs from the public's."""
    viewer = "staff" if request.user.is_authenticated else "public"
    return f'W/"{tag}-{viewer}-{release()}"'


def _shared(request) -> bool:
    """A page everyone sees alike: an anonymous GET with no message waiting to be shown."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def _page_key(request, version: Version, cache_key: Callable) -> str | None:
    parts = cache_key(request)
    if parts is None:
        return None
    text = "\x1f".join(map(str, (request.resolver_match.view_name, version.etag, *parts)))
    return f"public-page:v2:{hashlib.sha256(text.encode()).hexdigest()}"


def public(
    version_of: Callable[..., Version | None],
    *,
    per_user: bool = True,
    cross_origin: bool = False,
    cache_key: Callable | None = None,
) -> Callable:
    """A public view, given its version function (None: nothing is published there, and
    the view answers 404). The view is called with the version as `version`.

    per_user: signed-in staff get `private` responses (they see their own navigation);
    otherwise everyone is sent the same, cached publicly. cross_origin: readable from any
    site (open data). cache_key: the request's parts that select a page, beyond its
    version (None from it: draw the page and keep nothing); the page is then kept in
    Django's cache for anonymous visitors."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            version = version_of(request, *args, **kwargs)
            if version is None:
                return view(request, *args, version=None, **kwargs)
            last_modified = (
                int(version.last_modified.timestamp()) if version.last_modified else None
            )
            response = get_conditional_response(
                request, etag=version.etag, last_modified=last_modified
            )
            if response is None:
                response = _drawn(request, version, view, args, kwargs, cache_key)
            if response.status_code in (200, 304):
                response.headers.setdefault("ETag", version.etag)
                if last_modified is not None:
                    response.headers.setdefault("Last-Modified", http_date(last_modified))
                if per_user and request.user.is_authenticated:
                    patch_cache_control(response, private=True, max_age=0)
                else:
                    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            if cross_origin:
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapped

    return decorator


def _drawn(request, version: Version, view, args, kwargs, cache_key) -> HttpResponse:
    key = _page_key(request, version, cache_key) if cache_key and _shared(request) else None
    if key is not None:
        kept = caches["pages"].get(key)
        if kept is not None:
            content_type, content = kept
            return HttpResponse(content, content_type=content_type)
    response = view(request, *args, version=version, **kwargs)
    if key is not None and response.status_code == 200 and not response.streaming:
        caches["pages"].set(key, (response["Content-Type"], response.content), PAGE_CACHE_SECONDS)
    return response
