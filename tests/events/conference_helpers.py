"""Events, conferences and bookings for the conference and CPD tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from events.models import Booking, BookingStatus, Event, EventKind, EventSession


def make_event(slug="conf", *, kind=EventKind.CONFERENCE, days=60, hours=6, **fields) -> Event:
    now = timezone.now()
    starts = now + timedelta(days=days)
    defaults = {
        "title": f"Event {slug}",
        "kind": kind,
        "summary": "A day together.",
        "venue": "Union office",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=hours),
        "capacity": 50,
        "booking_opens_at": now - timedelta(days=90),
        "booking_closes_at": starts - timedelta(hours=1) if days > 0 else starts,
    }
    if kind == EventKind.CONFERENCE:
        defaults["motions_close_at"] = now + timedelta(days=days // 2 or 1)
    defaults.update(fields)
    if defaults["booking_closes_at"] <= defaults["booking_opens_at"]:
        defaults["booking_opens_at"] = defaults["booking_closes_at"] - timedelta(days=30)
    return Event.objects.create(slug=slug, **defaults)


def add_session(event, title, offset_hours, length_hours):
    return EventSession.objects.create(
        event=event,
        title=title,
        starts_at=event.starts_at + timedelta(hours=offset_hours),
        ends_at=event.starts_at + timedelta(hours=offset_hours + length_hours),
    )


def book(event, user, status=BookingStatus.BOOKED) -> Booking:
    place = (Booking.objects.filter(event=event, place__isnull=False).count() or 0) + 1
    return Booking.objects.create(
        event=event,
        user=user,
        status=status,
        place=place,
        booked_at=event.booking_opens_at,
        attended_at=event.starts_at if status == BookingStatus.ATTENDED else None,
    )
