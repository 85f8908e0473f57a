"""Demo members in arrears (`seed()`, called after membership's demo): Priya Shah pays by
Direct Debit and owes last month's subscription (returned "refer to payer", collected again
and returned again); Daniel Brooks lapsed for non-payment after three unpaid months. The
demo bank details are made up. Safe to run again."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from membership import services as membership_services
from portal.accounts import demo as accounts_demo
from portal.accounts.choices import Hours, JobRole, MembershipStatus

from .arrears import arrears_for, collection_returned_unpaid
from .collections import add_months, collection_date, pence
from .models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
)

REFER_TO_PAYER = ("0", "Refer to payer")

# (first, last, employer, town, postcode, region, sort code, account, months unpaid)
MEMBERS = [
    ("Priya", "Shah", "Camden Council", "London", "NW1 2RU", "london", "200000", "55779911", 1),
    ("Daniel", "Brooks", "Leeds City Council", "Leeds", "LS1 1UR", "yorkshire-humber", "200000",
     "66374958", 3),
]  # fmt: skip


def _member(first, last, employer, town, postcode, region):
    email = f"{first}.{last}".lower() + "@members.demo.example"
    user = accounts_demo._user(email, first, last)
    return accounts_demo._membership(
        user, employer, town, JobRole.TEACHER, Hours.FULL_TIME, postcode, region
    )


def _month_collection(membership, mandate, month_start: date, kind, status) -> Collection:
    from membership import selectors

    last_day = calendar.monthrange(month_start.year, month_start.month)[1]
    return Collection.objects.create(
        membership=membership,
        method=Method.DIRECT_DEBIT,
        mandate=mandate,
        kind=kind,
        status=status,
        due_on=collection_date(month_start.year, month_start.month),
        period_start=month_start,
        period_end=month_start.replace(day=last_day),
        amount_pence=pence(selectors.quote_on(membership, month_start).amount),
        paid_at=timezone.now() if status == CollectionStatus.PAID else None,
    )


def _returned_twice(collection: Collection) -> None:
    """Returned, collected again a week later, and returned again: now owed."""
    again = collection_returned_unpaid(
        collection=collection, code=REFER_TO_PAYER[0], reason=REFER_TO_PAYER[1], may_represent=True
    )
    if again is None:
        return
    Collection.objects.filter(pk=again.pk).update(
        due_on=collection.due_on + timedelta(days=7), status=CollectionStatus.SUBMITTED
    )
    again.refresh_from_db()
    collection_returned_unpaid(
        collection=again, code=REFER_TO_PAYER[0], reason=REFER_TO_PAYER[1], may_represent=True
    )


@transaction.atomic
def seed() -> None:
    today = timezone.localdate()
    this_month = today.replace(day=1)
    for first, last, employer, town, postcode, region, sort_code, account, owed in MEMBERS:
        membership = _member(first, last, employer, town, postcode, region)
        if membership.collections.exists() or membership.status != MembershipStatus.ACTIVE:
            continue
        PaymentArrangement.objects.update_or_create(
            membership=membership, defaults={"method": Method.DIRECT_DEBIT}
        )
        mandate = Mandate.objects.create(
            membership=membership,
            provider="bureau",
            reference=f"DEMO{membership.number}"[:18],
            account_holder=f"{first} {last}",
            sort_code=sort_code,
            account_number=account,
            account_last2=account[-2:],
            status=MandateStatus.ACTIVE,
            lodged_at=timezone.now() - timedelta(days=200),
        )
        months = [add_months(this_month, -n) for n in range(owed + 2, 0, -1)]
        for i, month in enumerate(months):
            kind = CollectionKind.FIRST if i == 0 else CollectionKind.REGULAR
            paid = i < len(months) - owed
            c = _month_collection(
                membership,
                mandate,
                month,
                kind,
                CollectionStatus.PAID if paid else CollectionStatus.SUBMITTED,
            )
            if not paid:
                _returned_twice(c)
        if owed >= 3:
            summary = arrears_for(membership)
            membership_services.membership_lapse_for_arrears(
                membership=membership, months=summary.months_unpaid, effective_on=today
            )
