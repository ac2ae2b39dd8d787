"""Multi-factor sign-in for staff: a time-based one-time password (TOTP) from an
authenticator app, with single-use recovery codes.

When settings.MFA_REQUIRED is on, a signed-in member of staff who has not yet proved a
second factor in this session can reach only the pages that set one up or check it.

Setting up, verifying and replacing recovery codes are logged here, not written to the
audit chain. Replacing an authenticator app is written to it too (an account event, with
no case), because it changes what signs in as someone for good.

Recovery codes are kept as keyed hashes (approvals.accounts.recovery), never in plain
text. A key being set up lives in the session until a code from it confirms it: showing
the set-up page stores nothing in the database.
"""

import logging
import math
import secrets
import time
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from approvals import audit
from approvals.accounts.forms import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_LENGTH,
)
from approvals.accounts.recovery import digest
from approvals.models import AuditAction, RecoveryCode, RecoveryCodeDevice

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


# Where a key that is being set up is kept until a code from it confirms it: one for a
# first authenticator, one for a replacement, so that neither page changes the other's.
SETUP_KEY = "mfa_setup_key"
REPLACEMENT_KEY = "mfa_replacement_key"


def pending_authenticator(request, session_key: str = SETUP_KEY) -> TOTPDevice:
    """The authenticator being set up in this session, not saved: its key is made the
    first time and kept in the session, so reloading the page shows the same key, and
    nothing is stored in the database until a code from it confirms it."""
    key = request.session.get(session_key)
    if not key:
        key = request.session[session_key] = default_key()
    return TOTPDevice(user=request.user, name=AUTHENTICATOR_NAME, key=key, confirmed=False)


def forget_pending_authenticator(request, session_key: str = SETUP_KEY) -> None:
    request.session.pop(session_key, None)


def _accepted_step(device: TOTPDevice, code: str) -> int | None:
    """The time step whose code this is, for a key not yet saved (so a code that fails
    counts against nothing: whoever sees the set-up page already has the key)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.verify(int(code), device.tolerance):
        return totp.t()
    return None


def _lock_user(user):
    return get_user_model()._default_manager.select_for_update().get(pk=user.pk)


def confirm_authenticator(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a first authenticator with a code from it: save it, confirmed, and return
    fresh recovery codes. None if the person set one up meanwhile (in another tab)."""
    step = _accepted_step(device, code)
    if step is None:
        raise CodeRefused(WRONG_APP_CODE)
    with transaction.atomic():
        _lock_user(device.user)
        if has_second_factor(device.user):
            return None
        # Keys from abandoned attempts of an earlier release were shown on screen; none
        # may become live.
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        device.confirmed = True
        device.last_t = step  # so the code that confirmed it cannot also sign in
        device.save()
        codes = _replace_recovery_codes(device.user)
    logger.info("MFA: user %s (id %s) set up an authenticator app", device.user, device.user.pk)
    return codes


def replace_authenticator(device: TOTPDevice, code: str) -> TOTPDevice:
    """Replace the user's authenticator app with this new one, given a code from it (the
    caller has checked their password). The old app keeps working until this commits;
    then only the new one does, and sessions verified with the old one must verify
    again."""
    step = _accepted_step(device, code)
    if step is None:
        raise CodeRefused(WRONG_APP_CODE)
    user = device.user
    with transaction.atomic():
        _lock_user(user)
        done = TOTPDevice.objects.filter(user=user, key=device.key, confirmed=True).first()
        if done is not None:  # the same form sent twice: replaced once
            return done
        replaced = TOTPDevice.objects.filter(user=user).delete()[0]
        device.confirmed = True
        device.last_t = step
        device.save()
        audit.record(
            AuditAction.AUTHENTICATOR_REPLACED,
            actor=user,
            details={"authenticators_removed": replaced},
        )
    logger.info("MFA: user %s (id %s) replaced their authenticator app", user, user.pk)
    return device


def check_authenticator_code(user, code: str) -> TOTPDevice:
    checked = _check_code(TOTPDevice.objects.devices_for_user(user, confirmed=True), code)
    if not isinstance(checked, TOTPDevice):
        logger.warning("MFA: user %s (id %s) gave a wrong authenticator code", user, user.pk)
        raise CodeRefused(checked)
    logger.info("MFA: user %s (id %s) verified with an authenticator app", user, user.pk)
    return checked


def check_recovery_code(user, code: str) -> RecoveryCodeDevice:
    """Accept a recovery code once: the hash it matches is deleted."""
    checked = _check_code(
        RecoveryCodeDevice.objects.devices_for_user(user, confirmed=True),
        code,
        wrong=WRONG_RECOVERY_CODE,
    )
    if not isinstance(checked, RecoveryCodeDevice):
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
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


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
    RecoveryCode.objects.filter(device__user=user).delete()
    # Plain codes are never kept (migration 0015 hashed those from before).
    StaticToken.objects.filter(device__user=user).delete()
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=digest(user.pk, code)) for code in codes
    )
    device.confirmed = True
    device.throttle_reset(commit=False)
    device.save()
    return codes


def with_next(url: str, next_url: str | None) -> str:
    # Slashes are left readable; anything that would end the parameter is escaped.
    return f"{url}?{urlencode({'next': next_url}, safe='/')}" if next_url else url
