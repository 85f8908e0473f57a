"""Reads about events: the member's list and one event's state for a member or organiser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from . import access
from .models import CURRENT, HOLDS_PLACE, Booking, BookingStatus, Event


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def events_list(
    *,
    user,
    kind: str = "",
    from_date: date | None = None,
    nation: str = "",
    online: str = "",
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Events the member may book that have not ended, soonest first."""
    now = now or timezone.now()
    events = access.events_for_member(user).filter(ends_at__gte=now)
    if kind:
        events = events.filter(kind=kind)
    if from_date:
        events = events.filter(starts_at__gte=_day_start(from_date))
    if nation:
        events = events.filter(nation=nation)
    if online == "online":
        events = events.filter(online=True)
    elif online == "in_person":
        events = events.filter(online=False)
    return events.order_by("starts_at", "pk")


def place_counts(event_ids) -> dict[int, dict[str, int]]:
    """Places taken and people waiting for each of these events (one query over the page's
    events only, so the list's cost does not grow with the number of events)."""
    rows = (
        Booking.objects.filter(event_id__in=list(event_ids))
        .values("event_id")
        .annotate(
            taken=Count("pk", filter=Q(status__in=HOLDS_PLACE)),
            waiting=Count(
                "pk", filter=Q(status__in=(BookingStatus.WAITING, BookingStatus.OFFERED))
            ),
        )
    )
    return {r["event_id"]: {"taken": r["taken"], "waiting": r["waiting"]} for r in rows}


def my_bookings(user, event_ids) -> dict[int, Booking]:
    """The member's current booking of each of these events (one query)."""
    if not user.is_authenticated:
        return {}
    return {
        b.event_id: b
        for b in Booking.objects.filter(user=user, event_id__in=event_ids, status__in=CURRENT)
    }


@dataclass
class EventState:
    taken: int
    waiting: int
    free: int
    booking: Booking | None
    position: int | None  # on the waiting list, 1 = next

    @property
    def queue(self) -> bool:
        return self.waiting > 0


def event_state(event: Event, user) -> EventState:
    counts = Booking.objects.filter(event=event).aggregate(
        taken=Count("pk", filter=Q(status__in=HOLDS_PLACE)),
        waiting=Count("pk", filter=Q(status__in=(BookingStatus.WAITING, BookingStatus.OFFERED))),
    )
    booking = None
    position = None
    if user.is_authenticated:
        booking = (
            Booking.objects.filter(event=event, user=user, status__in=CURRENT)
            .select_related("needs")
            .first()
        )
        if booking is not None and booking.status == BookingStatus.WAITING:
            position = (
                Booking.objects.filter(event=event, status=BookingStatus.WAITING)
                .filter(
                    Q(waiting_since__lt=booking.waiting_since)
                    | Q(waiting_since=booking.waiting_since, pk__lt=booking.pk)
                )
                .count()
                + 1
            )
    return EventState(
        taken=counts["taken"],
        waiting=counts["waiting"],
        free=max(event.capacity - counts["taken"], 0),
        booking=booking,
        position=position,
    )


def register_for(event: Event) -> list[Booking]:
    """The register: everyone with a place, by name."""
    return list(
        Booking.objects.filter(
            event=event, status__in=(BookingStatus.BOOKED, BookingStatus.ATTENDED)
        )
        .select_related("user", "user__membership")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def waiting_list_for(event: Event) -> list[Booking]:
    return list(
        Booking.objects.filter(
            event=event, status__in=(BookingStatus.WAITING, BookingStatus.OFFERED)
        )
        .select_related("user")
        .order_by("-status", "waiting_since", "pk")
    )
