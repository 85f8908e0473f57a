from django.urls import path

from . import views

app_name = "casework"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/edit/", views.case_edit_draft, name="edit"),
    path("<str:reference>/sent/", views.case_submitted, name="submitted"),
    path("<str:reference>/withdraw/", views.case_withdraw, name="withdraw"),
    path("<str:reference>/complaint/", views.case_complaint, name="complaint"),
    path("<str:reference>/join/", views.case_join, name="join"),
    path(
        "<str:reference>/files/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
