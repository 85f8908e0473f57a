from django.urls import path, re_path

from . import pay_views, payroll_views, views

app_name = "subscriptions"

urlpatterns = [
    # -- card payments of arrears and one-off amounts (collections and arrears) --
    path("me/subscription/pay/", pay_views.pay, name="pay"),
    re_path(
        r"^me/subscription/pay/(?P<intent_id>[A-Za-z0-9_-]{1,80})/$",
        pay_views.pay_confirm,
        name="pay_confirm",
    ),
    # -- end of card payments --
    # -- the member's Direct Debit and annual statement (subscriptions.views) --------------
    path("me/subscription/direct-debit/", views.direct_debit, name="direct_debit"),
    path("me/subscription/statement/<str:year>/", views.statement, name="statement"),
    # -- end of the member's Direct Debit block ---------------------------------------------
    # -- payroll deduction (check-off) --
    path("me/subscription/payroll/", payroll_views.payroll, name="payroll"),
    # -- end of payroll deduction --
]
