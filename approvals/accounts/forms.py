"""Forms for signing in: the password, a code from an authenticator app or a recovery
code; and for changing one's password or authenticator app.

The code forms check only the shape of what was typed; whether a code is right is for
the devices in approvals/accounts/mfa.py, which also throttle wrong guesses. Passwords
are checked through approvals/accounts/throttle.py, so that the limit on wrong ones is
exact.
"""

import logging
import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
    validate_password,
)
from django.db import transaction

from approvals import audit
from approvals.accounts import throttle
from approvals.models import AuditAction

logger = logging.getLogger(__name__)

# Recovery codes leave out 0, 1, i, l and o, so that nobody has to guess which they are
# looking at when they copy one from paper.
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_LENGTH = 10

# People copy codes with spaces and hyphens (we show recovery codes with one); neither
# is part of the code.
_SEPARATORS = re.compile(r"[\s\-]+")
_RECOVERY_CODE = re.compile(f"[{RECOVERY_CODE_ALPHABET}]{{{RECOVERY_CODE_LENGTH}}}")


def normalise_recovery_code(value: str) -> str:
    return _SEPARATORS.sub("", value).lower()


def format_recovery_code(code: str) -> str:
    """Two groups of five, as people copy them most reliably."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        help_text="The code in your authenticator app changes every 30 seconds.",
        max_length=20,
        strip=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args, submit_label: str = "Continue", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            # The one-time-code hint lets phones offer a code they have just received,
            # and a numeric keypad; a code is not a word to spell-check.
            Field.text(
                "code",
                field_width=10,
                autocomplete="one-time-code",
                inputmode="numeric",
                spellcheck="false",
            ),
            Button("submit", submit_label),
        )

    def clean_code(self) -> str:
        code = _SEPARATORS.sub("", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError("The code must be 6 digits")
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        help_text="One of the 10-character codes you saved, for example 7kq2m-xh4pd.",
        max_length=30,
        strip=True,
        error_messages={"required": "Enter one of your recovery codes"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text(
                "code",
                field_width=10,
                autocomplete="off",
                autocapitalize="none",
                spellcheck="false",
            ),
            Button("submit", "Continue"),
        )

    def clean_code(self) -> str:
        code = normalise_recovery_code(self.cleaned_data["code"])
        if not _RECOVERY_CODE.fullmatch(code):
            raise forms.ValidationError(
                "A recovery code is 10 letters and numbers, for example 7kq2m-xh4pd"
            )
        return code


class OneAtATimeMixin:
    """Django's sign-in check (django-axes's lockout check, the password, django-axes's
    count of a failure) made one attempt at a time for each username and address, so
    that AXES_FAILURE_LIMIT is exact however many attempts arrive at once."""

    def clean(self):
        username = self.cleaned_data.get("username")
        with throttle.one_at_a_time(*throttle.sign_in_keys(self.request, username)):
            try:
                return super().clean()
            except forms.ValidationError as error:
                # Raised once the failure's count has committed, not rolled back with it.
                refused = error
        raise refused


class AdminSignInForm(OneAtATimeMixin, AdminAuthenticationForm):
    """The admin site's own sign-in page, limited exactly as the service's."""


class SignInForm(OneAtATimeMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask an administrator.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("username", field_width=20),
            Field.text("password", field_width=20),
            Button("submit", "Sign in"),
        )


def _password_hint() -> str:
    lengths = [
        validator.min_length
        for validator in get_default_password_validators()
        if isinstance(validator, MinimumLengthValidator)
    ]
    least = f"at least {max(lengths)} characters" if lengths else "a long password"
    return (
        f"Use {least}. Several words you will remember are easier to type than a short "
        "password with symbols. Do not use a password you use anywhere else."
    )


def _locked_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"You have entered a wrong password too many times. Wait {minutes} minutes, then "
        "try again, or ask an administrator to unlock your account"
    )


def _check_own_password(form, field: str, wrong: str) -> str:
    password = form.cleaned_data[field]
    right, locked = throttle.check_own_password(form.request, form.user, password)
    if locked:
        raise forms.ValidationError(_locked_message(), code="locked")
    if not right:
        raise forms.ValidationError(wrong, code="password_incorrect")
    return password


class ChangePasswordForm(PasswordChangeForm):
    """Django's password change: the current password, checked as a sign-in would be
    (counted towards AXES_FAILURE_LIMIT), then the new one twice, checked by the
    password validators. Saving writes the change's audit event in its transaction."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again",
        "password_mismatch": "The new passwords do not match. Enter the same new password twice",
    }

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        fields = self.fields
        fields["old_password"].label = "Current password"
        fields["old_password"].error_messages["required"] = "Enter your current password"
        fields["new_password1"].label = "New password"
        fields["new_password1"].help_text = _password_hint()
        fields["new_password1"].error_messages["required"] = "Enter a new password"
        fields["new_password2"].label = "Confirm new password"
        fields["new_password2"].help_text = ""
        fields["new_password2"].error_messages["required"] = "Enter the new password again"
        # GOV.UK pages do not move focus on load.
        fields["old_password"].widget.attrs.pop("autofocus", None)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("old_password", field_width=20),
            Field.text("new_password1", field_width=20),
            Field.text("new_password2", field_width=20),
            Button("submit", "Change password"),
        )

    def clean_old_password(self) -> str:
        return _check_own_password(self, "old_password", self.error_messages["password_incorrect"])

    def validate_password_for_user(self, user, password_field_name="new_password2"):
        """What the validators say of the new password is said next to it, where it is
        typed, rather than next to its confirmation (Django's choice)."""
        password = self.cleaned_data.get(password_field_name)
        if password:
            try:
                validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)

    def save(self, commit=True):
        with transaction.atomic():
            user = super().save(commit=commit)
            audit.record(AuditAction.PASSWORD_CHANGED, actor=user)
        logger.info("User %s (id %s) changed their password", user, user.pk)
        return user


class ReplaceAuthenticatorForm(AuthenticatorCodeForm):
    """The person's password and a code from the new authenticator app."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    field_order = ["password", "code"]

    def __init__(self, *args, request, **kwargs):
        self.request = request
        self.user = request.user
        super().__init__(*args, submit_label="Replace authenticator app", **kwargs)
        self.fields["code"].label = "6-digit code from your new app"
        self.fields["code"].error_messages["required"] = (
            "Enter the 6-digit code from your new authenticator app"
        )
        self.helper.layout.insert(0, Field.text("password", field_width=20))

    def clean_password(self) -> str:
        return _check_own_password(self, "password", "Your password is not right. Enter it again")
