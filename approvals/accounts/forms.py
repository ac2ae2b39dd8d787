"""Forms for multi-factor sign-in: a code from an authenticator app, or a recovery code.

They check only the shape of what was typed; whether a code is right is for the
devices in approvals/accounts/mfa.py, which also throttle wrong guesses.
"""

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm

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


class SignInForm(AuthenticationForm):
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
