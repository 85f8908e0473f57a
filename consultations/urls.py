from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("<slug:slug>/", views.consultation_detail, name="detail"),
]
