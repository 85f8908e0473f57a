from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("<slug:slug>/", views.document_detail, name="detail"),
    path("<slug:slug>/pdf/", views.document_pdf, name="pdf"),
    path("<slug:slug>/editions/<int:number>/", views.edition_detail, name="edition"),
    path("<slug:slug>/editions/<int:number>/pdf/", views.edition_pdf, name="edition_pdf"),
]
