from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from casework import views as casework_views
from portal import metrics, views
from portal.accounts import views as account_views

# The admin's login goes through allauth: the same rate limits and the second factor.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    # Prometheus: a bearer token or an allowed address, else 404 (portal/metrics.py).
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/signup/", account_views.signup_redirect, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("portal.accounts.urls")),
    path("", include("membership.urls")),
    path("", include("subscriptions.urls")),
    path("", include("cpd.urls")),
    path("cases/", include("casework.urls")),
    # An officer's deadlines calendar (no login: the secret token is the key).
    path(
        "casework/calendar/<str:token>.ics",
        casework_views.calendar_feed,
        name="casework_calendar_feed",
    ),
    path("standards/", include("standards.urls")),
    path("consultations/", include("consultations.urls")),
    path("ballots/", include("ballots.urls")),
    path("events/", include("events.urls")),
    path("", include("portal.communications.urls")),
    path("", include("reps.urls")),
    path("", include("subscriptions.webhook_urls")),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
