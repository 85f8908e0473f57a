"""Demo data for payroll deduction (`seed()`, called from the subscriptions demo after
accounts' and membership's): the demo rep (rep@demo.example) pays through their salary at
their school; last month's check-off schedule for that employer is reconciled (deducted in
full) and this month's is waiting for the employer's return. Safe to run again."""

from __future__ import annotations

from django.utils import timezone

from portal.accounts.models import Membership, User

from . import checkoff
from .collections import add_months, money
from .models import Method, PaymentArrangement

DEMO_EMAIL = "rep@demo.example"
DEMO_PAYROLL_NUMBER = "RP-4471"
OFFICER_EMAIL = "membership@demo.example"


def seed() -> None:
    membership = (
        Membership.objects.select_related("employer").filter(user__email=DEMO_EMAIL).first()
    )
    if membership is None:
        return
    arrangement = PaymentArrangement.objects.filter(membership=membership).first()
    if arrangement is None or arrangement.method != Method.PAYROLL:
        checkoff.payroll_set_up(
            actor=membership.user,
            membership=membership,
            employer=membership.employer,
            payroll_number=DEMO_PAYROLL_NUMBER,
        )
    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    this_month = timezone.localdate().replace(day=1)
    last_month = add_months(this_month, -1)
    for schedule in checkoff.checkoff_schedules_build(month=last_month, actor=officer):
        if schedule.employer_id != membership.employer_id or schedule.reconciled_at:
            continue
        rows = ["Membership number,Amount deducted"] + [
            f"{c.membership.number},{money(c.amount_pence).lstrip('£')}"
            for c in checkoff.schedule_lines(schedule)
        ]
        checkoff.checkoff_reconcile(
            actor=officer, schedule=schedule, data=("\r\n".join(rows) + "\r\n").encode()
        )
    checkoff.checkoff_schedules_build(month=this_month, actor=officer)
