from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/confirm/", views.join_confirm, name="join_confirm"),
    path("join/check-email/", views.join_check_email, name="join_check_email"),
    path("join/employers/", views.employer_search, name="employer_search"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", views.profile, name="profile"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/equality/", views.equality, name="equality"),
    path("me/data/", views.data_export, name="data_export"),
]
