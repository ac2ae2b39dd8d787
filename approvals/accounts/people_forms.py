"""Forms of the staff account pages: adding a member of staff and changing roles."""

from crispy_forms_gds.layout import Button, Field, Size
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator

from approvals.accounts.roles import Role
from grants.forms import ErrorSummaryMixin, page_form_helper

User = get_user_model()


def _submit(text: str, **kwargs) -> Button:
    return Button("submit", text, data_prevent_double_click="true", **kwargs)


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            choices=Role.choices,
            required=False,
            label="Roles",
            help_text="Select all that apply. Someone with no role can sign in but do nothing.",
            **kwargs,
        )


class AddPersonForm(ErrorSummaryMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={
            "required": "Enter their full name",
            "max_length": "Full name must be 150 characters or fewer",
        },
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send a link to this address, for them to set their own password.",
        max_length=254,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    username = forms.CharField(
        label="Username",
        help_text="What they will type to sign in. Letters, numbers and @ . + - _ only.",
        max_length=150,
        validators=[
            UnicodeUsernameValidator(
                message="Username can only contain letters, numbers and @ . + - _"
            )
        ],
        error_messages={
            "required": "Enter a username",
            "max_length": "Username must be 150 characters or fewer",
        },
    )
    roles = RolesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.text("full_name", field_width=20, autocomplete="off", spellcheck="false"),
            Field.text("email", field_width=20, autocomplete="off", spellcheck="false"),
            Field.text(
                "username",
                field_width=20,
                autocomplete="off",
                autocapitalize="none",
                spellcheck="false",
            ),
            Field.checkboxes("roles", legend_size=Size.MEDIUM, small=True),
            _submit("Add member of staff"),
        )

    def clean_username(self) -> str:
        username = User.normalize_username(self.cleaned_data["username"])
        if User._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError("There is already an account with this username")
        return username

    def clean_email(self) -> str:
        email = User._default_manager.normalize_email(self.cleaned_data["email"])
        # A link to set a password goes to an address: one address, one account.
        if User._default_manager.filter(email__iexact=email).exists():
            raise forms.ValidationError("Another account already uses this email address")
        return email


class RolesForm(ErrorSummaryMixin, forms.Form):
    roles = RolesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.checkboxes("roles", legend_size=Size.MEDIUM, small=True),
            _submit("Save roles"),
        )
