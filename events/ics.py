"""A booked member's iCalendar for one event: one VEVENT per session (or one for the event
without sessions). It says what the event is, when and where, and links to the event's
page; for an online event the joining link, which only someone with a place receives.
Nothing about any person: no attendee, no organiser's name or address, no needs."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from portal.communications.notifications import absolute_url

from .models import Booking, Event


def _location(event: Event) -> str:
    if event.online:
        return "Online"
    return ", ".join(p for p in [event.venue, " ".join(event.address.split())] if p)


def event_ics(event: Event) -> bytes:
    domain = urlparse(settings.SITE_URL).hostname or "portal.example"
    cal = Calendar()
    cal.add("prodid", f"-//{settings.PORTAL_UNION_NAME}//Events//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    url = absolute_url(event.get_absolute_url())
    description = event.summary
    if event.online and event.joining_link:
        description += f"\n\nJoin: {event.joining_link}"
    description += f"\n\n{url}"
    parts = list(event.sessions.all()) or [event]
    for part in parts:
        item = VEvent()
        uid_part = f"session-{part.pk}" if part is not event else "event"
        item.add("uid", f"event-{event.pk}-{uid_part}@{domain}")
        item.add("dtstamp", timezone.now())
        title = event.title if part is event else f"{event.title}: {part.title}"
        item.add("summary", title)
        item.add("dtstart", part.starts_at)
        item.add("dtend", part.ends_at)
        item.add("location", getattr(part, "location", "") or _location(event))
        item.add("description", description)
        item.add("url", url)
        cal.add_component(item)
    return cal.to_ical()


def booking_ics(booking: Booking) -> bytes:
    return event_ics(booking.event)


def notification_attachments(delivery) -> list[tuple[str, bytes, str]]:
    """The .ics of a booking's confirmation or reminder, for the booking's own member."""
    booking_id = (delivery.context or {}).get("booking")
    if not isinstance(booking_id, int):
        return []
    booking = (
        Booking.objects.select_related("event").filter(pk=booking_id, user_id=delivery.user_id)
    ).first()
    if booking is None or not booking.holds_place:
        return []
    return [(f"{booking.event.slug}.ics", booking_ics(booking), "text/calendar")]
