"""Demo data for the bureau: Owen Price pays by Direct Debit; two collections paid, the third
returned unpaid by an ARUDD report (refer to payer), so the membership officer sees an
AUDDIS file and a collection file to download, a report, arrears, and an exception (an
ARUDD item for a reference the portal does not know). Idempotent: a second run adds
nothing."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.accounts import demo as accounts_demo
from portal.accounts.choices import Hours, JobRole
from portal.accounts.models import Membership, User

from . import bureau
from .bacs import calendar, reports
from .models import (
    BacsReport,
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
    Provider,
)

EMAIL = "owen.price@members.demo.example"
REFERENCE = "EDUDEMO0001OP"
AMOUNT_PENCE = 2_475
# A valid sort code and account (Vocalink's modulus examples), never a real person's.
SORT_CODE, ACCOUNT = "089999", "66374958"


def _owen() -> Membership:
    user = User.objects.filter(email=EMAIL).first()
    if user is not None and hasattr(user, "membership"):
        return user.membership
    user = accounts_demo._user(EMAIL, "Owen", "Price")
    return accounts_demo._membership(
        user, "Ysgol Gyfun Glan Taf", "Cardiff", JobRole.TEACHER, Hours.FULL_TIME, "CF14 2JL",
        "wales",
    )  # fmt: skip


def _month_starts(today: date, n: int) -> list[date]:
    """The first days of the n months before this one, oldest first."""
    starts = []
    year, month = today.year, today.month
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        starts.insert(0, date(year, month, 1))
    return starts


def seed() -> None:
    if BacsReport.objects.filter(filename="demo-arudd.xml").exists():
        return
    officer = User.objects.filter(email="membership@demo.example").first()
    today = timezone.localdate()
    with transaction.atomic():
        membership = _owen()
        PaymentArrangement.objects.update_or_create(
            membership=membership, defaults={"method": Method.DIRECT_DEBIT}
        )
        mandate = Mandate.objects.filter(reference=REFERENCE).first() or Mandate.objects.create(
            membership=membership,
            provider=Provider.BUREAU,
            reference=REFERENCE,
            account_holder="Owen Price",
            sort_code=SORT_CODE,
            account_number=ACCOUNT,
            account_last2=ACCOUNT[-2:],
            status=MandateStatus.PENDING,
            created_by=officer,
        )
        months = _month_starts(today, 3)
        # Each month's collection on its first processing day, written on its input day.
        for i, start in enumerate(months):
            due = (
                calendar.next_processing_day(start)
                if not calendar.is_processing_day(start)
                else start
            )
            Collection.objects.get_or_create(
                membership=membership,
                period_start=start,
                represents=None,
                defaults={
                    "method": Method.DIRECT_DEBIT,
                    "mandate": mandate,
                    "kind": CollectionKind.FIRST if i == 0 else CollectionKind.REGULAR,
                    "due_on": due,
                    "period_end": _period_end(start),
                    "amount_pence": AMOUNT_PENCE,
                },
            )
        first_input = bureau.input_day_of(
            Collection.objects.get(membership=membership, period_start=months[0]).due_on
        )
        bureau.auddis_file_write(actor=officer, today=first_input)
        for start in months:
            c = Collection.objects.get(membership=membership, period_start=start, represents=None)
            if c.bacs_file_id is None:
                bureau.collection_file_write(actor=officer, today=bureau.input_day_of(c.due_on))
        paid, unpaid = months[:2], months[2]
        Collection.objects.filter(
            membership=membership, period_start__in=paid, status=CollectionStatus.SUBMITTED
        ).update(status=CollectionStatus.PAID, paid_at=timezone.now())
        last = Collection.objects.select_related("bacs_file").get(
            membership=membership, period_start=unpaid, represents=None
        )
        items = [
            reports.ReturnedDebit(
                reference=REFERENCE,
                transaction_code=last.kind,
                amount_pence=last.amount_pence,
                return_code="0",
                return_description="REFER TO PAYER",
                original_processing_date=last.bacs_file.processing_date,
                payer_name="OWEN PRICE",
                payer_sort_code=SORT_CODE,
                payer_account_last2=ACCOUNT[-2:],
            ),
            # An item the portal cannot match: the officer's exception.
            reports.ReturnedDebit(
                reference="EDUOLD000042",
                transaction_code="17",
                amount_pence=1_890,
                return_code="B",
                return_description="ACCOUNT CLOSED",
                original_processing_date=last.bacs_file.processing_date,
                payer_name="A FORMER MEMBER",
                payer_sort_code="200000",
                payer_account_last2="17",
            ),
        ]
        data = reports.build_arudd(
            items,
            report_date=calendar.add_processing_days(last.bacs_file.processing_date, 3),
            service_user_number=settings.BACS_SERVICE_USER_NUMBER,
        )
        bureau.report_import(actor=officer, data=data, filename="demo-arudd.xml")


def _period_end(start: date) -> date:
    from datetime import timedelta

    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return nxt - timedelta(days=1)
