"""Setting a password through a link sent by email: "Forgotten your password?", and the
first password of a new member of staff (approvals.accounts.administration).

Django's password-reset views and tokens do the work: a link works once (setting the
password changes its token) and for PASSWORD_RESET_TIMEOUT seconds. Asking for a link
gives the same answer whether or not an account has the address.
"""

from crispy_forms_gds.layout import Button, Field
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.db import transaction
from django.urls import path, reverse_lazy

from approvals.accounts.administration import link_hours
from approvals.accounts.events import record_account_event
from approvals.models import AuditAction
from grants.forms import page_form_helper

User = get_user_model()


class ForgottenPasswordForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        help_text="The address of your staff account.",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.text("email", field_width=20, autocomplete="email", spellcheck="false"),
            Button("submit", "Send me a link", data_prevent_double_click="true"),
        )

    def get_users(self, email):
        # Unlike Django's, this includes active accounts with no password yet: a new
        # member of staff whose first link has expired asks for another here.
        return (
            user
            for user in User._default_manager.filter(email__iexact=email, is_active=True)
            if user.email.casefold() == email.casefold()
        )


class NewPasswordForm(SetPasswordForm):
    error_messages = {"password_mismatch": "The passwords do not match"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].error_messages["required"] = "Confirm your new password"
        self.helper = page_form_helper(
            Field.text("new_password1", field_width=20, autocomplete="new-password"),
            Field.text("new_password2", field_width=20, autocomplete="new-password"),
            Button("submit", "Set password", data_prevent_double_click="true"),
        )


class ForgottenPasswordView(auth_views.PasswordResetView):
    form_class = ForgottenPasswordForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        # Links name the site's own address, never the Host a request claimed.
        self.extra_email_context = {
            "site_url": settings.SITE_URL,
            "hours": link_hours(),
            "service_name": settings.SERVICE_NAME,
        }
        return super().form_valid(form)


class SetNewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            record_account_event(AuditAction.PASSWORD_RESET, form.user, actor=form.user)
        return response


urlpatterns = [
    path(
        "password-reset/",
        ForgottenPasswordView.as_view(success_url=reverse_lazy("password_reset_done")),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        SetNewPasswordView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
