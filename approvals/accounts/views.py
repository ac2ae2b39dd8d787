"""Sign-in views: the password (Django's LoginView with our form) and the second factor:
setting up an authenticator app, checking its code or a recovery code, replacing
recovery codes or the authenticator app; and changing one's own password."""

import logging
from base64 import b32encode
from functools import wraps
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from approvals.accounts import mfa
from approvals.accounts.forms import (
    AuthenticatorCodeForm,
    ChangePasswordForm,
    RecoveryCodeForm,
    ReplaceAuthenticatorForm,
    SignInForm,
    format_recovery_code,
)
from approvals.accounts.mfa import (
    REPLACEMENT_KEY,
    CodeRefused,
    check_authenticator_code,
    check_recovery_code,
    confirm_authenticator,
    forget_pending_authenticator,
    has_second_factor,
    pending_authenticator,
    recovery_codes_left,
    replace_recovery_codes,
    with_next,
)

# Logged under the MFA module's name: what is set up and verified is its record.
logger = logging.getLogger("approvals.accounts.mfa")

sign_in = auth_views.LoginView.as_view(
    authentication_form=SignInForm, redirect_authenticated_user=True
)
sign_out = auth_views.LogoutView.as_view()


def _safe_next(request) -> str | None:
    """The page to return to, only if it is on this site (never someone else's)."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return None


def _verified(request, device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is proved, as for the password: a key
    # anyone learned before this point is no use to them.
    request.session.cycle_key()


def _grouped(key: bytes) -> str:
    secret = b32encode(key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _recovery_codes_page(request, codes: list[str], continue_url: str):
    return render(
        request,
        "registration/mfa_recovery_codes.html",
        {"codes": [format_recovery_code(code) for code in codes], "continue_url": continue_url},
    )


def _authenticator_page(request, template: str, form, device, **context):
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        template,
        {
            "form": form,
            "qr_code": qr.svg_data_uri(scale=5, dark="#0b0c0c"),
            "qr_size": qr.symbol_size(scale=5)[0],
            "secret": _grouped(device.bin_key),
            "issuer": settings.OTP_TOTP_ISSUER,
            **context,
        },
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url or "staff-home")
    if has_second_factor(request.user):
        # Adding an authenticator needs the one already set up: a password alone must not
        # be enough to enrol an attacker's phone.
        return redirect(with_next(reverse("mfa-verify"), next_url))

    device = pending_authenticator(request)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_authenticator(device, form.cleaned_data["code"])
        except CodeRefused as refused:
            form.add_error("code", str(refused))
        else:
            if codes is None:  # set up meanwhile, in another tab
                return redirect(with_next(reverse("mfa-verify"), next_url))
            forget_pending_authenticator(request)
            _verified(request, device)
            return _recovery_codes_page(request, codes, next_url or reverse("staff-home"))
    return _authenticator_page(request, "registration/mfa_setup.html", form, device)


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url or "staff-home")
    if not has_second_factor(request.user):
        return redirect(with_next(reverse("mfa-setup"), next_url))

    with_recovery_code = request.GET.get("method") == "recovery-code"
    form_class = RecoveryCodeForm if with_recovery_code else AuthenticatorCodeForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = check_recovery_code if with_recovery_code else check_authenticator_code
        try:
            device = check(request.user, form.cleaned_data["code"])
        except CodeRefused as refused:
            form.add_error("code", str(refused))
        else:
            _verified(request, device)
            if with_recovery_code:
                left = recovery_codes_left(request.user)
                messages.info(
                    request,
                    f"You signed in with a recovery code. You have {left} left. "
                    "You can make a new set from the recovery codes page.",
                )
            return redirect(next_url or "staff-home")

    switch = {"method": "authenticator" if with_recovery_code else "recovery-code"}
    if next_url:
        switch["next"] = next_url
    return render(
        request,
        "registration/mfa_verify.html",
        {
            "form": form,
            "with_recovery_code": with_recovery_code,
            "issuer": settings.OTP_TOTP_ISSUER,
            "switch_url": f"{reverse('mfa-verify')}?{urlencode(switch, safe='/')}",
        },
        status=400 if form.errors else 200,
    )


def _to_second_factor(request):
    target = "mfa-verify" if has_second_factor(request.user) else "mfa-setup"
    return redirect(with_next(reverse(target), request.path))


def verified_required(view=None, *, only_if_mfa_required: bool = False):
    """A page for someone who has proved their second factor in this session. The pages
    about that factor ask for it whether or not MFA_REQUIRED is on; the others
    (only_if_mfa_required) when it is: all of /accounts/ is open to someone who has only
    typed a password, so that they can set up or prove their second factor."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            needed = settings.MFA_REQUIRED or not only_if_mfa_required
            if needed and not request.user.is_verified():
                return _to_second_factor(request)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator(view) if view is not None else decorator


@never_cache
@verified_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    if request.method == "POST":
        codes = replace_recovery_codes(request.user)
        return _recovery_codes_page(request, codes, reverse("staff-home"))
    return render(
        request,
        "registration/mfa_recovery_codes_manage.html",
        {"left": recovery_codes_left(request.user)},
    )


@sensitive_post_parameters("password", "code")
@never_cache
@verified_required
@require_http_methods(["GET", "POST"])
def replace_authenticator(request):
    """A new authenticator app in place of the old one: the person's password and a code
    from the new app. The old app keeps working until the new one is confirmed."""
    device = pending_authenticator(request, REPLACEMENT_KEY)
    form = ReplaceAuthenticatorForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.replace_authenticator(device, form.cleaned_data["code"])
        except CodeRefused as refused:
            form.add_error("code", str(refused))
        else:
            forget_pending_authenticator(request, REPLACEMENT_KEY)
            # The session was verified by the old app, which is gone: it is verified by
            # the new one now, and gets a new key as at any verification.
            _verified(request, device)
            messages.success(
                request,
                "Your authenticator app has been replaced. Codes from your old app no longer work.",
            )
            return redirect("staff-home")
    return _authenticator_page(request, "registration/mfa_replace_authenticator.html", form, device)


class ChangePassword(auth_views.PasswordChangeView):
    """Django's password change with the current password checked as a sign-in would
    be (throttled by django-axes), the change audited in its own transaction, and the
    person kept signed in on this device (PasswordChangeView's update_session_auth_hash)
    while every other session of theirs ends."""

    form_class = ChangePasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


change_password = never_cache(
    verified_required(ChangePassword.as_view(), only_if_mfa_required=True)
)
password_changed = never_cache(
    verified_required(auth_views.PasswordChangeDoneView.as_view(), only_if_mfa_required=True)
)
