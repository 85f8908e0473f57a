"""Resigning: the final collection and the end of the mandate.

The rule book: a member pays up to the day their membership ends. On notice of resignation
the period that holds the effective date is cut at that date and its amount worked out pro
rata by days (for a monthly payer, the days of that month; for an annual payer, the days of
their year). It is collected as the final collection (Bacs code 19) on that period's
collection date, or, when that is too soon for the Direct Debit notice, on the first
processing day the notice allows. A period already sent for collection is left as it is
(nothing more is collected; the software makes no refunds). Scheduled collections after the
effective date are cancelled. When the resignation applies, the mandate is cancelled (the
bureau sends 0C in its next AUDDIS file; GoCardless is told at once). Withdrawing the
notice before the day turns the final collection back into a regular one and keeps the
mandate.

Membership calls in here through `membership.hooks` (registered by SubscriptionsConfig), so
membership never imports subscriptions.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from membership.rules import Frequency

from . import history
from .bacs.calendar import next_processing_day
from .collections import (
    QuoteBook,
    _provider,
    _subscription_url,
    _tell,
    collection_date,
    money,
    period_for,
)
from .models import (
    LIVE_MANDATE_STATUSES,
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    PaymentArrangement,
    PaymentNoticeKind,
)


def _open(qs):
    """Collections still only planned: scheduled and in no file or employer schedule."""
    return qs.filter(status=CollectionStatus.SCHEDULED, bacs_file=None, checkoff_schedule=None)


def pro_rata(amount_pence: int, start: date, end: date, until: date) -> int:
    days = (end - start).days + 1
    covered = (min(until, end) - start).days + 1
    value = Decimal(amount_pence) * covered / days
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _arrangement(membership):
    arrangement = PaymentArrangement.objects.filter(membership=membership).first()
    if arrangement is None or arrangement.method not in (Method.DIRECT_DEBIT, Method.PAYROLL):
        return None, None
    mandate = None
    if arrangement.method == Method.DIRECT_DEBIT:
        mandate = Mandate.objects.filter(
            membership=membership, status__in=LIVE_MANDATE_STATUSES
        ).first()
        if mandate is None:
            return None, None
    return arrangement, mandate


def _final_due(period_start: date, effective_on: date, today: date) -> date:
    earliest = today + timedelta(days=settings.DIRECT_DEBIT_NOTICE_DAYS)
    due = collection_date(period_start.year, period_start.month)
    if due > effective_on:
        due = effective_on
    return next_processing_day(max(due, earliest))


def final_collection_plan(*, resignation, today: date | None = None) -> Collection | None:
    """Work out and schedule the final collection for a resignation (notice given)."""
    today = today or resignation.given_on or timezone.localdate()
    membership = resignation.membership
    arrangement, mandate = _arrangement(membership)
    if arrangement is None:
        return None
    effective = resignation.effective_on
    provider = _provider() if mandate is not None else None
    # Nothing is collected for after the membership ends.
    for later in _open(
        Collection.objects.filter(membership=membership, period_start__gt=effective)
    ):
        later.status = CollectionStatus.CANCELLED
        later.save(update_fields=["status"])
        if provider is not None and later.mandate_id:
            provider.collection_cancelled(later)
    book = QuoteBook([membership])
    frequency = book.frequency(membership.pk)
    covering = (
        Collection.objects.filter(
            membership=membership,
            represents=None,
            period_start__lte=effective,
            period_end__gte=effective,
        )
        .exclude(status=CollectionStatus.CANCELLED)
        .first()
    )
    if covering is not None and (
        covering.status != CollectionStatus.SCHEDULED
        or covering.bacs_file_id
        or covering.checkoff_schedule_id
    ):
        return None  # already sent for collection: the period is paid as it was
    if covering is not None:
        start, end = covering.period_start, covering.period_end
    else:
        if frequency == Frequency.ANNUAL:
            last = (
                Collection.objects.filter(membership=membership, represents=None)
                .exclude(status=CollectionStatus.CANCELLED)
                .order_by("-period_end")
                .first()
            )
            if last is not None and last.period_end >= effective:
                return None
        period = period_for(effective, frequency)
        start, end = period.start, period.end
    full = book.amount_pence(membership.pk, start)
    amount = pro_rata(full, start, end, effective)
    kind = CollectionKind.FINAL if arrangement.method == Method.DIRECT_DEBIT else None
    due = _final_due(start, effective, today)
    if covering is None:
        if amount <= 0:
            return None
        final = Collection.objects.create(
            membership=membership,
            method=arrangement.method,
            mandate=mandate,
            kind=kind or CollectionKind.REGULAR,
            due_on=due,
            period_start=start,
            period_end=effective,
            amount_pence=amount,
        )
    else:
        final = covering
        if provider is not None and final.mandate_id:
            provider.collection_cancelled(final)
        if amount <= 0:
            final.status = CollectionStatus.CANCELLED
            final.save(update_fields=["status"])
            return None
        final.kind = kind or final.kind
        final.period_end, final.amount_pence, final.due_on = effective, amount, due
        final.save(update_fields=["kind", "period_end", "amount_pence", "due_on"])
    if provider is not None and final.mandate_id:
        provider.collection_scheduled(final)
    history.record(
        membership=membership,
        actor=resignation.recorded_by,
        field="collection",
        new=f"final collection {money(amount)} on {due:%Y-%m-%d} (to {effective:%Y-%m-%d})",
        effective_on=due,
    )
    _tell(
        membership,
        kind="subscription_final_collection",
        notice_kind=PaymentNoticeKind.FINAL,
        for_date=effective,
        context={
            "amount": money(amount),
            "date": due.strftime("%-d %B %Y"),
            "ends": effective.strftime("%-d %B %Y"),
            "url": _subscription_url(),
        },
    )
    return final


def final_collection_for(membership) -> Collection | None:
    """The final collection of a member who resigned (for the pages)."""
    return (
        Collection.objects.filter(membership=membership, kind=CollectionKind.FINAL)
        .exclude(status=CollectionStatus.CANCELLED)
        .order_by("-due_on", "-pk")
        .first()
    )


def on_resignation_notice(*, resignation, actor) -> None:
    final_collection_plan(resignation=resignation, today=resignation.given_on)


def on_resignation_applied(*, resignation, actor) -> None:
    """The membership has ended: stop collecting and cancel the mandate."""
    membership = resignation.membership
    provider = None
    for later in _open(
        Collection.objects.filter(membership=membership).filter(
            Q(period_start__gt=resignation.effective_on)
        )
    ):
        later.status = CollectionStatus.CANCELLED
        later.save(update_fields=["status"])
        provider = provider or _provider()
        if provider is not None and later.mandate_id:
            provider.collection_cancelled(later)
    for mandate in Mandate.objects.select_for_update().filter(
        membership=membership, status__in=LIVE_MANDATE_STATUSES
    ):
        old = mandate.get_status_display()
        mandate.status = MandateStatus.CANCELLING
        mandate.cancel_requested_at = timezone.now()
        mandate.end_reason = "The member resigned."
        mandate.save(update_fields=["status", "cancel_requested_at", "end_reason"])
        provider = provider or _provider()
        if provider is not None:
            provider.mandate_cancelled(mandate)
        history.record(
            membership=membership,
            actor=actor,
            field="mandate",
            old=f"{old} (account ending {mandate.account_last2})",
            new=f"{mandate.get_status_display()}: the member resigned",
            effective_on=resignation.effective_on,
        )


def on_resignation_withdrawn(*, resignation, actor) -> None:
    """Notice withdrawn: the final collection becomes a regular one again."""
    membership = resignation.membership
    final = _open(
        Collection.objects.filter(membership=membership, kind=CollectionKind.FINAL)
    ).first()
    if final is None:
        final = _open(
            Collection.objects.filter(
                membership=membership,
                represents=None,
                period_end=resignation.effective_on,
                period_start__lte=resignation.effective_on,
            )
        ).first()
    if final is None:
        return
    book = QuoteBook([membership])
    period = period_for(final.period_start, book.frequency(membership.pk))
    others = (
        Collection.objects.filter(mandate_id=final.mandate_id)
        .exclude(pk=final.pk)
        .exclude(status=CollectionStatus.CANCELLED)
        .exists()
    )
    provider = _provider() if final.mandate_id else None
    if provider is not None:
        provider.collection_cancelled(final)
    old = final.amount_pence
    final.kind = CollectionKind.FIRST if final.mandate_id and not others else CollectionKind.REGULAR
    final.period_end = period.end
    final.amount_pence = book.amount_pence(membership.pk, period.start)
    final.save(update_fields=["kind", "period_end", "amount_pence"])
    if provider is not None:
        provider.collection_scheduled(final)
    history.record(
        membership=membership,
        actor=actor,
        field="collection",
        old=f"final collection {money(old)} on {final.due_on:%Y-%m-%d}",
        new=f"{money(final.amount_pence)} on {final.due_on:%Y-%m-%d}: resignation withdrawn",
        effective_on=final.due_on,
    )


def register() -> None:
    from membership import hooks

    hooks.register_resignation_listener("notice", on_resignation_notice)
    hooks.register_resignation_listener("applied", on_resignation_applied)
    hooks.register_resignation_listener("withdrawn", on_resignation_withdrawn)
