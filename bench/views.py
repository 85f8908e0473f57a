"""Reference views: what the framework costs with nothing of the portal's own work, served
by the same processes behind the same middleware. Only reachable under bench.web_settings."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_POST

from .seed import BENCH_PASSWORD

# A page of about the size the portal's pages are, built once.
BODY = (
    "<!doctype html><html lang='en'><head><title>Constant</title></head><body><main>"
    + "<p>The same bytes every time, from a view that does no work of its own.</p>" * 60
    + "</main></body></html>"
).encode()


@require_GET
def constant(request):
    """Anonymous: the reference for public pages."""
    return HttpResponse(BODY)


@login_required
@require_GET
def constant_member(request):
    """Logged in, with the session read and the user loaded, like every member page."""
    return HttpResponse(BODY)


@login_required
@require_POST
def constant_post(request):
    """A logged-in POST through CSRF, answered with a redirect like the portal's forms."""
    return HttpResponseRedirect("/_bench/constant/member/")


@cache
def _encoded() -> str:
    return make_password(BENCH_PASSWORD)


@require_POST
def hasher(request):
    """The password hasher alone: one check of the submitted password, as a login does."""
    if check_password(request.POST.get("password", ""), _encoded()):
        return HttpResponseRedirect("/_bench/constant/")
    return HttpResponseBadRequest("wrong password")
