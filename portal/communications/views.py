"""Public endpoints: the one-click unsubscribe page and the signed bounce webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime

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
WEBHOOK_TIMESTAMP_HEADER = "X-Portal-Timestamp"
WEBHOOK_EVENT_ID_HEADER = "X-Portal-Event-Id"
WEBHOOK_BAD_SIGNATURE = "The signature does not match."
WEBHOOK_BAD_HEADERS = (
    "Send X-Portal-Event-Id (1 to 100 letters, digits, '.', '_', ':' or '-'), "
    "X-Portal-Timestamp (Unix seconds) and X-Portal-Signature."
)
WEBHOOK_STALE = "The timestamp is more than five minutes away from now: refused."
WEBHOOK_BAD_BODY = (
    'Expected JSON: {"email": "...", "event": "hard_bounce" | "soft_bounce" | "complaint", '
    '"reason": "...", "message_id": "<...>"}.'
)
_EVENT_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,100}")
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


def webhook_signature(*, secret: str, event_id: str, timestamp: str, body: bytes) -> str:
    """What the sender puts in X-Portal-Signature: HMAC-SHA256 with the shared secret over
    `<event id>.<timestamp>.<body>`, as hex, prefixed "sha256="."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def feedback_webhook(request):
    """Bounces and complaints from the mail provider. Each event carries an id and a
    timestamp, signed with the body (webhook_signature) under COMMUNICATIONS_WEBHOOK_SECRET;
    an event more than five minutes from now, or whose id was taken before, is refused.
    Off (404) until a secret is configured."""
    secret = conf.webhook_secret()
    if not secret:
        raise Http404
    if len(request.body) > WEBHOOK_MAX_BODY:
        return JsonResponse({"error": WEBHOOK_BAD_BODY}, status=413)
    event_id = request.headers.get(WEBHOOK_EVENT_ID_HEADER, "")
    timestamp = request.headers.get(WEBHOOK_TIMESTAMP_HEADER, "")
    if not _EVENT_ID_RE.fullmatch(event_id) or not re.fullmatch(r"[0-9]{1,12}", timestamp):
        return JsonResponse({"error": WEBHOOK_BAD_HEADERS}, status=400)
    expected = webhook_signature(
        secret=secret, event_id=event_id, timestamp=timestamp, body=request.body
    )
    given = request.headers.get(WEBHOOK_SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": WEBHOOK_BAD_SIGNATURE}, status=403)
    if abs(time.time() - int(timestamp)) > conf.webhook_tolerance():
        return JsonResponse({"error": WEBHOOK_STALE}, status=403)
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
    try:
        status = services.feedback_event_receive(
            event_id=event_id,
            signed_at=datetime.fromtimestamp(int(timestamp), tz=UTC),
            email=email,
            event=event,
            reason=reason,
            message_id=message_id,
        )
    except services.WebhookReplayed:
        return JsonResponse({"error": services.WEBHOOK_REPLAYED}, status=409)
    return JsonResponse({"status": "recorded", "suppressed": status.suppressed})
