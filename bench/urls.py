"""The portal's own URLs plus the reference views the benchmark divides by."""

from django.urls import path

from portal.urls import handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    path("_bench/constant/", views.constant, name="bench_constant"),
    path("_bench/constant/member/", views.constant_member, name="bench_constant_member"),
    path("_bench/constant/post/", views.constant_post, name="bench_constant_post"),
    path("_bench/hasher/", views.hasher, name="bench_hasher"),
    *portal_urlpatterns,
]
