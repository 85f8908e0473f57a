"""Reads: the fee schedule on a day, a member's terms and quote on a day, what changes
next, and the membership officer's queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.choices import FeeBand, MembershipStatus
from portal.accounts.membership import derive_fee_band, derive_section
from portal.accounts.models import Membership

from . import rules
from .models import (
    FeeRate,
    LifeEvent,
    Reduction,
    ReductionStatus,
    Resignation,
    Subscription,
)
from .rules import Frequency, Quote

# How far ahead /me/subscription/ looks for the next change.
LOOK_AHEAD_DAYS = 400


# Rates that already apply never change: a new rate must start at least the rule book's
# notice ahead and a rate cannot be edited once it applies (`services.fee_rate_problem`). So
# each process keeps the schedule of a day up to today once it has read it, which saves the
# member dashboard and every quote a query. Not inside a transaction (it may hold a rate
# that is rolled back), and forgotten when a rate is saved or deleted (`forget_rates`).
_RATES_KEPT: dict[tuple[date, str], dict[str, Decimal]] = {}
_RATES_KEPT_MAX = 64


def forget_rates(**_kwargs) -> None:
    _RATES_KEPT.clear()


def rates_on(on: date | None = None, frequency: str = Frequency.MONTHLY) -> dict[str, Decimal]:
    """Each band's rate at one frequency on a day: the latest rate on or before it."""
    today = timezone.localdate()
    on = on or today
    keep = on <= today and not transaction.get_connection().in_atomic_block
    if keep and (on, frequency) in _RATES_KEPT:
        return dict(_RATES_KEPT[(on, frequency)])
    found = _rates_from_schedule(on, frequency)
    if keep:
        if len(_RATES_KEPT) >= _RATES_KEPT_MAX:
            _RATES_KEPT.clear()
        _RATES_KEPT[(on, frequency)] = dict(found)
    return found


def _rates_from_schedule(on: date, frequency: str) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    rows = (
        FeeRate.objects.filter(frequency=frequency, effective_from__lte=on)
        .order_by("band", "-effective_from")
        .values_list("band", "amount")
    )
    for band, amount in rows:
        found.setdefault(band, amount)
    missing = set(FeeBand.values) - set(found)
    if missing:
        raise LookupError(f"The fee schedule has no {frequency} rate on {on} for {sorted(missing)}")
    return found


def monthly_rates(on: date | None = None) -> dict[str, Decimal]:
    return rates_on(on, Frequency.MONTHLY)


def schedule_dates_after(day: date, until: date) -> list[date]:
    return sorted(
        set(
            FeeRate.objects.filter(effective_from__gt=day, effective_from__lte=until).values_list(
                "effective_from", flat=True
            )
        )
    )


@dataclass(frozen=True)
class Terms:
    """A membership's terms on one day."""

    job_role: str
    hours: str
    section: str
    band: str
    contracted_hours: Decimal | None
    frequency: str
    granted: tuple[str, ...]  # approved reductions covering the day


def subscription_for(membership: Membership) -> Subscription:
    try:
        return membership.subscription
    except Subscription.DoesNotExist:
        return Subscription(membership=membership)


@dataclass
class Outlook:
    """Everything needed to quote a membership on any day, read once."""

    membership: Membership
    subscription: Subscription
    reductions: list[Reduction]
    pending_events: list[LifeEvent]  # not yet applied, in effective order


def outlook_for(membership: Membership) -> Outlook:
    reductions = list(
        Reduction.objects.filter(membership=membership).exclude(
            status__in=[ReductionStatus.REFUSED, ReductionStatus.CANCELLED]
        )
    )
    events = list(
        LifeEvent.objects.filter(membership=membership, applied_at=None).order_by(
            "effective_on", "pk"
        )
    )
    return Outlook(membership, subscription_for(membership), reductions, events)


def terms_on(outlook: Outlook, day: date, *, extra_sets: dict | None = None) -> Terms:
    m, sub = outlook.membership, outlook.subscription
    values = {
        "job_role": m.job_role,
        "hours": m.hours,
        "contracted_hours": sub.contracted_hours,
    }
    for event in outlook.pending_events:
        if event.effective_on <= day:
            values.update({k: v for k, v in event.sets.items() if k in values})
    if extra_sets:
        values.update({k: v for k, v in extra_sets.items() if k in values})
    hours_value = values["contracted_hours"]
    contracted = Decimal(str(hours_value)) if hours_value not in (None, "") else None
    granted = tuple(
        r.kind for r in outlook.reductions if r.status == ReductionStatus.APPROVED and r.covers(day)
    )
    return Terms(
        job_role=values["job_role"],
        hours=values["hours"],
        section=derive_section(values["job_role"]),
        band=derive_fee_band(values["job_role"], values["hours"]),
        contracted_hours=contracted,
        frequency=sub.frequency,
        granted=granted,
    )


def quote_terms(terms: Terms, day: date) -> Quote:
    return rules.quote(
        on=day,
        job_role=terms.job_role,
        hours=terms.hours,
        band=terms.band,
        frequency=terms.frequency,
        rates=rates_on(day, terms.frequency),
        contracted_hours=terms.contracted_hours,
        granted=terms.granted,
    )


def quote_on(membership: Membership, day: date | None = None, *, outlook=None) -> Quote:
    day = day or timezone.localdate()
    outlook = outlook or outlook_for(membership)
    return quote_terms(terms_on(outlook, day), day)


@dataclass(frozen=True)
class UpcomingChange:
    on: date
    quote: Quote
    because: str  # "schedule", "event", "reduction_starts", "reduction_ends"


def change_points(outlook: Outlook, today: date, until: date) -> list[tuple[date, str]]:
    points: dict[date, str] = {}
    for d in schedule_dates_after(today, until):
        points.setdefault(d, "schedule")
    for event in outlook.pending_events:
        if today < event.effective_on <= until:
            points.setdefault(event.effective_on, "event")
    for r in outlook.reductions:
        if r.status != ReductionStatus.APPROVED:
            continue
        if today < r.starts_on <= until:
            points.setdefault(r.starts_on, "reduction_starts")
        if r.ends_on and today <= r.ends_on < until:
            points.setdefault(r.ends_on + timedelta(days=1), "reduction_ends")
    return sorted(points.items())


def upcoming_changes(membership: Membership, today: date | None = None, *, outlook=None):
    """The changes of amount or reason ahead, each with its new quote."""
    today = today or timezone.localdate()
    outlook = outlook or outlook_for(membership)
    current = quote_on(membership, today, outlook=outlook)
    found = []
    for day, because in change_points(outlook, today, today + timedelta(days=LOOK_AHEAD_DAYS)):
        q = quote_on(membership, day, outlook=outlook)
        if (q.amount, q.band, q.reduction) != (current.amount, current.band, current.reduction):
            found.append(UpcomingChange(day, q, because))
            current = q
    return found


def open_resignation(membership: Membership) -> Resignation | None:
    return Resignation.objects.filter(
        membership=membership, applied_at=None, withdrawn_at=None
    ).first()


def reductions_waiting(membership: Membership) -> list[Reduction]:
    return list(
        Reduction.objects.filter(membership=membership, status=ReductionStatus.PENDING).order_by(
            "starts_on"
        )
    )


def active_reduction(outlook: Outlook, day: date, kinds) -> Reduction | None:
    """The approved reduction of one of `kinds` covering `day` or starting later."""
    for r in sorted(outlook.reductions, key=lambda r: r.starts_on):
        if r.status != ReductionStatus.APPROVED or r.kind not in kinds:
            continue
        if r.ends_on is None or r.ends_on >= day:
            return r
    return None


def officer_queue_counts() -> dict[str, int]:
    return {
        "reductions": Reduction.objects.filter(status=ReductionStatus.PENDING).count(),
        "flagged": LifeEvent.objects.filter(flagged=True, reviewed_at=None).count(),
    }


def memberships_due_for_rate(fee_rate: FeeRate):
    """Members whose rate a new schedule entry may change: active members of the band who
    pay at its frequency (monthly unless they chose otherwise)."""
    qs = Membership.objects.filter(status=MembershipStatus.ACTIVE, fee_band=fee_rate.band)
    if fee_rate.frequency == Frequency.MONTHLY:
        qs = qs.filter(Q(subscription=None) | Q(subscription__frequency=Frequency.MONTHLY))
    else:
        qs = qs.filter(subscription__frequency=fee_rate.frequency)
    return qs.select_related("user", "subscription")
