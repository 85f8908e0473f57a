from django.urls import path

from . import conference_views

urlpatterns = [
    path("<slug:slug>/agenda/", conference_views.agenda, name="agenda"),
    path("<slug:slug>/motions/", conference_views.motions, name="motions"),
    path(
        "<slug:slug>/voting-delegate/",
        conference_views.delegate_register,
        name="voting_delegate",
    ),
]
