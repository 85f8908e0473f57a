from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/confirm/", views.join_confirm, name="join_confirm"),
    path("join/check-email/", views.join_check_email, name="join_check_email"),
    path("join/employers/", views.employer_search, name="employer_search"),
    path("join/workplaces/", views.workplace_search, name="workplace_search"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", views.profile, name="profile"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/equality/", views.equality, name="equality"),
    path("me/contact/", views.contact_details, name="contact"),
    path("me/card/", views.card, name="card"),
    path("me/card/pdf/", views.card_pdf, name="card_pdf"),
    path("me/data/", views.data_export, name="data_export"),
    path("me/data/download/<uuid:key>/", views.data_export_download, name="data_export_download"),
]
