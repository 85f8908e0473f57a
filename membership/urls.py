from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("me/subscription/", views.subscription, name="subscription"),
    path("me/changes/", views.changes, name="changes"),
    path("me/changes/<slug:kind>/", views.change, name="change"),
    path("me/resign/", views.resign, name="resign"),
    path("me/rejoin/", views.rejoin, name="rejoin"),
]
