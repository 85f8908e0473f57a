"""Members paying by Direct Debit through the bureau, for the bureau's tests."""

from __future__ import annotations

import itertools
from datetime import date

from subscriptions.models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
    Provider,
)
from tests.factories import MembershipFactory, UserFactory

_refs = itertools.count(1)

# Valid by the modulus rules (Vocalink's published examples).
ACCOUNTS = [
    ("089999", "66374958"),
    ("107999", "88837491"),
    ("202959", "63748472"),
    ("871427", "46238510"),
    ("938611", "07806039"),
]


def mandate(
    membership=None,
    *,
    status=MandateStatus.PENDING,
    provider=Provider.BUREAU,
    account=0,
    holder=None,
    reference=None,
) -> Mandate:
    if membership is None:
        membership = MembershipFactory(user=UserFactory(first_name="Owen", last_name="Price"))
    PaymentArrangement.objects.update_or_create(
        membership=membership, defaults={"method": Method.DIRECT_DEBIT}
    )
    sort_code, number = ACCOUNTS[account % len(ACCOUNTS)]
    return Mandate.objects.create(
        membership=membership,
        provider=provider,
        reference=reference or f"EDU{membership.number}{next(_refs):03d}"[:18],
        account_holder=holder or f"{membership.user.first_name} {membership.user.last_name}",
        sort_code=sort_code,
        account_number=number,
        account_last2=number[-2:],
        status=status,
    )


def collection(
    m: Mandate,
    *,
    due_on: date,
    amount_pence=2150,
    kind=CollectionKind.REGULAR,
    status=CollectionStatus.SCHEDULED,
    period_start: date | None = None,
    **extra,
) -> Collection:
    start = period_start or due_on.replace(day=1)
    return Collection.objects.create(
        membership=m.membership,
        method=Method.DIRECT_DEBIT,
        mandate=m,
        kind=kind,
        status=status,
        due_on=due_on,
        period_start=start,
        period_end=start,
        amount_pence=amount_pence,
        **extra,
    )
