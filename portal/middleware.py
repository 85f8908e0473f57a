"""Cross-cutting request rules: security headers, no caching of private pages, and the
staff second-factor requirement."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from portal.accounts.selectors import user_has_mfa

logger = logging.getLogger(__name__)

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

STAFF_MFA_REQUIRED_MESSAGE = (
    "Staff accounts need two-factor authentication. Set up an authenticator app to "
    "continue to the admin."
)


SESSION_EXPIRED = "You were logged out because you were away for a while. Please log in again."
SESSION_TOO_OLD = "For your security, please log in again."


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


class StaffMFAMiddleware:
    """Every staff page needs an account with a second factor set up (allauth.mfa does not
    force anyone to enrol). Until then a staff user is sent to set up TOTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_STAFF_MFA_REQUIRED
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and request.user.is_staff
            and not user_has_mfa(request.user)
        ):
            messages.warning(request, STAFF_MFA_REQUIRED_MESSAGE)
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


PDF_FAILED = "The PDF could not be made just now. Please try again later."


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
