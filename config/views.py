from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe


@require_GET
@never_cache
def healthz(request):
    """Answer 200 only after a real round trip to the database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever a page links: sent to the
    fingerprinted icon, which is kept for good. A release may change its name, so the
    redirect itself is kept for a day."""
    response = HttpResponseRedirect(static("dist/assets/images/favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


def csrf_failure(request, reason=""):
    """A form refused for want of a valid CSRF token, usually because the page was left
    open until the token changed (signing in or out meanwhile, in this tab or another).
    The page the form was on, where that is this site, is offered to go back to."""
    referer = request.headers.get("referer", "")
    back = (
        referer
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return render(request, "csrf_failure.html", {"back": back}, status=403)
