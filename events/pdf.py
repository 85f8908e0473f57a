"""The organiser's badge and attendance list PDF for one event: the list to sign (with
the needs organisers must plan for) and a name badge per person booked. Organisers of the
event only (admin.EventAdmin.pdf_view through access.may_take_register)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from portal.pdf import html_to_pdf

from .models import BookingNeeds, Event
from .selectors import register_for


def attendance_html(event: Event) -> str:
    register = register_for(event)
    needs = {
        n.booking_id: n for n in BookingNeeds.objects.filter(booking__in=[b.pk for b in register])
    }
    rows = [{"booking": b, "needs": needs.get(b.pk)} for b in register]
    return render_to_string(
        "events/attendance_pdf.html",
        {
            "event": event,
            "rows": rows,
            "union_name": settings.PORTAL_UNION_NAME,
            "made_at": timezone.localtime(),
        },
    )


def attendance_pdf(event: Event) -> bytes:
    return html_to_pdf(attendance_html(event))
