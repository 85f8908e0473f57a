"""What the member's own pages show about how they pay: `/me/subscription/` (its "How you
pay" section, registered with `membership.sections`) and the annual statement. Every
function takes the member's own membership (from the request's user, never an id from the
URL) and runs a fixed number of queries, however long the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from .models import (
    LIVE_MANDATE_STATUSES,
    CardPayment,
    CardPaymentStatus,
    Collection,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
)

HISTORY_SHOWN = 24
# Collections that count as paid on a statement (re-presented ones are paid in their
# re-presentation; unpaid ones settled by card are in the card payment).
PAID_COLLECTION_STATUSES = (CollectionStatus.PAID,)


def pence(amount: int) -> Decimal:
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class HistoryRow:
    on: date
    what: str
    amount: Decimal
    status: str
    status_code: str


@dataclass(frozen=True)
class TaxYear:
    start: int  # 2026 is 6 April 2026 to 5 April 2027

    @property
    def first_day(self) -> date:
        return date(self.start, 4, 6)

    @property
    def last_day(self) -> date:
        return date(self.start + 1, 4, 5)

    @property
    def label(self) -> str:
        return f"{self.start}–{str(self.start + 1)[2:]}"


def tax_year_of(day: date) -> int:
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


@dataclass(frozen=True)
class NextCollection:
    on: date
    amount: Decimal
    scheduled: bool  # False: the first collection of a new mandate, not yet scheduled
    free: bool = False


@dataclass(frozen=True)
class PaymentOverview:
    method: str
    method_label: str
    mandate: Mandate | None
    next_collection: NextCollection | None
    history: list[HistoryRow] = field(default_factory=list)
    statement_years: list[TaxYear] = field(default_factory=list)

    @property
    def is_direct_debit(self) -> bool:
        return self.method == Method.DIRECT_DEBIT

    @property
    def has_no_method(self) -> bool:
        return self.method == Method.NONE


def payment_overview(membership, *, today: date | None = None) -> PaymentOverview:
    today = today or timezone.localdate()
    arrangement = PaymentArrangement.objects.filter(membership=membership).first()
    method = arrangement.method if arrangement else Method.NONE
    mandate = (
        Mandate.objects.filter(
            membership=membership,
            status__in=(*LIVE_MANDATE_STATUSES, MandateStatus.CANCELLING),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return PaymentOverview(
        method=method,
        method_label=str(Method(method).label),
        mandate=mandate,
        next_collection=_next_collection(membership, mandate, today),
        history=payment_history(membership),
        statement_years=statement_years(membership),
    )


def _next_collection(membership, mandate, today) -> NextCollection | None:
    scheduled = (
        Collection.objects.filter(
            membership=membership,
            status__in=(CollectionStatus.SCHEDULED, CollectionStatus.SUBMITTED),
            due_on__gte=today,
        )
        .order_by("due_on", "pk")
        .first()
    )
    if scheduled is not None:
        return NextCollection(
            on=scheduled.due_on, amount=pence(scheduled.amount_pence), scheduled=True
        )
    if mandate is None or not mandate.is_live or mandate.first_collection_on is None:
        return None
    if mandate.first_collection_on < today:
        return None
    from membership.selectors import quote_on

    quote = quote_on(membership, mandate.first_collection_on)
    return NextCollection(
        on=mandate.first_collection_on,
        amount=quote.amount,
        scheduled=False,
        free=bool(quote.is_free),
    )


def payment_history(membership, *, limit: int = HISTORY_SHOWN) -> list[HistoryRow]:
    """Collections taken or tried and card payments, newest first (two queries)."""
    collections = (
        Collection.objects.filter(membership=membership)
        .exclude(status__in=(CollectionStatus.SCHEDULED, CollectionStatus.CANCELLED))
        .only("due_on", "kind", "method", "status", "amount_pence")
        .order_by("-due_on", "-pk")[:limit]
    )
    cards = (
        CardPayment.objects.filter(membership=membership)
        .exclude(status=CardPaymentStatus.CREATED)
        .only("created_at", "settled_at", "status", "amount_pence")
        .order_by("-created_at", "-pk")[:limit]
    )
    rows = [
        HistoryRow(
            on=c.due_on,
            what=str(Method(c.method).label) if c.method else "",
            amount=pence(c.amount_pence),
            status=c.get_status_display(),
            status_code=c.status,
        )
        for c in collections
    ]
    rows += [
        HistoryRow(
            on=timezone.localdate(p.settled_at or p.created_at),
            what=str(_card_label()),
            amount=pence(p.amount_pence),
            status=p.get_status_display(),
            status_code=p.status,
        )
        for p in cards
    ]
    rows.sort(key=lambda r: r.on, reverse=True)
    return rows[:limit]


def _card_label():
    from django.utils.translation import gettext_lazy as _

    return _("Card payment")


def statement_years(membership) -> list[TaxYear]:
    """The tax years (newest first) in which the member paid something (two queries)."""
    years: set[int] = set()
    paid = (
        Collection.objects.filter(membership=membership, status__in=PAID_COLLECTION_STATUSES)
        .values_list("due_on", flat=True)
        .distinct()
    )
    for due_on in paid:
        years.add(tax_year_of(due_on))
    for paid_at in (
        CardPayment.objects.filter(membership=membership, status=CardPaymentStatus.SUCCEEDED)
        .values_list("settled_at", "created_at")
        .distinct()
    ):
        years.add(tax_year_of(timezone.localdate(paid_at[0] or paid_at[1])))
    return [TaxYear(y) for y in sorted(years, reverse=True)]


@dataclass(frozen=True)
class StatementLine:
    on: date
    what: str
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    year: TaxYear
    lines: list[StatementLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def statement_for(membership, year: int) -> Statement:
    """Everything the member paid in the tax year starting 6 April `year`, oldest first."""
    tax_year = TaxYear(year)
    lines = [
        StatementLine(on=c.due_on, what=str(Method(c.method).label), amount=pence(c.amount_pence))
        for c in Collection.objects.filter(
            membership=membership,
            status__in=PAID_COLLECTION_STATUSES,
            due_on__gte=tax_year.first_day,
            due_on__lte=tax_year.last_day,
        ).order_by("due_on", "pk")
    ]
    for p in CardPayment.objects.filter(
        membership=membership, status=CardPaymentStatus.SUCCEEDED
    ).order_by("created_at", "pk"):
        on = timezone.localdate(p.settled_at or p.created_at)
        if tax_year.first_day <= on <= tax_year.last_day:
            lines.append(
                StatementLine(on=on, what=str(_card_label()), amount=pence(p.amount_pence))
            )
    lines.sort(key=lambda line: line.on)
    return Statement(year=tax_year, lines=lines)
