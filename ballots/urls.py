from django.urls import path

from . import views

app_name = "ballots"

urlpatterns = [
    path("", views.ballot_list, name="list"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.ballot_detail, name="detail"),
    path("<int:pk>/voted/", views.ballot_voted, name="voted"),
    path("<int:pk>/results.csv", views.results_csv, name="results_csv"),
    path("<int:pk>/results.pdf", views.results_pdf, name="results_pdf"),
    path("<int:pk>/receipts/", views.receipts, name="receipts"),
]
