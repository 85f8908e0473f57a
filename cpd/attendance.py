"""What events tell the CPD record: the courses a member attended (a booking the organiser
marked attended on the register), with their hours and learning outcomes, and the
certificate of each. Branch meetings are not professional development and do not count."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from events.models import Booking, BookingStatus, EventKind

from .access import NOT_FOUND
from .selectors import RecordItem

CPD_KINDS = (EventKind.COURSE, EventKind.REP_TRAINING, EventKind.WEBINAR, EventKind.CONFERENCE)
MAX_HOURS = Decimal("200")
QUARTER = Decimal("0.25")


def _hours_between(start, end) -> Decimal:
    return Decimal((end - start).total_seconds()) / Decimal(3600)


def event_hours(event) -> Decimal:
    """The event's CPD hours as set by the organiser, or else the length of its sessions
    (or of the event itself), to the nearest quarter hour."""
    if event.cpd_hours is not None:
        return event.cpd_hours
    sessions = list(event.sessions.all())
    if sessions:
        hours = sum((_hours_between(s.starts_at, s.ends_at) for s in sessions), Decimal(0))
    else:
        hours = _hours_between(event.starts_at, event.ends_at)
    quarters = (hours / QUARTER).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(quarters * QUARTER, MAX_HOURS)


def _attended(user):
    if not getattr(user, "is_authenticated", False):
        return Booking.objects.none()
    return (
        Booking.objects.filter(user=user, status=BookingStatus.ATTENDED, event__kind__in=CPD_KINDS)
        .select_related("event")
        .prefetch_related("event__sessions")
    )


def _item(booking) -> RecordItem:
    event = booking.event
    return RecordItem(
        kind="attended",
        title=event.title,
        provider=getattr(settings, "PORTAL_UNION_NAME", "Education Union"),
        done_on=timezone.localdate(event.starts_at),
        hours=event_hours(event),
        text=event.learning_outcomes,
        booking_id=booking.pk,
    )


def attended_items(user) -> list[RecordItem]:
    return [_item(b) for b in _attended(user)]


def get_attended_for(user, booking_id) -> RecordItem:
    """The member's own attended course, or the same 404 as a missing one."""
    booking = _attended(user).filter(pk=booking_id).first()
    if booking is None:
        raise Http404(NOT_FOUND)
    return _item(booking)
