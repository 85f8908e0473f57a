from django.urls import path

from . import views

app_name = "reps"

urlpatterns = [
    path("rep/", views.home, name="home"),
    path("rep/members/<int:pk>/", views.member, name="member"),
    path("rep/invite/", views.invite, name="invite"),
    path("rep/invite/<int:pk>/qr.<str:fmt>", views.invite_qr, name="invite_qr"),
    path("rep/density/", views.density_view, name="density"),
    path("rep/issue/", views.issue, name="issue"),
    path("rep/message/", views.message, name="message"),
    path("rep/volunteer/", views.volunteer, name="volunteer"),
    path("rep/support/<int:pk>/", views.support, name="support"),
    path("rep/letter/<int:pk>/", views.letter, name="letter"),
    path("me/access/", views.my_access, name="my_access"),
]
