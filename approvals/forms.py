from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.contrib.auth.forms import AuthenticationForm


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


class ReasonsForm(forms.Form):
    """Reasons for a step that needs them: withdrawal."""

    reasons = forms.CharField(
        label="Why is the case being withdrawn?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the case is being withdrawn"},
        max_length=5000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("reasons"), Button("submit", "Withdraw the case")
        )


class DecisionForm(forms.Form):
    OUTCOMES = [
        ("approve", "Approve"),
        ("reject", "Reject"),
        ("return", "Return for changes"),
    ]
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve, reject or return the case"},
    )
    reasons = forms.CharField(
        label="Reasons for the decision",
        help_text="Required if you reject or return the case.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
    )
    alternatives_considered = forms.CharField(
        label="Alternatives considered",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )
    interests_declared = forms.TypedChoiceField(
        label="Do you have any interests to declare?",
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you have any interests to declare"},
    )
    interests = forms.CharField(
        label="Describe the interests you are declaring",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    password = forms.CharField(
        label="Your password",
        help_text="Enter your password to sign the decision.",
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": "Enter your password to sign the decision"},
        strip=False,
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.textarea("reasons"),
            Field.textarea("alternatives_considered"),
            Field.radios("interests_declared", legend_size=Size.MEDIUM, inline=True),
            Field.textarea("interests"),
            Field.text("password", field_width=20),
            "seen_version",
            Button("submit", "Sign the decision"),
        )

    def clean(self):
        data = super().clean()
        if data.get("outcome") in ("reject", "return") and not data.get("reasons", "").strip():
            self.add_error("reasons", "Enter the reasons for your decision")
        if data.get("interests_declared") and not data.get("interests", "").strip():
            self.add_error("interests", "Describe the interests you are declaring")
        return data
