"""Payroll deduction (check-off): the member names the employer that deducts their
subscription from their pay; each month the membership officer sends every such employer a
schedule (CSV) of whom to deduct and how much, and reconciles what the employer says it
deducted, line by line.

- `payroll_set_up`: the member's choice (PaymentArrangement.method = payroll), which stops a
  live Direct Debit (through its provider) so that nobody pays twice.
- `checkoff_schedules_build`: one schedule per employer and month (idempotent), linking that
  month's payroll collections (the collection engine makes them; missing ones are made
  here, with the same quotes).
- `checkoff_csv`: the employer's file. UTF-8 with a byte-order mark (the download adds it),
  so that Excel, which payroll teams open it in, shows Welsh and accented names right; a cell
  that a spreadsheet would read as a formula is prefixed with an apostrophe.
- `checkoff_reconcile`: the employer's return (membership or payroll number, amount
  deducted): paid in full → paid; less or nothing → unpaid (arrears; never re-presented: an
  employer's payroll is not a Direct Debit); lines the schedule does not know are listed.
  A malformed line refuses the whole file with its line number; nothing is changed. The
  same return twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import MembershipStatus

from . import history
from .collections import QuoteBook, money, period_for
from .models import (
    LIVE_MANDATE_STATUSES,
    CheckOffDownload,
    CheckOffReconciliation,
    CheckOffSchedule,
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
)

# Error messages are constants, so that tests assert the words people read.
PAYROLL_NUMBER_REQUIRED = _("Enter your payroll number (your employee number on your payslip).")
PAYROLL_NUMBER_INVALID = _(
    "A payroll number is up to 20 letters, digits, hyphens or slashes, as on your payslip."
)
NOT_ACTIVE = _("Only a current member can choose how to pay.")
RETURN_EMPTY = _("The file is empty.")
RETURN_NOT_TEXT = _("The file is not a CSV file saved as text (UTF-8).")
RETURN_NO_HEADER = _(
    "Line 1 must name the columns: a membership number or payroll number column, and an "
    "amount column."
)
RETURN_BAD_AMOUNT = _('Line %(line)s: "%(value)s" is not an amount in pounds, like 21.50.')
RETURN_NO_REFERENCE = _("Line %(line)s has neither a membership number nor a payroll number.")
RETURN_TOO_LARGE = _("The file is larger than %(kb)s KB: is it the right file?")

PAYROLL_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,19}$")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_RETURN_BYTES = 2 * 1024 * 1024
CSV_HEADER = ["Membership number", "Surname", "Forenames", "Payroll number", "Amount"]
OPEN_STATUSES = (CollectionStatus.SCHEDULED, CollectionStatus.SUBMITTED)


class CheckOffError(Exception):
    def __init__(self, message, *, lines: list[str] | None = None):
        super().__init__(str(message))
        self.message = message
        self.lines = lines or [str(message)]


def payroll_number_problem(value: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return str(PAYROLL_NUMBER_REQUIRED)
    if not PAYROLL_NUMBER_RE.match(value):
        return str(PAYROLL_NUMBER_INVALID)
    return None


def month_start(day: date) -> date:
    return day.replace(day=1)


# --- The member's choice -----------------------------------------------------------------------


@transaction.atomic
def payroll_set_up(*, actor, membership, employer, payroll_number: str) -> PaymentArrangement:
    """The member pays by payroll deduction at `employer`, under `payroll_number`. A live
    Direct Debit is cancelled through its provider, with its collections not yet sent."""
    from .providers import direct_debit_provider

    if membership.status != MembershipStatus.ACTIVE:
        raise CheckOffError(NOT_ACTIVE)
    problem = payroll_number_problem(payroll_number)
    if problem:
        raise CheckOffError(problem)
    payroll_number = payroll_number.strip().upper()
    arrangement, _created = PaymentArrangement.objects.select_for_update().get_or_create(
        membership=membership
    )
    old = arrangement.get_method_display()
    if arrangement.method == Method.PAYROLL and arrangement.payroll_employer_id:
        old = f"{old} ({arrangement.payroll_employer.label})"
    arrangement.method = Method.PAYROLL
    arrangement.payroll_employer = employer
    arrangement.payroll_number = payroll_number
    arrangement.changed_at = timezone.now()
    arrangement.save()
    new = f"{arrangement.get_method_display()} ({employer.label})"
    if old != new:
        history.record(membership=membership, actor=actor, field="payment method", old=old, new=new)
    for mandate in Mandate.objects.select_for_update().filter(
        membership=membership, status__in=LIVE_MANDATE_STATUSES
    ):
        provider = direct_debit_provider(mandate.provider)
        for collection in Collection.objects.select_for_update().filter(
            mandate=mandate, status=CollectionStatus.SCHEDULED
        ):
            collection.status = CollectionStatus.CANCELLED
            collection.save(update_fields=["status"])
            provider.collection_cancelled(collection)
        old_status = mandate.get_status_display()
        mandate.status = MandateStatus.CANCELLING
        mandate.cancel_requested_at = timezone.now()
        mandate.end_reason = "The member chose payroll deduction."
        mandate.save(update_fields=["status", "cancel_requested_at", "end_reason"])
        provider.mandate_cancelled(mandate)
        history.record(
            membership=membership,
            actor=actor,
            field="mandate",
            old=old_status,
            new=f"{mandate.get_status_display()}: the member chose payroll deduction",
        )
    return arrangement


# --- Schedules -----------------------------------------------------------------------------------


def _payroll_arrangements(employer_id=None):
    qs = PaymentArrangement.objects.filter(
        method=Method.PAYROLL,
        membership__status=MembershipStatus.ACTIVE,
        payroll_employer__isnull=False,
    )
    if employer_id is not None:
        qs = qs.filter(payroll_employer_id=employer_id)
    return qs


def checkoff_schedules_build(*, month: date, actor=None) -> list[CheckOffSchedule]:
    """One schedule per employer with payroll members for `month`, with that month's
    payroll collections linked and totalled. Safe to run again; a reconciled schedule is
    left as it is."""
    month = month_start(month)
    period = period_for(month, "monthly")
    employer_ids = list(
        _payroll_arrangements().order_by().values_list("payroll_employer_id", flat=True).distinct()
    )
    schedules = []
    for employer_id in sorted(employer_ids):
        with transaction.atomic():
            schedule, _ = CheckOffSchedule.objects.get_or_create(
                employer_id=employer_id, month=month, defaults={"created_by": actor}
            )
            schedule = CheckOffSchedule.objects.select_for_update().get(pk=schedule.pk)
            if schedule.reconciled_at is None:
                _fill(schedule, period)
            schedules.append(schedule)
    return schedules


def _fill(schedule: CheckOffSchedule, period) -> None:
    arrangements = list(
        _payroll_arrangements(schedule.employer_id).select_related("membership__user")
    )
    member_ids = [a.membership_id for a in arrangements]
    existing = {
        c.membership_id: c
        for c in Collection.objects.filter(
            membership_id__in=member_ids, period_start=schedule.month, represents=None
        ).exclude(status=CollectionStatus.CANCELLED)
    }
    missing = [a.membership for a in arrangements if a.membership_id not in existing]
    if missing:
        book = QuoteBook(missing)
        QuoteBook.reset()
        for membership in missing:
            amount = book.amount_pence(membership.pk, schedule.month)
            if amount <= 0:
                continue  # a free rate: nothing to deduct
            Collection.objects.create(
                membership=membership,
                method=Method.PAYROLL,
                kind=CollectionKind.REGULAR,
                due_on=period.due_on,
                period_start=period.start,
                period_end=period.end,
                amount_pence=amount,
                checkoff_schedule=schedule,
            )
    Collection.objects.filter(
        membership_id__in=member_ids,
        period_start=schedule.month,
        method=Method.PAYROLL,
        represents=None,
        checkoff_schedule=None,
    ).exclude(status=CollectionStatus.CANCELLED).update(checkoff_schedule=schedule)
    totals = schedule.collections.exclude(status=CollectionStatus.CANCELLED).aggregate(
        total=Sum("amount_pence")
    )
    schedule.total_pence = totals["total"] or 0
    schedule.line_count = schedule.collections.exclude(status=CollectionStatus.CANCELLED).count()
    schedule.save(update_fields=["total_pence", "line_count"])


def schedule_lines(schedule: CheckOffSchedule) -> list[Collection]:
    return list(
        schedule.collections.exclude(status=CollectionStatus.CANCELLED)
        .select_related("membership__user", "membership__payment")
        .order_by("membership__user__last_name", "membership__user__first_name", "pk")
    )


def _cell(value: str) -> str:
    value = str(value or "")
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def checkoff_csv(schedule: CheckOffSchedule) -> str:
    """The employer's schedule: one line per member, amounts in pounds with two decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for c in schedule_lines(schedule):
        user = c.membership.user
        arrangement = getattr(c.membership, "payment", None)
        writer.writerow(
            [
                c.membership.number,
                _cell(user.last_name),
                _cell(user.first_name),
                _cell(arrangement.payroll_number if arrangement else ""),
                f"{Decimal(c.amount_pence) / 100:.2f}",
            ]
        )
    return out.getvalue()


def checkoff_download_record(*, actor, schedule: CheckOffSchedule, ip: str | None = None):
    """Who downloaded an employer's schedule (it names members and their payroll numbers)."""
    return CheckOffDownload.objects.create(schedule=schedule, downloaded_by=actor, ip=ip)


# --- Reconciling the employer's return --------------------------------------------------------


@dataclass
class ReturnLine:
    line: int
    membership_number: str
    payroll_number: str
    amount_pence: int


@dataclass
class ReconcileResult:
    paid: list[int] = field(default_factory=list)  # collection ids
    short: list[int] = field(default_factory=list)  # deducted, but less than due
    not_deducted: list[int] = field(default_factory=list)
    unknown: list[dict] = field(default_factory=list)  # {"line", "reference", "amount"}
    deducted_pence: int = 0
    already_reconciled: bool = False

    def as_dict(self) -> dict:
        return {
            "paid": len(self.paid),
            "short": len(self.short),
            "not_deducted": len(self.not_deducted),
            "unknown": self.unknown,
            "deducted_pence": self.deducted_pence,
        }


HEADER_WORDS = {
    "membership": ("membership number", "membership no", "member number", "membership"),
    "payroll": ("payroll number", "payroll no", "employee number", "payroll", "employee no"),
    "amount": ("amount deducted", "deducted", "amount", "deduction"),
}


def _column(header: list[str], kind: str) -> int | None:
    cells = [h.strip().lower().lstrip("\ufeff") for h in header]
    for word in HEADER_WORDS[kind]:
        if word in cells:
            return cells.index(word)
    return None


def _amount_pence(text: str) -> int | None:
    text = text.strip().replace("£", "").replace(",", "").strip()
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def parse_return(data: bytes) -> list[ReturnLine]:
    """The employer's return, every line checked; CheckOffError lists every bad line."""
    if len(data) > MAX_RETURN_BYTES:
        raise CheckOffError(RETURN_TOO_LARGE % {"kb": MAX_RETURN_BYTES // 1024})
    if not data.strip():
        raise CheckOffError(RETURN_EMPTY)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CheckOffError(RETURN_NOT_TEXT) from None
    if "\x00" in text:
        raise CheckOffError(RETURN_NOT_TEXT)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise CheckOffError(RETURN_NOT_TEXT) from None
    header = rows[0] if rows else []
    number_col, payroll_col, amount_col = (
        _column(header, "membership"),
        _column(header, "payroll"),
        _column(header, "amount"),
    )
    if amount_col is None or (number_col is None and payroll_col is None):
        raise CheckOffError(RETURN_NO_HEADER)
    lines, problems = [], []

    def cell(row, col):
        return row[col].strip().lstrip("'") if col is not None and col < len(row) else ""

    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        number, payroll = cell(row, number_col), cell(row, payroll_col).upper()
        raw_amount = row[amount_col] if amount_col < len(row) else ""
        amount = _amount_pence(raw_amount)
        if amount is None:
            problems.append(str(RETURN_BAD_AMOUNT % {"line": n, "value": raw_amount[:20]}))
            continue
        if not number and not payroll:
            problems.append(str(RETURN_NO_REFERENCE % {"line": n}))
            continue
        lines.append(ReturnLine(n, number, payroll, amount))
    if problems:
        raise CheckOffError(problems[0], lines=problems)
    return lines


def _shown_reference(line: ReturnLine) -> str:
    if line.membership_number:
        return line.membership_number[:12]
    return f"payroll number ending {line.payroll_number[-2:]}"


def checkoff_reconcile(*, actor, schedule: CheckOffSchedule, data: bytes) -> ReconcileResult:
    """Match the employer's return against the schedule, line by line (see the module)."""
    lines = parse_return(data)  # every line checked before anything changes
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        schedule = CheckOffSchedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.reconciled_at is not None:
            done = getattr(schedule, "reconciliation", None)
            result = ReconcileResult(already_reconciled=True)
            if done is not None:
                result.unknown = list(done.summary.get("unknown", []))
                result.deducted_pence = int(done.summary.get("deducted_pence", 0))
            return result
        collections = schedule_lines(schedule)
        by_number = {c.membership.number: c for c in collections}
        by_payroll = {}
        for c in collections:
            arrangement = getattr(c.membership, "payment", None)
            if arrangement is not None and arrangement.payroll_number:
                by_payroll[arrangement.payroll_number.strip().upper()] = c
        deducted: dict[int, int] = {}
        result = ReconcileResult()
        for line in lines:
            c = by_number.get(line.membership_number) or by_payroll.get(line.payroll_number)
            if c is None:
                result.unknown.append(
                    {
                        "line": line.line,
                        "reference": _shown_reference(line),
                        "amount": money(line.amount_pence),
                    }
                )
                continue
            deducted[c.pk] = deducted.get(c.pk, 0) + line.amount_pence
        from .arrears import collection_returned_unpaid

        now = timezone.now()
        for c in collections:
            if c.status not in OPEN_STATUSES:
                continue
            got = deducted.get(c.pk, 0)
            result.deducted_pence += got
            if got >= c.amount_pence:
                c.status = CollectionStatus.PAID
                c.paid_at = now
                c.save(update_fields=["status", "paid_at"])
                history.record(
                    membership=c.membership,
                    actor=actor,
                    field="collection",
                    old=f"{money(c.amount_pence)} due {c.due_on:%Y-%m-%d}",
                    new=f"paid by payroll deduction ({schedule.employer.label})",
                    effective_on=c.due_on,
                )
                result.paid.append(c.pk)
                continue
            if got:
                reason = f"employer deducted {money(got)} of {money(c.amount_pence)}"
                result.short.append(c.pk)
            else:
                reason = "not deducted by the employer"
                result.not_deducted.append(c.pk)
            collection_returned_unpaid(
                collection=c, code="", reason=reason, may_represent=False, actor=actor
            )
        schedule.reconciled_at = now
        schedule.reconciled_by = actor
        schedule.paid_pence = result.deducted_pence
        schedule.save(update_fields=["reconciled_at", "reconciled_by", "paid_pence"])
        CheckOffReconciliation.objects.create(
            schedule=schedule, uploaded_by=actor, sha256=digest, summary=result.as_dict()
        )
    return result
