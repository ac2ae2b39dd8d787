from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from approvals import public_files, public_views
from approvals import views as approvals_views
from approvals.feeds import DecisionsFeed
from approvals.forms import SignInForm
from config import views

urlpatterns = [
    path("", public_views.home, name="home"),
    path("accessibility/", public_views.accessibility, name="accessibility"),
    path("privacy/", public_views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    # The public register: this URL contract is relied on outside the service.
    path("decisions/", public_views.register, name="register"),
    path("decisions.csv", public_views.decisions_csv, name="decisions-csv"),
    path("decisions.json", public_views.decisions_json, name="decisions-json"),
    path("decisions/feed/", DecisionsFeed(), name="decisions-feed"),
    path("decisions/<slug:slug>/", public_views.decision, name="decision"),
    path(
        "decisions/<slug:slug>/document.json",
        public_views.decision_document,
        name="decision-document",
    ),
    path("decisions/<slug:slug>/decision.pdf", public_files.decision_pdf, name="decision-pdf"),
    path(
        "decisions/<slug:slug>/agreement.pdf", public_files.agreement_pdf, name="decision-agreement"
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # --- Multi-factor sign-in (approvals/mfa.py) ---
    path("accounts/mfa/", include("approvals.mfa")),
    # --- End of multi-factor sign-in ---
    path("staff/", approvals_views.staff_home, name="staff-home"),
    path("staff/cases/", include("grants.urls")),
    path("staff/", include("approvals.urls")),
    path("admin/", admin.site.urls),
]

# ---- Benchmark views (bench/run.py): only when BENCHMARK_VIEWS is true ----
from django.conf import settings  # noqa: E402

if settings.BENCHMARK_VIEWS:
    from config import bench_views

    urlpatterns += bench_views.urlpatterns
# ---- End of benchmark views ----
