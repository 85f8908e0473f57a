"""Public endpoints: the one-click unsubscribe page and the signed bounce webhook."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.selectors import has_consent

from . import conf, services
from .models import Feedback
from .tokens import InvalidToken

WEBHOOK_SIGNATURE_HEADER = "X-Portal-Signature"
WEBHOOK_BAD_SIGNATURE = "The signature does not match."
WEBHOOK_BAD_BODY = (
    'Expected JSON: {"email": "...", "event": "hard_bounce" | "soft_bounce" | "complaint", '
    '"reason": "...", "message_id": "<...>"}.'
)
WEBHOOK_MAX_BODY = 64 * 1024


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * 3}@{domain}" if domain else "•••"


def _private(response):
    add_never_cache_headers(response)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Mail clients send the one-click POST (RFC 8058) with no cookie and no CSRF token: the
# signed token in the address is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        found = services.unsubscribe_check(token=token)
    except InvalidToken:
        return _private(render(request, "communications/unsubscribe_invalid.html", status=400))
    if request.method == "POST":
        result = services.unsubscribe(token=token)
        return _private(render(request, "communications/unsubscribe_done.html", {"result": result}))
    return _private(
        render(
            request,
            "communications/unsubscribe.html",
            {
                "found": found,
                "subscribed": has_consent(found.user, found.kind),
                "masked_email": mask_email(found.user.email),
                "token": token,
            },
        )
    )


@csrf_exempt
@require_POST
def feedback_webhook(request):
    """Bounces and complaints from the mail provider, signed with HMAC-SHA256 over the body
    with COMMUNICATIONS_WEBHOOK_SECRET. Off (404) until a secret is configured."""
    secret = conf.webhook_secret()
    if not secret:
        raise Http404
    if len(request.body) > WEBHOOK_MAX_BODY:
        return JsonResponse({"error": WEBHOOK_BAD_BODY}, status=413)
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    given = request.headers.get(WEBHOOK_SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": WEBHOOK_BAD_SIGNATURE}, status=403)
    try:
        data = json.loads(request.body)
        email, event = data["email"], data["event"]
        reason, message_id = data.get("reason", ""), data.get("message_id", "")
        if not all(isinstance(v, str) for v in (email, event, reason, message_id)):
            raise TypeError
        validate_email(email)
        if event not in Feedback.values:
            raise ValueError
    except (ValueError, KeyError, TypeError, ValidationError):
        return JsonResponse({"error": WEBHOOK_BAD_BODY}, status=400)
    status = services.address_feedback_record(
        email=email, event=event, reason=reason, message_id=message_id
    )
    return JsonResponse({"status": "recorded", "suppressed": status.suppressed})
