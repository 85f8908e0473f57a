"""The collection engine: the next amount due from every member who pays by Direct Debit or
payroll deduction, and the new amounts a rate change brings.

Every collection is scheduled at least `DIRECT_DEBIT_NOTICE_DAYS` before it is due, so the
Direct Debit scheme's advance notice always holds: a first collection, or one whose amount
differs from the member's previous collection, is announced to the member (a service
notice with the amount and the date) when it is scheduled.

Runs over every paying member in chunks: the quotes of a chunk are worked out from a few
queries (the chunk's subscriptions, reduced rates and pending life events, and the fee
schedule once per day and frequency), never a query per member. Safe to run again: the
unique constraint `collection_one_per_period` and `ignore_conflicts` keep one collection
per member and period.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from membership import rules, selectors
from membership.models import LifeEvent, Reduction, ReductionStatus, Subscription
from membership.rules import Frequency, add_months
from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership
from portal.communications.notifications import absolute_url, notification_send

from . import history
from .bacs.calendar import next_processing_day
from .models import (
    LIVE_MANDATE_STATUSES,
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    Method,
    PaymentArrangement,
    PaymentNotice,
    PaymentNoticeKind,
)

log = logging.getLogger(__name__)

CHUNK = 1000
HORIZON_DAYS = 45  # how far ahead collections are scheduled


def pence(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal(1)))


def money(amount_pence: int) -> str:
    return f"£{amount_pence // 100:,}.{amount_pence % 100:02d}"


def collection_date(year: int, month: int) -> date:
    """The collection day of a month (`DIRECT_DEBIT_COLLECTION_DAY`, the month's last day
    when shorter), moved to the next Bacs processing day."""
    day = min(settings.DIRECT_DEBIT_COLLECTION_DAY, calendar.monthrange(year, month)[1])
    return next_processing_day(date(year, month, day))


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due_on: date


def period_for(start: date, frequency: str) -> Period:
    """The monthly (or annual) period starting on the first of `start`'s month."""
    start = start.replace(day=1)
    months = 12 if frequency == Frequency.ANNUAL else 1
    end = add_months(start, months) - timedelta(days=1)
    return Period(start, end, collection_date(start.year, start.month))


def next_period(*, frequency: str, earliest_due: date, after: date | None) -> Period:
    """The member's next period: the one after `after` (the end of their last period), or
    for a first collection the first due on or after `earliest_due`.

    A monthly period due too soon for the advance notice is skipped (the scheduler runs
    daily well ahead, so this only happens to a first collection). An annual payer's year
    follows their last one; when its collection day is too soon, it is collected on the
    first processing day the notice allows."""
    start = (after + timedelta(days=1)) if after else earliest_due.replace(day=1)
    period = period_for(start, frequency)
    if frequency == Frequency.ANNUAL and after is not None:
        if period.due_on < earliest_due:
            return Period(period.start, period.end, next_processing_day(earliest_due))
        return period
    while period.due_on < earliest_due:
        period = period_for(add_months(period.start, 1), frequency)
    return period


# -- quoting many members with few queries --------------------------------------------------


class QuoteBook:
    """Quotes for a chunk of memberships from a handful of queries."""

    def __init__(self, memberships: list[Membership]):
        ids = [m.pk for m in memberships]
        subs = {s.membership_id: s for s in Subscription.objects.filter(membership_id__in=ids)}
        reductions = defaultdict(list)
        for r in Reduction.objects.filter(membership_id__in=ids).exclude(
            status__in=[ReductionStatus.REFUSED, ReductionStatus.CANCELLED]
        ):
            reductions[r.membership_id].append(r)
        events = defaultdict(list)
        for e in LifeEvent.objects.filter(membership_id__in=ids, applied_at=None).order_by(
            "effective_on", "pk"
        ):
            events[e.membership_id].append(e)
        self.outlooks = {
            m.pk: selectors.Outlook(
                m, subs.get(m.pk) or Subscription(membership=m), reductions[m.pk], events[m.pk]
            )
            for m in memberships
        }

    _rates: dict = {}

    @classmethod
    def rates(cls, day: date, frequency: str):
        key = (day, frequency)
        if key not in cls._rates:
            cls._rates[key] = selectors.rates_on(day, frequency)
        return cls._rates[key]

    @classmethod
    def reset(cls):
        cls._rates = {}

    def frequency(self, membership_id: int) -> str:
        return self.outlooks[membership_id].subscription.frequency

    def amount_pence(self, membership_id: int, day: date) -> int:
        terms = selectors.terms_on(self.outlooks[membership_id], day)
        quote = rules.quote(
            on=day,
            job_role=terms.job_role,
            hours=terms.hours,
            band=terms.band,
            frequency=terms.frequency,
            rates=self.rates(day, terms.frequency),
            contracted_hours=terms.contracted_hours,
            granted=terms.granted,
        )
        return pence(quote.amount)


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _provider():
    """The Direct Debit provider, or None while its module is not installed."""
    from .providers import direct_debit_provider

    try:
        return direct_debit_provider()
    except ModuleNotFoundError as error:  # the provider's module is another part's work
        log.warning("No Direct Debit provider module yet: %s", error.name)
        return None


def _tell(membership, *, kind: str, notice_kind: str, for_date: date, context: dict) -> bool:
    """One notice to the member, never twice for the same kind and day."""
    _, created = PaymentNotice.objects.get_or_create(
        membership=membership, kind=notice_kind, for_date=for_date
    )
    if created:
        notification_send(user=membership.user, kind=kind, context=context)
    return created


def _subscription_url() -> str:
    return absolute_url(reverse("membership:subscription"))


# -- scheduling ---------------------------------------------------------------------------


def _payers():
    """(membership, method, mandate or None) for every active member paying by a live
    Direct Debit or by payroll, in primary-key order."""
    arrangements = (
        PaymentArrangement.objects.filter(
            method__in=[Method.DIRECT_DEBIT, Method.PAYROLL],
            membership__status=MembershipStatus.ACTIVE,
        )
        .select_related("membership__user")
        .only("method", "membership")
        .order_by("membership_id")
    )
    for chunk in _chunks(arrangements.iterator(chunk_size=CHUNK), CHUNK):
        dd_ids = [a.membership_id for a in chunk if a.method == Method.DIRECT_DEBIT]
        mandates = {
            m.membership_id: m
            for m in Mandate.objects.filter(
                membership_id__in=dd_ids, status__in=LIVE_MANDATE_STATUSES
            ).only("pk", "membership_id", "first_collection_on", "status")
        }
        rows = []
        for a in chunk:
            mandate = mandates.get(a.membership_id)
            if a.method == Method.DIRECT_DEBIT and mandate is None:
                continue  # no live mandate: nothing can be collected
            rows.append((a.membership, a.method, mandate))
        yield rows


def collections_schedule(*, today: date | None = None, horizon_days: int = HORIZON_DAYS) -> int:
    """Schedule the next collection of every paying member who has none for it yet; returns
    how many were created."""
    from membership.models import Resignation

    today = today or timezone.localdate()
    earliest = today + timedelta(days=settings.DIRECT_DEBIT_NOTICE_DAYS)
    horizon = today + timedelta(days=max(horizon_days, settings.DIRECT_DEBIT_NOTICE_DAYS))
    QuoteBook.reset()
    created = 0
    for rows in _payers():
        if not rows:
            continue
        ids = [m.pk for m, _, _ in rows]
        last: dict[int, Collection] = {}
        for c in (
            Collection.objects.filter(membership_id__in=ids, represents=None)
            .exclude(status=CollectionStatus.CANCELLED)
            .filter(period_end__gte=today - timedelta(days=400))
            .only("membership_id", "period_start", "period_end", "amount_pence", "mandate_id")
        ):
            if c.membership_id not in last or c.period_end > last[c.membership_id].period_end:
                last[c.membership_id] = c
        used_mandates = set(
            Collection.objects.filter(mandate_id__in=[md.pk for _, _, md in rows if md])
            .exclude(status=CollectionStatus.CANCELLED)
            .values_list("mandate_id", flat=True)
            .distinct()
        )
        leaving = dict(
            Resignation.objects.filter(
                membership_id__in=ids, applied_at=None, withdrawn_at=None
            ).values_list("membership_id", "effective_on")
        )
        book = QuoteBook([m for m, _, _ in rows])
        new: list[tuple[Collection, bool]] = []
        stamp = timezone.now()
        for membership, method, mandate in rows:
            previous = last.get(membership.pk)
            start_after = earliest
            if mandate is not None and mandate.first_collection_on:
                start_after = max(start_after, mandate.first_collection_on)
            period = next_period(
                frequency=book.frequency(membership.pk),
                earliest_due=start_after,
                after=previous.period_end if previous else None,
            )
            if period.due_on > horizon:
                continue
            if membership.pk in leaving and period.end >= leaving[membership.pk]:
                continue  # the final collection is worked out on resigning (leaving.py)
            amount = book.amount_pence(membership.pk, period.start)
            if amount <= 0:
                continue  # a free rate: nothing to collect
            first = mandate is not None and mandate.pk not in used_mandates
            kind = CollectionKind.FIRST if first else CollectionKind.REGULAR
            collection = Collection(
                membership=membership,
                method=method,
                mandate=mandate,
                kind=kind,
                due_on=period.due_on,
                period_start=period.start,
                period_end=period.end,
                amount_pence=amount,
                created_at=stamp,
            )
            changed = previous is None or previous.amount_pence != amount or first
            new.append((collection, changed))
        if not new:
            continue
        with transaction.atomic():
            Collection.objects.bulk_create(
                [c for c, _ in new], batch_size=CHUNK, ignore_conflicts=True
            )
            made = {
                (c.membership_id, c.period_start): c
                for c in Collection.objects.filter(
                    membership_id__in=ids, created_at=stamp, represents=None
                )
            }
            provider = _provider() if any(c.mandate_id for c in made.values()) else None
            to_tell = []
            for collection, changed in new:
                saved = made.get((collection.membership_id, collection.period_start))
                if saved is None:
                    continue  # another run made it first
                created += 1
                saved.membership = collection.membership
                if saved.mandate_id and provider is not None:
                    provider.collection_scheduled(saved)
                if changed:
                    to_tell.append(saved)
            _announce(to_tell)
    return created


def _announce(collections: list[Collection]) -> None:
    """The advance notice of first collections and new amounts, once each (the record of
    notices sent written in one insert)."""
    if not collections:
        return
    ids = [c.membership_id for c in collections]
    sent = set(
        PaymentNotice.objects.filter(
            membership_id__in=ids, kind=PaymentNoticeKind.COLLECTION
        ).values_list("membership_id", "for_date")
    )
    fresh = [c for c in collections if (c.membership_id, c.due_on) not in sent]
    PaymentNotice.objects.bulk_create(
        [
            PaymentNotice(
                membership_id=c.membership_id, kind=PaymentNoticeKind.COLLECTION, for_date=c.due_on
            )
            for c in fresh
        ],
        ignore_conflicts=True,
    )
    url = _subscription_url()
    for c in fresh:
        notification_send(
            user=c.membership.user,
            kind="subscription_collection_notice",
            context={
                "amount": money(c.amount_pence),
                "date": c.due_on.strftime("%-d %B %Y"),
                "method": str(Method(c.method).label),
                "url": url,
            },
        )


# -- rate changes -----------------------------------------------------------------------------


def adjustable_collections(today: date):
    """Scheduled regular collections that no file or employer schedule has taken yet."""
    return (
        Collection.objects.filter(
            status=CollectionStatus.SCHEDULED,
            bacs_file=None,
            checkoff_schedule=None,
            represents=None,
            due_on__gt=today,
            kind__in=[CollectionKind.FIRST, CollectionKind.REGULAR],
        )
        .select_related("membership__user")
        .order_by("pk")
    )


def collections_adjust_for_rate_changes(*, today: date | None = None) -> dict[str, int]:
    """Re-quote scheduled collections whose amount no longer matches (a life event, a
    reduced rate, a new fee rate). The amount changes when the advance notice still allows
    it; otherwise the collection is taken as announced and the next period carries the new
    amount. Each change is a history row and a notice."""
    today = today or timezone.localdate()
    notice_until = today + timedelta(days=settings.DIRECT_DEBIT_NOTICE_DAYS)
    QuoteBook.reset()
    counts = {"adjusted": 0, "cancelled": 0, "too_late": 0}
    for chunk in _chunks(adjustable_collections(today).iterator(chunk_size=CHUNK), CHUNK):
        book = QuoteBook(list({c.membership_id: c.membership for c in chunk}.values()))
        changes = []
        for c in chunk:
            amount = book.amount_pence(c.membership_id, c.period_start)
            if amount != c.amount_pence:
                changes.append((c, amount))
        if not changes:
            continue
        provider = _provider()
        for c, amount in changes:
            if c.due_on < notice_until:
                counts["too_late"] += 1
                continue
            with transaction.atomic():
                locked = (
                    Collection.objects.select_for_update()
                    .filter(pk=c.pk, status=CollectionStatus.SCHEDULED, bacs_file=None)
                    .first()
                )
                if locked is None or locked.amount_pence == amount:
                    continue
                old = locked.amount_pence
                if c.mandate_id and provider is not None:
                    provider.collection_cancelled(locked)
                if amount <= 0:
                    locked.status = CollectionStatus.CANCELLED
                    locked.save(update_fields=["status"])
                    counts["cancelled"] += 1
                else:
                    locked.amount_pence = amount
                    locked.save(update_fields=["amount_pence"])
                    if c.mandate_id and provider is not None:
                        provider.collection_scheduled(locked)
                    counts["adjusted"] += 1
                history.record(
                    membership=c.membership,
                    actor=None,
                    field="collection",
                    old=f"{money(old)} on {c.due_on:%Y-%m-%d}",
                    new=(
                        f"{money(amount)} on {c.due_on:%Y-%m-%d}"
                        if amount > 0
                        else f"nothing to collect on {c.due_on:%Y-%m-%d}"
                    ),
                    effective_on=c.period_start,
                )
                # Every change of amount is announced (not deduplicated: each is new).
                PaymentNotice.objects.get_or_create(
                    membership=c.membership, kind=PaymentNoticeKind.ADJUSTED, for_date=c.due_on
                )
                notification_send(
                    user=c.membership.user,
                    kind="subscription_collection_changed",
                    context={
                        "amount": money(amount),
                        "date": c.due_on.strftime("%-d %B %Y"),
                        "url": _subscription_url(),
                    },
                )
    return counts


def next_collection(membership) -> Collection | None:
    return (
        Collection.objects.filter(membership=membership, status=CollectionStatus.SCHEDULED)
        .order_by("due_on", "pk")
        .first()
    )


__all__ = [
    "collection_date",
    "collections_adjust_for_rate_changes",
    "collections_schedule",
    "money",
    "next_collection",
    "pence",
    "period_for",
]
