"""Demo data for the member's Direct Debit (`seed_demo`): the demo member
(member@demo.example) pays by Direct Debit through an active mandate, with the last few
monthly collections paid and the next one scheduled. Safe to run again: nothing is added
twice. `seed()` adds the other ways of paying (demo_arrears, demo_checkoff, demo_bureau)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Membership

from . import history, mandates
from .collections import collection_date
from .models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
)

DEMO_EMAIL = "member@demo.example"
# Bank details that pass the UK modulus check (Vocalink's published example for 20-29-59).
DEMO_SORT_CODE = "202959"
DEMO_ACCOUNT = "63748472"
PAID_MONTHS = 4


def _month_start(day: date, months_back: int) -> date:
    year, month = day.year, day.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _month_end(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def seed() -> None:
    """Every way of paying in the demo: the demo member by Direct Debit, a member paying
    through their salary (check-off), one in arrears, one lapsed for non-payment, and the
    bureau's files and reports."""
    from . import demo_arrears, demo_bureau, demo_checkoff

    seed_direct_debit()
    demo_arrears.seed()
    demo_checkoff.seed()
    demo_bureau.seed()


@transaction.atomic
def seed_direct_debit() -> None:
    from membership.selectors import quote_on

    membership = Membership.objects.filter(user__email=DEMO_EMAIL).first()
    if membership is None:
        return
    today = timezone.localdate()
    mandate = Mandate.objects.filter(membership=membership).order_by("created_at").first()
    first_month = _month_start(today, PAID_MONTHS)
    if mandate is None:
        set_up_at = timezone.now() - timedelta(days=31 * PAID_MONTHS + 20)
        first_on = collection_date(first_month.year, first_month.month)
        mandate = Mandate.objects.create(
            membership=membership,
            provider=settings.SUBSCRIPTIONS_PROVIDER,
            reference=mandates._new_reference(membership),
            account_holder=membership.user.get_full_name() or "Demo Member",
            sort_code=DEMO_SORT_CODE,
            account_number=DEMO_ACCOUNT,
            account_last2=DEMO_ACCOUNT[-2:],
            status=MandateStatus.ACTIVE,
            created_at=set_up_at,
            created_by=membership.user,
            first_collection_on=first_on,
            lodged_at=set_up_at + timedelta(days=3),
        )
        history.record(
            membership=membership,
            actor=membership.user,
            field=mandates.HISTORY_FIELD,
            new=f"Set up, account ending {mandate.account_last2} (reference {mandate.reference})",
            effective_on=first_on,
        )
    arrangement, _ = PaymentArrangement.objects.get_or_create(membership=membership)
    if arrangement.method != Method.DIRECT_DEBIT:
        arrangement.method = Method.DIRECT_DEBIT
        arrangement.save(update_fields=["method"])

    # The last months paid, then the next collection scheduled.
    for back in range(PAID_MONTHS, -2, -1):
        start = _month_start(today, back) if back >= 0 else _month_start(today, 0)
        if back < 0:
            start = _month_end(start) + timedelta(days=1)
        due_on = collection_date(start.year, start.month)
        if due_on < today:
            status, paid_at = CollectionStatus.PAID, timezone.now() - (today - due_on)
        else:
            status, paid_at = CollectionStatus.SCHEDULED, None
        if (
            status == CollectionStatus.SCHEDULED
            and Collection.objects.filter(
                membership=membership, status=CollectionStatus.SCHEDULED
            ).exists()
        ):
            continue
        Collection.objects.get_or_create(
            membership=membership,
            period_start=start,
            represents=None,
            defaults={
                "method": Method.DIRECT_DEBIT,
                "mandate": mandate,
                "kind": CollectionKind.FIRST if back == PAID_MONTHS else CollectionKind.REGULAR,
                "status": status,
                "due_on": due_on,
                "period_end": _month_end(start),
                "amount_pence": int(quote_on(membership, due_on).amount * 100),
                "paid_at": paid_at,
            },
        )
