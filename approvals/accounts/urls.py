from django.urls import path

from approvals.accounts import views
from approvals.accounts.password_reset import urlpatterns as password_reset_urlpatterns

# Included by config/urls.py at accounts/. The names are not namespaced because Django's
# auth settings, RequireMFAMiddleware and the sign-in flow refer to them as they are.
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("mfa/setup/", views.setup, name="mfa-setup"),
    path("mfa/verify/", views.verify, name="mfa-verify"),
    path("mfa/recovery-codes/", views.recovery_codes, name="mfa-recovery-codes"),
    *password_reset_urlpatterns,
    path("mfa/authenticator/", views.replace_authenticator, name="mfa-replace-authenticator"),
    path("password/change/", views.change_password, name="password_change"),
    path("password/change/done/", views.password_changed, name="password_change_done"),
]
