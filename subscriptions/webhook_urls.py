"""Payment providers' webhooks: no session, no CSRF token; each checks its own signature."""

from django.urls import path

from .webhooks import gocardless_webhook

urlpatterns = [
    path("webhooks/gocardless/", gocardless_webhook, name="gocardless_webhook"),
]
