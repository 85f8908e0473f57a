"""The confirmation email of a new Direct Debit: queued by `mandates.mandate_set_up` with the
mandate's id only, sent through the portal's service notifications
(`portal.communications.notifications.notification_send`). It carries the mandate reference,
the first collection date and amount, the union's name and service user number and the
Guarantee's key promise; of the bank details, only "ending 78"."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from portal.communications.models import Delivery
from portal.communications.notifications import absolute_url, notification_send

from .models import Mandate

KIND = "subscription_mandate_set_up"


def mandate_confirmation_context(mandate: Mandate) -> dict:
    from membership.selectors import quote_on

    on = mandate.first_collection_on
    quote = quote_on(mandate.membership, on)
    return {
        "reference": mandate.reference,
        "last2": mandate.account_last2,
        "first_date": on.strftime("%-d %B %Y") if on else "",
        "amount": f"{quote.amount:.2f}",
        "annual": quote.frequency == "annual",
        "free": bool(quote.is_free),
        "union": settings.PORTAL_UNION_NAME,
        "statement_name": settings.BACS_SERVICE_USER_NAME,
        "sun": settings.BACS_SERVICE_USER_NUMBER,
        "url": absolute_url(reverse("membership:subscription")),
    }


@transaction.atomic
def mandate_confirmation_send(*, mandate_id: int) -> bool:
    """Send the confirmation once: a second run (a task delivered twice) sends nothing."""
    mandate = Mandate.objects.select_related("membership__user").filter(pk=mandate_id).first()
    if mandate is None:
        return False
    user = mandate.membership.user
    already = Delivery.objects.filter(
        user=user, notification=KIND, context__reference=mandate.reference
    ).exists()
    if already:
        return False
    notification_send(user=user, kind=KIND, context=mandate_confirmation_context(mandate))
    return True


@shared_task(
    name="subscriptions.mandate_confirmation_send",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def mandate_confirmation_task(mandate_id: int) -> bool:
    return mandate_confirmation_send(mandate_id=mandate_id)


# How far back the sweep looks for a mandate whose confirmation never went out.
SWEEP_DAYS = 3


def mandate_confirmations_sweep(*, now=None) -> int:
    """The nudge to send a confirmation is dropped when the broker is down at commit time
    (`portal.tasks.enqueue_on_commit`): every few minutes, send the confirmation of any
    recent mandate that has none. Two queries, whatever the number of mandates."""
    from datetime import timedelta

    from django.utils import timezone

    since = (now or timezone.now()) - timedelta(days=SWEEP_DAYS)
    recent = dict(Mandate.objects.filter(created_at__gte=since).values_list("reference", "pk"))
    if not recent:
        return 0
    told = set(
        Delivery.objects.filter(notification=KIND, created_at__gte=since).values_list(
            "context__reference", flat=True
        )
    )
    sent = 0
    for reference, pk in recent.items():
        if reference not in told and mandate_confirmation_send(mandate_id=pk):
            sent += 1
    return sent


@shared_task(name="subscriptions.mandate_confirmations_sweep", ignore_result=True)
def mandate_confirmations_sweep_task() -> int:
    return mandate_confirmations_sweep()
