"""GoCardless's webhooks: `POST /webhooks/gocardless/`.

GoCardless signs each delivery: the `Webhook-Signature` header is the hex HMAC-SHA256 of the
raw body with the endpoint's secret (`GOCARDLESS_WEBHOOK_SECRET`). The client library's
`gocardless_pro.webhooks.parse` checks it with `hmac.compare_digest` and parses the events.
A missing or wrong signature (or no secret configured) answers 498, GoCardless's documented
"invalid token" status, and nothing is read or stored.

A delivery holds one or more events. Each is stored once (`ProviderEvent`, unique per
provider and event id) and processed in its own transaction, in the same transaction as
its row: an event seen before is acknowledged and skipped; an event whose processing
raised is kept with its outcome and not marked processed, the others still commit, and the
delivery answers 500 so that GoCardless sends it again (events already processed are then
skipped, the failed one tried again). Unknown resource types and actions are stored,
acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from gocardless_pro import webhooks as gc_webhooks
from gocardless_pro.errors import InvalidSignatureError

from portal.communications.notifications import absolute_url, notification_send

from . import history, mandates
from .models import (
    Collection,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Provider,
    ProviderEvent,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # GoCardless batches at most a few hundred small events
INVALID_TOKEN = 498  # GoCardless's documented answer to a bad signature

# Payment failures worth collecting again (the bureau's ARUDD 0, "refer to payer"); every
# other cause (no mandate, account closed, a claim) is not re-presented.
RETRYABLE_CAUSES = frozenset({"insufficient_funds", "refer_to_payer"})
# GoCardless causes in the Bacs reason codes the bureau's reports use, so that one unpaid
# collection reads the same whichever provider collected it.
BACS_CODE_FOR_CAUSE = {
    "insufficient_funds": "0",
    "refer_to_payer": "0",
    "mandate_cancelled": "1",
    "authorisation_disputed": "1",
    "bank_account_transferred": "3",
    "bank_account_closed": "B",
    "mandate_expired": "1",
    "invalid_bank_details": "5",
    "payer_death": "2",
}
MANDATE_LIVE_ACTIONS = {"submitted", "active"}
MANDATE_END_ACTIONS = {
    "cancelled": MandateStatus.CANCELLED,
    "expired": MandateStatus.CANCELLED,
    "failed": MandateStatus.FAILED,
}


def bacs_code(details: dict) -> str:
    """A one- or two-character Bacs reason code for a GoCardless failure: the code itself
    when GoCardless gives one ("ARUDD-0" → "0"), else the cause's."""
    reason_code = str(details.get("reason_code") or "")
    if "-" in reason_code and reason_code.split("-", 1)[0] in ("ARUDD", "ADDACS", "AUDDIS"):
        return reason_code.split("-", 1)[1][:2]
    return BACS_CODE_FOR_CAUSE.get(str(details.get("cause") or ""), "")


def _description(details: dict, fallback: str) -> str:
    return (str(details.get("description") or "") or fallback)[:200]


# --- What each event does ---------------------------------------------------------------------


def mandate_ended(mandate: Mandate, *, status: str, reason: str) -> None:
    """A mandate GoCardless (or the payer's bank) ended: its scheduled collections are
    cancelled, the history says why, and the member is told unless the union asked for
    it. The caller holds the mandate's row lock."""
    asked = mandate.status in (MandateStatus.CANCELLING, MandateStatus.CANCELLED)
    old = mandate.get_status_display()
    mandate.status = status
    mandate.cancelled_at = mandate.cancelled_at or timezone.now()
    if not asked:
        mandate.end_reason = reason[:200]
    mandate.save(update_fields=["status", "cancelled_at", "end_reason"])
    scheduled = Collection.objects.select_for_update().filter(
        mandate=mandate, status=CollectionStatus.SCHEDULED
    )
    cancelled = scheduled.update(status=CollectionStatus.CANCELLED)
    history.record(
        membership=mandate.membership,
        actor=None,
        field="mandate",
        old=old,
        new=f"{mandate.get_status_display()}: {reason}"
        if not asked
        else mandate.get_status_display(),
    )
    if cancelled:
        history.record(
            membership=mandate.membership,
            actor=None,
            field="collections",
            new=f"{cancelled} scheduled collection(s) cancelled",
        )
    if status != MandateStatus.ACTIVE:
        mandates.direct_debit_stopped_unless_live(membership=mandate.membership, actor=None)
    if not asked:
        notification_send(
            user=mandate.membership.user,
            kind="subscription_direct_debit_stopped",
            context={"url": absolute_url(reverse("membership:subscription"))},
        )


def _mandate_event(action: str, links: dict, details: dict) -> str:
    provider_id = str(links.get("mandate") or "")
    mandate = (
        Mandate.objects.select_for_update()
        .select_related("membership__user")
        .filter(provider=Provider.GOCARDLESS, provider_id=provider_id)
        .first()
        if provider_id
        else None
    )
    if mandate is None:
        return "unknown mandate"
    if action in MANDATE_LIVE_ACTIONS:
        if mandate.status != MandateStatus.PENDING:
            return f"mandate already {mandate.status}"
        mandate.status = MandateStatus.ACTIVE
        mandate.lodged_at = timezone.now()
        mandate.save(update_fields=["status", "lodged_at"])
        history.record(
            membership=mandate.membership,
            actor=None,
            field="mandate",
            old=MandateStatus.PENDING.label,
            new=MandateStatus.ACTIVE.label,
        )
        return "mandate active"
    if action in MANDATE_END_ACTIONS:
        status = MANDATE_END_ACTIONS[action]
        if mandate.status == status:
            return f"mandate already {status}"
        mandate_ended(
            mandate,
            status=status,
            reason=_description(details, "The Direct Debit was ended by the bank"),
        )
        return f"mandate {status}"
    if action == "replaced":
        new_id = str(links.get("new_mandate") or "")
        if not new_id:
            return "replaced without a new mandate"
        mandate.provider_id = new_id[:40]
        mandate.save(update_fields=["provider_id"])
        return "mandate replaced"
    return f"mandate {action}: nothing to do"


def _returned_unpaid(collection: Collection, details: dict, *, may_represent: bool) -> None:
    from .arrears import collection_returned_unpaid

    collection_returned_unpaid(
        collection=collection,
        code=bacs_code(details),
        reason=_description(details, "The payment was not made"),
        may_represent=may_represent,
        actor=None,
    )


def _payment_event(action: str, links: dict, details: dict) -> str:
    provider_id = str(links.get("payment") or "")
    collection = (
        Collection.objects.select_for_update()
        .select_related("membership")
        .filter(provider_id=provider_id, mandate__provider=Provider.GOCARDLESS)
        .first()
        if provider_id
        else None
    )
    if collection is None:
        return "unknown payment"
    status = collection.status
    if action == "submitted":
        if status != CollectionStatus.SCHEDULED:
            return f"collection already {status}"
        collection.status = CollectionStatus.SUBMITTED
        collection.save(update_fields=["status"])
        return "collection submitted"
    if action in ("confirmed", "paid_out"):
        if status not in (CollectionStatus.SCHEDULED, CollectionStatus.SUBMITTED):
            return f"collection already {status}"
        collection.status = CollectionStatus.PAID
        collection.paid_at = timezone.now()
        collection.save(update_fields=["status", "paid_at"])
        history.record(
            membership=collection.membership,
            actor=None,
            field="collection",
            old=CollectionStatus(status).label,
            new=f"Paid £{collection.amount:.2f}",
            effective_on=collection.due_on,
        )
        return "collection paid"
    if action in ("failed", "charged_back"):
        if status not in (
            CollectionStatus.SCHEDULED,
            CollectionStatus.SUBMITTED,
            CollectionStatus.PAID,
        ):
            return f"collection already {status}"
        cause = str(details.get("cause") or "")
        may_represent = (
            action == "failed"
            and cause in RETRYABLE_CAUSES
            and not details.get("will_attempt_retry")  # GoCardless retries it itself
        )
        _returned_unpaid(collection, details, may_represent=may_represent)
        return "collection unpaid"
    if action == "cancelled":
        if status not in (CollectionStatus.SCHEDULED, CollectionStatus.SUBMITTED):
            return f"collection already {status}"
        collection.status = CollectionStatus.CANCELLED
        collection.save(update_fields=["status"])
        history.record(
            membership=collection.membership,
            actor=None,
            field="collection",
            old=CollectionStatus(status).label,
            new=f"{CollectionStatus.CANCELLED.label}: {_description(details, '')}".rstrip(": "),
            effective_on=collection.due_on,
        )
        return "collection cancelled"
    return f"payment {action}: nothing to do"


HANDLERS = {"mandates": _mandate_event, "payments": _payment_event}


def event_process(event: dict) -> tuple[str, bool]:
    """Store one event once and process it: (outcome, processed_ok)."""
    event_id = str(event.get("id") or "")[:60]
    if not event_id:
        return "event without an id: ignored", True
    resource_type = str(event.get("resource_type") or "")[:40]
    action = str(event.get("action") or "")[:60]
    links = event.get("links") if isinstance(event.get("links"), dict) else {}
    details = event.get("details") if isinstance(event.get("details"), dict) else {}
    try:
        with transaction.atomic():
            row, created = ProviderEvent.objects.select_for_update().get_or_create(
                provider=Provider.GOCARDLESS,
                event_id=event_id,
                defaults={"resource_type": resource_type, "action": action},
            )
            if not created and row.processed_at is not None:
                return "seen before", True
            handler = HANDLERS.get(resource_type)
            try:
                with transaction.atomic():
                    outcome = handler(action, links, details) if handler else "ignored"
            except Exception as error:  # noqa: BLE001 - kept, reported, tried again
                logger.exception("GoCardless event %s could not be processed", event_id)
                row.outcome = f"error: {type(error).__name__}"[:200]
                row.save(update_fields=["outcome"])
                return row.outcome, False
            row.outcome = outcome[:200]
            row.processed_at = timezone.now()
            row.save(update_fields=["outcome", "processed_at"])
            return outcome, True
    except IntegrityError:  # delivered twice at the same moment: the other one has it
        return "seen before", True


def _signed(body: bytes, secret: str, signature: str) -> bool:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.encode("latin-1", "replace"), digest.encode())


def _bad_signature(reason: str) -> HttpResponse:
    logger.warning("GoCardless webhook refused: %s", reason)
    return HttpResponse("Invalid signature", status=INVALID_TOKEN, content_type="text/plain")


@csrf_exempt
def gocardless_webhook(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return HttpResponse("Too large", status=413, content_type="text/plain")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return HttpResponse("Too large", status=413, content_type="text/plain")
    signature = request.headers.get("Webhook-Signature", "")
    secret = settings.GOCARDLESS_WEBHOOK_SECRET
    if not secret:
        return _bad_signature("GOCARDLESS_WEBHOOK_SECRET is not set")
    if not signature:
        return _bad_signature("no Webhook-Signature header")
    try:
        # Checks the signature (hmac.compare_digest) before it reads anything.
        gc_webhooks.parse(body, secret, signature)
        events = json.loads(body.decode("utf-8"))["events"]
        if not isinstance(events, list):
            raise TypeError
    except InvalidSignatureError:
        return _bad_signature("the signature does not match")
    except (ValueError, KeyError, TypeError, AttributeError):
        if not _signed(body, secret, signature):
            return _bad_signature("the signature does not match")
        return JsonResponse({"error": "The body is not a GoCardless webhook."}, status=400)
    results = []
    all_ok = True
    for event in events:
        if not isinstance(event, dict):
            results.append({"id": "", "outcome": "not an event: ignored"})
            continue
        outcome, ok = event_process(event)
        all_ok = all_ok and ok
        results.append({"id": str(event.get("id") or "")[:60], "outcome": outcome})
    return JsonResponse({"events": results}, status=200 if all_ok else 500)
