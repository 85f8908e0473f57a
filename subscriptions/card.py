"""Card payments, for arrears and one-off payments only, through one provider interface
(`CARD_PROVIDER`). The demo provider records the intent and "succeeds" without charging
anything; every page that uses it says so.

Completing a payment settles the member's unpaid collections oldest first; what is left
over (a one-off payment larger than the arrears) stays recorded as paid. A member whose
membership lapsed for non-payment only and who is now clear is not reactivated by the
software: the membership officers are told, and they (or the member, at /me/rejoin/)
reinstate the membership, so that a lapse and its return stay a person's decision.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import Role
from portal.communications.notifications import absolute_url, notification_send

from . import history
from .arrears import arrears_for, lapsed_for_arrears
from .collections import money
from .models import (
    CardPayment,
    CardPaymentStatus,
    Collection,
    CollectionStatus,
    PaymentNotice,
    PaymentNoticeKind,
)

MIN_PENCE = 100
MAX_PENCE = 100_000

AMOUNT_RANGE = _("Enter an amount between £1.00 and £1,000.00.")
NOTHING_OWED = _("You owe nothing: there are no arrears to pay.")


class CardError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


@dataclass(frozen=True)
class Intent:
    intent_id: str
    redirect_url: str | None  # where the member pays; None: the portal's own page


class CardProvider(Protocol):
    name: str
    is_demo: bool

    def create_intent(self, *, membership, amount_pence: int, description: str) -> Intent: ...

    def confirm(self, intent_id: str) -> str:
        """The payment's status at the provider: a CardPaymentStatus value."""


class DemoCardProvider:
    """Records intents and reports them paid when confirmed. No card is charged and no card
    detail is asked for or stored."""

    name = "demo"
    is_demo = True

    def create_intent(self, *, membership, amount_pence: int, description: str) -> Intent:
        return Intent(intent_id=f"demo_{secrets.token_urlsafe(18)}", redirect_url=None)

    def confirm(self, intent_id: str) -> str:
        return CardPaymentStatus.SUCCEEDED


CARD_PROVIDERS = {"demo": DemoCardProvider}


def card_provider(name: str | None = None) -> CardProvider:
    name = name or settings.CARD_PROVIDER
    try:
        return CARD_PROVIDERS[name]()
    except KeyError:
        raise LookupError(f"CARD_PROVIDER must be one of {sorted(CARD_PROVIDERS)}") from None


def amount_problem(amount_pence: int) -> str | None:
    if not MIN_PENCE <= amount_pence <= MAX_PENCE:
        return str(AMOUNT_RANGE)
    return None


@transaction.atomic
def card_payment_start(*, actor, membership, amount_pence: int | None = None) -> CardPayment:
    """A payment of `amount_pence` (the whole arrears when None) is started at the card
    provider."""
    if amount_pence is None:
        amount_pence = arrears_for(membership).total_pence
        if amount_pence <= 0:
            raise CardError(NOTHING_OWED)
    problem = amount_problem(amount_pence)
    if problem:
        raise CardError(problem)
    provider = card_provider()
    intent = provider.create_intent(
        membership=membership,
        amount_pence=amount_pence,
        description=f"Subscription payment, membership {membership.number}",
    )
    payment = CardPayment.objects.create(
        membership=membership,
        amount_pence=amount_pence,
        provider=provider.name,
        intent_id=intent.intent_id,
        created_by=actor if actor is not None and actor.pk else None,
    )
    payment.redirect_url = intent.redirect_url
    return payment


@transaction.atomic
def card_payment_complete(*, intent_id: str, actor) -> CardPayment:
    """The provider says the payment went through: settle the member's unpaid
    collections oldest first. Confirming twice settles once."""
    payment = (
        CardPayment.objects.select_for_update()
        .select_related("membership__user")
        .get(intent_id=intent_id)
    )
    if payment.status != CardPaymentStatus.CREATED:
        return payment
    status = card_provider(payment.provider).confirm(intent_id)
    membership = payment.membership
    if status != CardPaymentStatus.SUCCEEDED:
        payment.status = CardPaymentStatus.FAILED
        payment.save(update_fields=["status"])
        return payment
    now = timezone.now()
    payment.status, payment.settled_at = CardPaymentStatus.SUCCEEDED, now
    payment.save(update_fields=["status", "settled_at"])
    history.record(
        membership=membership,
        actor=actor,
        field="card_payment",
        new=f"{money(payment.amount_pence)} paid by card",
        effective_on=timezone.localdate(),
    )
    left = payment.amount_pence
    settled = []
    unpaid = Collection.objects.select_for_update().filter(
        membership=membership, status=CollectionStatus.UNPAID
    )
    for c in sorted(unpaid, key=lambda c: (c.due_on, c.pk)):
        if c.amount_pence > left:
            break  # a part payment settles whole months only; the rest stays owed
        left -= c.amount_pence
        c.status, c.settled_by, c.paid_at = CollectionStatus.SETTLED, payment, now
        c.save(update_fields=["status", "settled_by", "paid_at"])
        settled.append(c)
    if settled:
        owed = arrears_for(membership)
        history.record(
            membership=membership,
            actor=actor,
            field="arrears",
            old=f"{money(owed.total_pence + sum(c.amount_pence for c in settled))} owed",
            new=f"{money(owed.total_pence)} owed",
            effective_on=timezone.localdate(),
        )
        if not owed and lapsed_for_arrears(membership):
            _tell_officers_cleared(membership)
    return payment


def _tell_officers_cleared(membership) -> None:
    """A member lapsed for non-payment has paid everything: the membership officers
    decide on reinstating (once per lapse)."""
    from django.contrib.auth.models import Group

    _, created = PaymentNotice.objects.get_or_create(
        membership=membership,
        kind=PaymentNoticeKind.CLEARED,
        for_date=membership.status_changed_at.date(),
    )
    if not created:
        return
    group = Group.objects.filter(name=Role.MEMBERSHIP_OFFICER).first()
    if group is None:
        return
    url = absolute_url(reverse("admin:accounts_membership_change", args=[membership.pk]))
    for officer in group.user_set.filter(is_active=True):
        notification_send(
            user=officer,
            kind="staff_subscription_lapsed_member_cleared",
            context={"number": membership.number, "url": url},
        )
