"""The member's subscription pages. Each part keeps its own block."""

from django.urls import path

from . import payroll_views

app_name = "subscriptions"

urlpatterns = []

# --- Payroll deduction (check-off) ----------------------------------------------------------
urlpatterns += [
    path("me/subscription/payroll/", payroll_views.payroll, name="payroll"),
]
