from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    # -- the member's Direct Debit and annual statement (subscriptions.views) --------------
    path("me/subscription/direct-debit/", views.direct_debit, name="direct_debit"),
    path("me/subscription/statement/<str:year>/", views.statement, name="statement"),
    # -- end of the member's Direct Debit block ---------------------------------------------
]
