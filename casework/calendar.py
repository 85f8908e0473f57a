"""An officer's deadlines as an iCalendar feed, at a secret URL they can reset or revoke.

A calendar leaves the portal for phones and other people's servers: each event says only
what it is and the case's reference ("Hearing – CW-2026-000123") and links to the case
screen, which asks for a login. Never a name, an employer or a word of the case.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from portal.communications.notifications import absolute_url

from . import access
from .models import CalendarFeed
from .selectors import officer_deadlines

# How far the feed reaches, around today.
FEED_DAYS_AHEAD = 365
FEED_DAYS_BEHIND = 30


def feed_owner(token: str):
    """The officer whose live feed has this secret, or None (unknown, revoked, or no longer
    a casework officer)."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token, revoked_at__isnull=True).select_related("user")
    feed = feed.first()
    if feed is None or not feed.user.is_active or not access.is_case_officer(feed.user):
        return None
    return feed.user


def feed_ics(user, *, today: date | None = None) -> bytes:
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//Member services portal//Casework deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Casework deadlines")
    stamp = timezone.now()
    items = officer_deadlines(user, today=today, days=FEED_DAYS_AHEAD, past_days=FEED_DAYS_BEHIND)
    for item in items:
        event = Event()
        uid = f"{item.kind}-{item.case_id}-{item.follow_up_id or 0}-{item.on:%Y%m%d}"
        event.add("uid", f"{uid}@casework")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + timedelta(days=1))
        event.add("summary", f"{item.label} – {item.reference}")
        event.add("url", absolute_url(f"/admin/casework/case/{item.case_id}/change/"))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
