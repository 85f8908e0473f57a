"""What events add to the member's data download at /me/data/: their bookings and the
needs they gave (their own; nobody else's)."""

from __future__ import annotations

from portal.accounts.exports import register
from portal.accounts.models import User

from .models import Booking, BookingNeeds


def _iso(value):
    return value.isoformat() if value else None


@register("event_bookings")
def export_bookings(user: User) -> list[dict]:
    bookings = Booking.objects.filter(user=user).select_related("event").order_by("created_at")
    needs = {n.booking_id: n for n in BookingNeeds.objects.filter(booking__user=user)}
    out = []
    for b in bookings:
        item = {
            "event": b.event.title,
            "address": b.event.get_absolute_url(),
            "starts_at": _iso(b.event.starts_at),
            "status": b.get_status_display(),
            "place": b.place,
            "asked_at": _iso(b.created_at),
            "booked_at": _iso(b.booked_at),
            "offered_at": _iso(b.offered_at),
            "offer_expires_at": _iso(b.offer_expires_at),
            "cancelled_at": _iso(b.cancelled_at),
            "attended_at": _iso(b.attended_at),
            "paid_pence": b.amount_paid_pence,
        }
        if b.pk in needs:
            item["dietary_needs"] = needs[b.pk].dietary
            item["access_needs"] = needs[b.pk].access
        out.append(item)
    return out
