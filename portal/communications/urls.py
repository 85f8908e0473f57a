from django.urls import path

from . import views

app_name = "communications"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("communications/webhooks/feedback/", views.feedback_webhook, name="feedback_webhook"),
]
