from django.urls import path

from . import conference_urls, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/calendar.ics", views.event_calendar, name="calendar"),
]

# Conferences: agenda, motions, voting-delegate registration (events/conference_urls.py).
urlpatterns += conference_urls.urlpatterns
