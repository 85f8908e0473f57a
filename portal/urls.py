from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from casework import views as casework_views
from portal import i18n, metrics_view, views
from portal.accounts import views as account_views

# The admin's login goes through allauth: the same rate limits and the second factor.
admin.site.login = secure_admin_login(admin.site.login)

# Pages for machines and staff: English only, at one address each.
urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    # Prometheus: a bearer token or an allowed address, else 404 (portal/metrics.py).
    path("metrics", metrics_view.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    # The language switch (portal/i18n.py).
    path("language/", i18n.set_language, name="set_language"),
    path("language/<str:language>/", i18n.set_language_to, name="set_language_to"),
    # An officer's deadlines calendar (no login: the secret token is the key).
    path(
        "casework/calendar/<str:token>.ics",
        casework_views.calendar_feed,
        name="casework_calendar_feed",
    ),
    # The one-click unsubscribe address in every email's headers, and delivery feedback.
    path("", include("portal.communications.urls")),
    path("", include("subscriptions.webhook_urls")),
]

# Every page a member or visitor reads: English at its address, Welsh under /cy/.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accounts/signup/", account_views.signup_redirect, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("membership.urls")),
    path("", include("subscriptions.urls")),
    path("", include("cpd.urls")),
    path("cases/", include("casework.urls")),
    path("standards/", include("standards.urls")),
    path("consultations/", include("consultations.urls")),
    path("ballots/", include("ballots.urls")),
    path("events/", include("events.urls")),
    path("", include("reps.urls")),
    prefix_default_language=False,
)

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
