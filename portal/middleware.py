"""Cross-cutting request rules: the client's address behind our proxy, security headers, no
caching of private pages, and the staff second-factor requirement."""

from __future__ import annotations

import ipaddress
import logging
import time
from functools import lru_cache, wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext_lazy as _

from portal.accounts.selectors import user_has_mfa

logger = logging.getLogger(__name__)

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

STAFF_MFA_REQUIRED_MESSAGE = (
    "Staff accounts need two-factor authentication. Set up an authenticator app to continue."
)


# Headers a client could send to claim another address or scheme. Only our own proxy may set
# them: from anyone else they are removed before any other code sees the request.
FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _clean_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    """Is `address` one of the proxies in front of the portal (`TRUSTED_PROXY_IPS`)?"""
    if settings.TRUSTED_PROXY_COUNT <= 0:
        return False
    ip = _clean_ip(address or "")
    if ip is None:
        return False
    ip_obj = ipaddress.ip_address(ip)
    return any(ip_obj in net for net in _networks(tuple(settings.TRUSTED_PROXY_IPS)))


def forwarded_client_ip(meta) -> str | None:
    """The client's address as our proxies recorded it: the header named by
    `TRUSTED_CLIENT_IP_HEADER`, or else the `TRUSTED_PROXY_COUNT`-th address from the right
    of X-Forwarded-For (each of our proxies adds exactly one; anything further left is what
    the client claimed and is ignored). None when the header does not fit."""
    count = settings.TRUSTED_PROXY_COUNT
    header = settings.TRUSTED_CLIENT_IP_HEADER
    if header:
        value = meta.get("HTTP_" + header.upper().replace("-", "_"), "")
        return _clean_ip(value) if value and "," not in value else None
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return None
    return _clean_ip(hops[-count])


class TrustedProxyMiddleware:
    """Behind nginx every request comes from nginx's address. When (and only when) the
    request comes from a configured proxy (`TRUSTED_PROXY_COUNT` > 0 and REMOTE_ADDR in
    `TRUSTED_PROXY_IPS`), REMOTE_ADDR becomes the client's address from the proxy's header,
    so that everything downstream (allauth's rate limits, the case access record, the
    session list) sees the visitor, not the proxy. From anyone else the forwarding headers
    are removed: a visitor cannot choose the address they are counted or recorded under.
    First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if settings.TRUSTED_PROXY_COUNT > 0:
            if is_trusted_proxy(meta.get("REMOTE_ADDR", "")):
                client = forwarded_client_ip(meta)
                if client is None:
                    logger.warning("proxy request without a usable client address header")
                else:
                    meta["PORTAL_PROXY_ADDR"] = meta.get("REMOTE_ADDR", "")
                    meta["REMOTE_ADDR"] = client
            else:
                for name in FORWARDING_HEADERS:
                    meta.pop(name, None)
        return self.get_response(request)


SESSION_EXPIRED = _("You were logged out because you were away for a while. Please log in again.")
SESSION_TOO_OLD = _("For your security, please log in again.")


class SessionPolicyMiddleware:
    """Idle and absolute session limits: staff 30 minutes idle, members longer, everyone
    logged out after the absolute limit. Times are kept in the session itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("portal.started", now)
            last = session.get("portal.seen", now)
            idle = (
                settings.PORTAL_STAFF_IDLE_SECONDS
                if user.is_staff
                else settings.PORTAL_MEMBER_IDLE_SECONDS
            )
            message = None
            if now - last > idle:
                message = SESSION_EXPIRED
            elif now - started > settings.PORTAL_SESSION_MAX_SECONDS:
                message = SESSION_TOO_OLD
            if message:
                logout(request)
                messages.info(request, message)
                return redirect_to_login(request.get_full_path())
            if now - last >= 30 or "portal.seen" not in session:
                session["portal.seen"] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class PrivatePageCacheMiddleware:
    """Anything served to a logged-in person is private: never stored by a browser or proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
            patch_vary_headers(response, ["Cookie"])
        return response


def staff_mfa_required(view):
    """Marks a page outside /admin/ that shows staff something the public does not see
    (a draft's preview, say): `StaffMFAMiddleware` then holds staff to the same second
    factor as in the admin before the view runs. The check itself lives only there."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapped.portal_staff_mfa_required = True
    return wrapped


def staff_needs_mfa(user) -> bool:
    """A staff account that has not set up its second factor yet."""
    return bool(
        settings.PORTAL_STAFF_MFA_REQUIRED
        and user is not None
        and user.is_authenticated
        and user.is_staff
        and not user_has_mfa(user)
    )


class StaffMFAMiddleware:
    """Every staff page needs an account with a second factor set up (allauth.mfa does not
    force anyone to enrol): every admin page, and every page elsewhere marked with
    `staff_mfa_required`. Until then a staff user is sent to set up TOTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _refuse(self, request):
        messages.warning(request, STAFF_MFA_REQUIRED_MESSAGE)
        return redirect(reverse("mfa_activate_totp"))

    def __call__(self, request):
        if request.path.startswith("/admin/") and staff_needs_mfa(request.user):
            return self._refuse(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "portal_staff_mfa_required", False) and staff_needs_mfa(request.user):
            return self._refuse(request)
        return None


PDF_FAILED = _("The PDF could not be made just now. Please try again later.")


class PDFErrorMiddleware:
    """A PDF that cannot be made (too big, too slow, hostile content) is a clear 503 page,
    not a crash."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from portal.pdf import PDFRenderError

        if isinstance(exception, PDFRenderError):
            logger.warning("PDF not made for %s: %s", request.path, exception)
            return render(request, "503.html", {"message": PDF_FAILED}, status=503)
        return None


class ThrottledUserSessionsMiddleware:
    """allauth's session record (`/accounts/sessions/`), written at most once a minute per
    session, and at once when the address or browser changes; otherwise every logged-in
    request would write to the database."""

    INTERVAL = 60

    def __init__(self, get_response):
        from allauth.usersessions.middleware import UserSessionsMiddleware

        self.get_response = get_response
        self.track = UserSessionsMiddleware(get_response)

    def __call__(self, request):
        from allauth.account.adapter import get_adapter

        user, session = getattr(request, "user", None), getattr(request, "session", None)
        if (
            user is not None
            and session is not None
            and user.is_authenticated
            and session.session_key
        ):
            seen = [
                get_adapter().get_client_ip(request),
                request.META.get("HTTP_USER_AGENT", "")[:200],
            ]
            last, now = session.get("portal.usersession"), int(time.time())
            if last and last[1:] == seen and now - last[0] < self.INTERVAL:
                return self.get_response(request)
            session["portal.usersession"] = [now, *seen]
        return self.track(request)
