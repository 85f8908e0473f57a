from django.urls import path

from . import views

app_name = "cpd"

urlpatterns = [
    path("me/cpd/", views.record, name="record"),
    path("me/cpd/new/", views.new, name="new"),
    path("me/cpd/record.pdf", views.record_pdf, name="record_pdf"),
    path("me/cpd/<int:pk>/", views.edit, name="edit"),
    path("me/cpd/<int:pk>/delete/", views.delete, name="delete"),
    path(
        "me/cpd/<int:pk>/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "me/cpd/certificates/<int:booking_id>.pdf",
        views.certificate_pdf,
        name="certificate",
    ),
]
