"""Ending a user's sessions on every device, for an administrator."""

import logging

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
