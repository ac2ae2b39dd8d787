from django.contrib import admin
from django.urls import include, path

from approvals import views as approvals_views
from approvals.publication.urls import public_urlpatterns
from config import views

urlpatterns = [
    *public_urlpatterns,
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("approvals.accounts.urls")),
    path("staff/", approvals_views.staff_home, name="staff-home"),
    path("staff/cases/", include("grants.urls")),
    path("staff/rate-card/", include("grants.rate_card.urls")),
    path("staff/", include("approvals.urls")),
    path("admin/", admin.site.urls),
]
