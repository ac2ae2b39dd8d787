"""Sessions: ending a user's sessions on every device (for an administrator), ending each
session a fixed time after it signed in, and keeping staff pages out of every cache."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger(__name__)


def sign_out_everywhere(user_ids: set[int]) -> int:
    """Delete every live session of these users; return how many were ended."""
    wanted = {str(pk) for pk in user_ids}
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") in wanted
    ]
    Session.objects.filter(pk__in=ended).delete()
    logger.info("Signed out %s session(s) of users %s", len(ended), sorted(user_ids))
    return len(ended)


# Absolute lifetime -------------------------------------------------------------------------

# When this session signed in, in seconds since the epoch.
SIGNED_IN_AT = "signed_in_at"


def note_sign_in(sender, request, user, **kwargs):
    """Connected to user_logged_in (approvals.apps): the lifetime counts from here."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


def _lifetime_in_words(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if hours and not rest:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class AbsoluteSessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_LIFETIME seconds after it signed in, however busy
    it has been (SESSION_COOKIE_AGE ends an idle one sooner): the person is signed out and
    sent to sign in, with a message saying why. A session from before this was counted
    (it has no sign-in time) is counted from its first request since."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if not isinstance(signed_in_at, int):
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in_at >= settings.SESSION_ABSOLUTE_LIFETIME:
                return self._ended(request)
        return self.get_response(request)

    def _ended(self, request):
        user = request.user
        logout(request)
        logger.info("Session of user %s (id %s) ended: its lifetime is over", user, user.pk)
        lifetime = _lifetime_in_words(settings.SESSION_ABSOLUTE_LIFETIME)
        messages.info(
            request,
            f"You have been signed out because you signed in more than {lifetime} ago. "
            "Sign in again to carry on.",
        )
        response = redirect_to_login(request.get_full_path())
        response["Cache-Control"] = PRIVATE
        return response


# Caching ---------------------------------------------------------------------------------

PRIVATE = "private, no-store"
# Pages that are only ever for staff: a response here is private even when nobody is
# signed in (the sign-in page, a redirect to it, a refusal).
STAFF_PATHS = ("/staff/", "/accounts/", "/admin/")


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every staff response and every response to a
    signed-in person: Part 2, a case's history and what staff typed are not kept by a
    browser's cache, a proxy or a CDN. Public pages for anonymous visitors keep the
    public caching they set (approvals.publication.cache). Static files are answered by
    WhiteNoise before this, with their long lifetimes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(STAFF_PATHS) or request.user.is_authenticated:
            response["Cache-Control"] = PRIVATE
        return response
