from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from approvals import public_views
from approvals import views as approvals_views
from approvals.forms import SignInForm
from config import views

urlpatterns = [
    path("", public_views.home, name="home"),
    path("accessibility/", public_views.accessibility, name="accessibility"),
    path("privacy/", public_views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", approvals_views.staff_home, name="staff-home"),
    path("staff/cases/", include("grants.urls")),
    path("staff/", include("approvals.urls")),
    path("admin/", admin.site.urls),
]
