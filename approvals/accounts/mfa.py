"""Multi-factor sign-in for staff: a time-based one-time password (TOTP) from an
authenticator app, with single-use recovery codes.

When settings.MFA_REQUIRED is on, a signed-in member of staff who has not yet proved a
second factor in this session can reach only the pages that set one up or check it.

Setting up, verifying and replacing recovery codes are logged here, not written to the
audit chain: that chain records what happens to cases.
"""

import logging
import math
import secrets
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.accounts.forms import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_LENGTH,
)

logger = logging.getLogger(__name__)

# Paths a half-signed-in user may still reach.
ALWAYS_ALLOWED = ("/accounts/", "/static/", "/healthz")

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
WRONG_APP_CODE = "The code is not correct, or it has expired. Enter the code your app shows now"
WRONG_RECOVERY_CODE = "The recovery code is not correct, or it has already been used"


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and _needs_second_factor(request.path)
        ):
            target = "mfa-verify" if has_second_factor(user) else "mfa-setup"
            return redirect(with_next(reverse(target), request.get_full_path()))
        return self.get_response(request)


def _needs_second_factor(path: str) -> bool:
    # Deny by default: a page added later is covered without anyone remembering to.
    return not path.startswith(ALWAYS_ALLOWED)


def has_second_factor(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


# Actions ---------------------------------------------------------------------------------


class CodeRefused(Exception):
    """A code was wrong, or came too soon after wrong ones; the message says which."""


def pending_authenticator(user) -> TOTPDevice:
    """The user's authenticator that is waiting to be confirmed, made if there is none.

    Reusing it means reloading the set-up page does not change the key someone may
    already have scanned.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def confirm_authenticator(device: TOTPDevice, code: str) -> list[str]:
    """Confirm a new authenticator with a code from it; return fresh recovery codes."""
    with transaction.atomic():
        checked = _check_code(TOTPDevice.objects.filter(pk=device.pk, confirmed=False), code)
        if isinstance(checked, TOTPDevice):
            checked.confirmed = True
            checked.save(update_fields=["confirmed"])
            # Keys left from abandoned attempts were shown on screen; none may become live.
            TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
            codes = _replace_recovery_codes(device.user)
    # Raised after the transaction, so that the count of wrong codes is kept.
    if not isinstance(checked, TOTPDevice):
        raise CodeRefused(checked)
    logger.info("MFA: user %s (id %s) set up an authenticator app", device.user, device.user.pk)
    return codes


def check_authenticator_code(user, code: str) -> TOTPDevice:
    checked = _check_code(TOTPDevice.objects.devices_for_user(user, confirmed=True), code)
    if not isinstance(checked, TOTPDevice):
        logger.warning("MFA: user %s (id %s) gave a wrong authenticator code", user, user.pk)
        raise CodeRefused(checked)
    logger.info("MFA: user %s (id %s) verified with an authenticator app", user, user.pk)
    return checked


def check_recovery_code(user, code: str) -> StaticDevice:
    """Accept a recovery code once: django_otp deletes the token it matches."""
    checked = _check_code(
        StaticDevice.objects.devices_for_user(user, confirmed=True),
        code,
        wrong=WRONG_RECOVERY_CODE,
    )
    if not isinstance(checked, StaticDevice):
        logger.warning("MFA: user %s (id %s) gave a wrong recovery code", user, user.pk)
        raise CodeRefused(checked)
    logger.info(
        "MFA: user %s (id %s) verified with a recovery code; %s left",
        user,
        user.pk,
        recovery_codes_left(user),
    )
    return checked


def replace_recovery_codes(user) -> list[str]:
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
    logger.info("MFA: user %s (id %s) made a new set of recovery codes", user, user.pk)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _check_code(devices, code: str, wrong: str = WRONG_APP_CODE) -> Device | str:
    """The device among these that accepts the code, or else the message to show.

    A message rather than an exception, so that callers inside a transaction can let it
    commit: the count of wrong codes must be kept. Devices are locked while checked, so
    two requests cannot both spend one code. Each device counts its own wrong codes and
    makes people wait longer after each one (django_otp's throttling: 1, 2, 4, 8…
    seconds).
    """
    waits: list[datetime] = []
    with transaction.atomic():
        candidates = list(devices.select_for_update().order_by("pk"))
        for device in candidates:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                waits.append((details or {}).get("locked_until") or timezone.now())
                continue
            if device.verify_token(code):
                return device
    if candidates and len(waits) == len(candidates):
        return _wait_message(min(waits))
    return wrong


def _wait_message(until: datetime) -> str:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    if seconds < 120:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    elif seconds < 2 * 60 * 60:
        wait = f"{math.ceil(seconds / 60)} minutes"
    else:
        wait = f"{math.ceil(seconds / 3600)} hours"
    message = f"You have entered a wrong code too many times. Wait {wait}, then try again"
    if seconds > 15 * 60:
        message += ", or ask an administrator to reset your sign-in"
    return message


def _replace_recovery_codes(user) -> list[str]:
    # The device is kept, not replaced: a session verified with a recovery code names
    # it, and would stop being verified if it were deleted.
    devices = StaticDevice.objects.select_for_update().filter(user=user).order_by("pk")
    device = devices.first() or StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME)
    StaticToken.objects.filter(device__user=user).delete()
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    device.confirmed = True
    device.throttle_reset(commit=False)
    device.save()
    return codes


def with_next(url: str, next_url: str | None) -> str:
    # Slashes are left readable; anything that would end the parameter is escaped.
    return f"{url}?{urlencode({'next': next_url}, safe='/')}" if next_url else url
