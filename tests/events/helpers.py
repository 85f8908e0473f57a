from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from events.models import Event, EventKind, EventSession

_n = [0]


def make_event(**fields) -> Event:
    _n[0] += 1
    now = timezone.now()
    starts = fields.pop("starts_at", now + timedelta(days=20))
    defaults = {
        "slug": f"test-event-{_n[0]}",
        "title": f"Test course {_n[0]}",
        "kind": EventKind.COURSE,
        "summary": "A day on something useful.",
        "venue": "Town Hall",
        "address": "1 High Street\nLeeds",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=6),
        "booking_opens_at": now - timedelta(days=5),
        "booking_closes_at": starts - timedelta(hours=1),
        "capacity": 10,
    }
    defaults.update(fields)
    return Event.objects.create(**defaults)


def add_session(event: Event, title="Morning", offset_hours=0, hours=3) -> EventSession:
    return EventSession.objects.create(
        event=event,
        title=title,
        starts_at=event.starts_at + timedelta(hours=offset_hours),
        ends_at=event.starts_at + timedelta(hours=offset_hours + hours),
    )
