"""Every write about events and bookings. Keyword-only arguments; each service is atomic,
locks the event row it changes (so places, offers and the waiting list move one at a time),
and tells members through `notification_send` after commit.

The waiting list is first come, first served: while anyone is waiting or holds an offer,
a newcomer joins the list even if a place is free, so nobody jumps it. A freed place is
offered to the first person waiting for `OFFER_HOURS`; an offer not taken in time passes
to the next (`offers_expire`, a beat task).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.communications.notifications import absolute_url, notification_send

from . import access
from .models import (
    CURRENT,
    HOLDS_PLACE,
    Booking,
    BookingNeeds,
    BookingStatus,
    Event,
    EventStatus,
)

OFFER_HOURS = 48
NEEDS_KEPT_DAYS = 30
NEEDS_MAX_LENGTH = 1000

NOT_OPEN_YET = _("Booking for this event has not opened yet.")
BOOKING_CLOSED = _("Booking for this event has closed.")
EVENT_CANCELLED = _("This event has been cancelled.")
NOT_IN_AUDIENCE = _("This event is not open to you.")
ALREADY_BOOKED = _("You already have a place at this event.")
ALREADY_WAITING = _("You are already on the waiting list for this event.")
ALREADY_OFFERED = _("A place is being held for you: accept it below.")
FULL = _("This event is full. You can join the waiting list instead.")
NOT_FULL = _("There are places free: book one instead of joining the waiting list.")
NOTHING_TO_CANCEL = _("You have no booking at this event to cancel.")
NO_OFFER = _("There is no place offered to you at this event.")
OFFER_LAPSED = _("The place offered to you was not taken in time and has gone to the next person.")
TOO_LATE_TO_CANCEL = _("This event has started: it can no longer be cancelled.")
PAYMENT_FAILED = _("The card payment did not go through, so no place was booked.")
NEEDS_TOO_LONG = _("Keep this to 1,000 characters or fewer.")
NOT_AN_ORGANISER = _("Only the organisers of this event can do that.")
NOT_ON_THE_DAY = _("Attendance can be taken from the day the event starts.")
NOT_BOOKED = _("Only a member with a place can be marked as attending.")
ALREADY_CANCELLED = _("This event is already cancelled.")
REASON_NEEDED = _("Give the reason members will read.")


class EventRuleError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _locked_event(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _current(event: Event, user) -> Booking | None:
    return (
        Booking.objects.select_for_update()
        .filter(event=event, user=user, status__in=CURRENT)
        .first()
    )


def _free_places(event: Event) -> list[int]:
    held = set(
        Booking.objects.filter(event=event, place__isnull=False).values_list("place", flat=True)
    )
    return [n for n in range(1, event.capacity + 1) if n not in held]


def _queue_exists(event: Event) -> bool:
    return Booking.objects.filter(
        event=event, status__in=(BookingStatus.WAITING, BookingStatus.OFFERED)
    ).exists()


def booking_problem(*, event: Event, user, now: datetime | None = None) -> str | None:
    """Why this member cannot book or join the list now, or None."""
    now = _now(now)
    if event.status == EventStatus.CANCELLED:
        return str(EVENT_CANCELLED)
    if not access.is_in_audience(event, access.membership_of(user)):
        return str(NOT_IN_AUDIENCE)
    if now < event.booking_opens_at:
        return str(NOT_OPEN_YET)
    if now >= event.booking_closes_at or now >= event.starts_at:
        return str(BOOKING_CLOSED)
    return None


def _check_needs(dietary: str, access_needs: str) -> tuple[str, str]:
    dietary, access_needs = (dietary or "").strip(), (access_needs or "").strip()
    if len(dietary) > NEEDS_MAX_LENGTH or len(access_needs) > NEEDS_MAX_LENGTH:
        raise EventRuleError(NEEDS_TOO_LONG)
    if "\x00" in dietary or "\x00" in access_needs:
        raise EventRuleError(NEEDS_TOO_LONG)
    return dietary, access_needs


def _save_needs(booking: Booking, dietary: str, access_needs: str) -> None:
    if not booking.event.ask_needs:
        return
    if dietary or access_needs:
        BookingNeeds.objects.update_or_create(
            booking=booking, defaults={"dietary": dietary, "access": access_needs}
        )


def _notice_context(event: Event) -> dict:
    return {
        "title": event.title[:200],
        "starts": timezone.localtime(event.starts_at).strftime("%-d %B %Y, %H:%M"),
        "url": absolute_url(event.get_absolute_url()),
    }


def _confirm(booking: Booking, now: datetime) -> None:
    notification_send(
        user=booking.user,
        kind="event_booking_confirmed",
        context={**_notice_context(booking.event), "booking": booking.pk},
    )
    Booking.objects.filter(pk=booking.pk).update(confirmation_sent_at=now)


def _take_payment(event: Event, user) -> str:
    from subscriptions.card import card_provider
    from subscriptions.models import CardPaymentStatus

    provider = card_provider()
    intent = provider.create_intent(
        membership=access.membership_of(user),
        amount_pence=event.fee_pence,
        description=f"Event {event.slug}",
    )
    if intent.redirect_url is not None or provider.confirm(intent.intent_id) != (
        CardPaymentStatus.SUCCEEDED
    ):
        raise EventRuleError(PAYMENT_FAILED)
    return intent.intent_id


def booking_book(
    *,
    user,
    event_id: int,
    dietary: str = "",
    access_needs: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book a free place (the lowest free place number). Refused when the event is full or
    anyone is waiting: they join the waiting list instead (`waiting_list_join`)."""
    now = _now(now)
    dietary, access_needs = _check_needs(dietary, access_needs)
    with transaction.atomic():
        event = _locked_event(event_id)
        problem = booking_problem(event=event, user=user, now=now)
        if problem:
            raise EventRuleError(problem)
        current = _current(event, user)
        if current is not None:
            raise EventRuleError(
                {
                    BookingStatus.WAITING: ALREADY_WAITING,
                    BookingStatus.OFFERED: ALREADY_OFFERED,
                }.get(current.status, ALREADY_BOOKED)
            )
        free = _free_places(event)
        if not free or _queue_exists(event):
            raise EventRuleError(FULL)
        payment = _take_payment(event, user) if event.fee_pence else ""
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    event=event,
                    user=user,
                    status=BookingStatus.BOOKED,
                    place=free[0],
                    created_at=now,
                    booked_at=now,
                    payment_intent_id=payment,
                    amount_paid_pence=event.fee_pence,
                )
        except IntegrityError as error:  # the database's last word on the last place
            raise EventRuleError(FULL) from error
        _save_needs(booking, dietary, access_needs)
        _confirm(booking, now)
    return booking


def waiting_list_join(
    *,
    user,
    event_id: int,
    dietary: str = "",
    access_needs: str = "",
    now: datetime | None = None,
) -> Booking:
    now = _now(now)
    dietary, access_needs = _check_needs(dietary, access_needs)
    with transaction.atomic():
        event = _locked_event(event_id)
        problem = booking_problem(event=event, user=user, now=now)
        if problem:
            raise EventRuleError(problem)
        current = _current(event, user)
        if current is not None:
            raise EventRuleError(
                ALREADY_WAITING if current.status == BookingStatus.WAITING else ALREADY_BOOKED
            )
        if _free_places(event) and not _queue_exists(event):
            raise EventRuleError(NOT_FULL)
        booking = Booking.objects.create(
            event=event,
            user=user,
            status=BookingStatus.WAITING,
            created_at=now,
            waiting_since=now,
        )
        _save_needs(booking, dietary, access_needs)
        notification_send(user=user, kind="event_booking_waiting", context=_notice_context(event))
        _offer_free_places(event, now)
    return booking


def _offer_free_places(event: Event, now: datetime) -> list[Booking]:
    """Offer each free place to the next person waiting, in the order they joined. Call
    with the event row locked."""
    if event.status != EventStatus.SCHEDULED or now >= event.starts_at:
        return []
    offered = []
    free = _free_places(event)
    if not free:
        return []
    waiting = list(
        Booking.objects.select_for_update()
        .select_related("user")
        .filter(event=event, status=BookingStatus.WAITING)
        .order_by("waiting_since", "pk")[: len(free)]
    )
    expires = min(now + timedelta(hours=OFFER_HOURS), event.starts_at)
    for place, booking in zip(free, waiting, strict=False):
        booking.status = BookingStatus.OFFERED
        booking.place = place
        booking.offered_at = now
        booking.offer_expires_at = expires
        booking.save(update_fields=["status", "place", "offered_at", "offer_expires_at"])
        notification_send(
            user=booking.user,
            kind="event_booking_offer",
            context={
                **_notice_context(event),
                "until": timezone.localtime(expires).strftime("%-d %B %Y, %H:%M"),
            },
        )
        offered.append(booking)
    return offered


def booking_cancel(*, user, event_id: int, now: datetime | None = None) -> Booking:
    """The member gives up their place, their offer or their place on the waiting list; a
    place freed goes to the next person waiting."""
    now = _now(now)
    with transaction.atomic():
        event = _locked_event(event_id)
        booking = _current(event, user)
        if booking is None or booking.status == BookingStatus.ATTENDED:
            raise EventRuleError(NOTHING_TO_CANCEL)
        if now >= event.starts_at:
            raise EventRuleError(TOO_LATE_TO_CANCEL)
        held = booking.holds_place
        booking.status = BookingStatus.CANCELLED
        booking.place = None
        booking.cancelled_at = now
        booking.save(update_fields=["status", "place", "cancelled_at"])
        BookingNeeds.objects.filter(booking=booking).delete()
        notification_send(user=user, kind="event_booking_cancelled", context=_notice_context(event))
        if held:
            _offer_free_places(event, now)
    return booking


def offer_accept(
    *,
    user,
    event_id: int,
    dietary: str = "",
    access_needs: str = "",
    now: datetime | None = None,
) -> Booking:
    now = _now(now)
    dietary, access_needs = _check_needs(dietary, access_needs)
    with transaction.atomic():
        event = _locked_event(event_id)
        booking = _current(event, user)
        if booking is None or booking.status != BookingStatus.OFFERED:
            lapsed = Booking.objects.filter(
                event=event, user=user, status=BookingStatus.OFFER_EXPIRED
            ).exists()
            raise EventRuleError(OFFER_LAPSED if lapsed else NO_OFFER)
        if now >= booking.offer_expires_at:
            raise EventRuleError(OFFER_LAPSED)
        if event.status == EventStatus.CANCELLED:
            raise EventRuleError(EVENT_CANCELLED)
        if event.fee_pence:
            booking.payment_intent_id = _take_payment(event, user)
            booking.amount_paid_pence = event.fee_pence
        booking.status = BookingStatus.BOOKED
        booking.booked_at = now
        booking.save(
            update_fields=["status", "booked_at", "payment_intent_id", "amount_paid_pence"]
        )
        _save_needs(booking, dietary, access_needs)
        _confirm(booking, now)
    return booking


def offers_expire(*, now: datetime | None = None) -> int:
    """Offers not taken in time pass to the next person waiting (beat task). Returns how
    many offers lapsed."""
    now = _now(now)
    lapsed = 0
    event_ids = set(
        Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now).values_list(
            "event_id", flat=True
        )
    )
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = _locked_event(event_id)
            expired = list(
                Booking.objects.select_for_update()
                .select_related("user")
                .filter(event=event, status=BookingStatus.OFFERED, offer_expires_at__lte=now)
            )
            for booking in expired:
                booking.status = BookingStatus.OFFER_EXPIRED
                booking.place = None
                booking.save(update_fields=["status", "place"])
                BookingNeeds.objects.filter(booking=booking).delete()
                notification_send(
                    user=booking.user,
                    kind="event_booking_offer_expired",
                    context=_notice_context(event),
                )
                lapsed += 1
            _offer_free_places(event, now)
    return lapsed


def event_cancel(*, actor, event_id: int, reason: str, now: datetime | None = None) -> Event:
    """Cancel an event: everyone with a place, an offer or on the waiting list is told."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise EventRuleError(REASON_NEEDED)
    with transaction.atomic():
        event = _locked_event(event_id)
        if not access.is_organiser(actor):
            raise EventRuleError(NOT_AN_ORGANISER)
        if event.status == EventStatus.CANCELLED:
            raise EventRuleError(ALREADY_CANCELLED)
        event.status = EventStatus.CANCELLED
        event.cancelled_at = now
        event.cancellation_reason = reason
        event.save(update_fields=["status", "cancelled_at", "cancellation_reason"])
        bookings = list(
            Booking.objects.select_for_update()
            .select_related("user")
            .filter(event=event, status__in=(*HOLDS_PLACE, BookingStatus.WAITING))
            .exclude(status=BookingStatus.ATTENDED)
        )
        for booking in bookings:
            booking.status = BookingStatus.CANCELLED
            booking.place = None
            booking.cancelled_at = now
            booking.save(update_fields=["status", "place", "cancelled_at"])
            notification_send(
                user=booking.user,
                kind="event_booking_event_cancelled",
                context=_notice_context(event),
            )
    return event


# Apps told when a member's attendance is marked or undone, in the same transaction (reps:
# rep training attended goes on the rep's record), so that events need not import them.
_ATTENDANCE_LISTENERS: list = []


def register_attendance_listener(listener) -> None:
    """`listener(booking=..., attended=...)` after each change of attendance."""
    if listener not in _ATTENDANCE_LISTENERS:
        _ATTENDANCE_LISTENERS.append(listener)


def attendance_mark(
    *, actor, booking_id: int, attended: bool = True, now: datetime | None = None
) -> Booking:
    """Mark a member present (or undo it) on the register. Organisers of the event only,
    from the day it starts."""
    now = _now(now)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("event").get(pk=booking_id)
        event = booking.event
        if not access.may_take_register(actor, event):
            raise EventRuleError(NOT_AN_ORGANISER)
        if timezone.localdate(now) < timezone.localtime(event.starts_at).date():
            raise EventRuleError(NOT_ON_THE_DAY)
        if attended:
            if booking.status == BookingStatus.ATTENDED:
                return booking
            if booking.status != BookingStatus.BOOKED:
                raise EventRuleError(NOT_BOOKED)
            booking.status = BookingStatus.ATTENDED
            booking.attended_at = now
            booking.attendance_marked_by = actor
        else:
            if booking.status != BookingStatus.ATTENDED:
                return booking
            booking.status = BookingStatus.BOOKED
            booking.attended_at = None
            booking.attendance_marked_by = actor
        booking.save(update_fields=["status", "attended_at", "attendance_marked_by"])
        for listener in _ATTENDANCE_LISTENERS:
            listener(booking=booking, attended=attended)
    return booking


def reminders_send(*, now: datetime | None = None) -> int:
    """A week and a day before: each reminder once per booking (beat task; safe to run
    again, and by two workers at once)."""
    now = _now(now)
    sent = 0
    for field, window, kind in (
        ("reminder_day_sent_at", timedelta(days=1), "event_booking_reminder_day"),
        ("reminder_week_sent_at", timedelta(days=7), "event_booking_reminder_week"),
    ):
        due = Booking.objects.filter(
            status=BookingStatus.BOOKED,
            event__status=EventStatus.SCHEDULED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + window,
            **{f"{field}__isnull": True},
        ).values_list("pk", flat=True)
        for pk in list(due):
            with transaction.atomic():
                booking = (
                    Booking.objects.select_for_update(skip_locked=True)
                    .select_related("event", "user")
                    .filter(pk=pk, status=BookingStatus.BOOKED, **{f"{field}__isnull": True})
                    .first()
                )
                if booking is None:
                    continue
                updates = {field: now}
                if field == "reminder_day_sent_at":
                    # A day's reminder makes a week's one, not yet sent, pointless.
                    updates["reminder_week_sent_at"] = booking.reminder_week_sent_at or now
                Booking.objects.filter(pk=pk).update(**updates)
                notification_send(
                    user=booking.user,
                    kind=kind,
                    context={**_notice_context(booking.event), "booking": booking.pk},
                )
                sent += 1
    return sent


def needs_purge(*, now: datetime | None = None) -> int:
    """Dietary and access needs are deleted 30 days after the event ends (beat task)."""
    now = _now(now)
    deleted, _ = BookingNeeds.objects.filter(
        booking__event__ends_at__lt=now - timedelta(days=NEEDS_KEPT_DAYS)
    ).delete()
    return deleted


def event_save(*, actor, event: Event, is_new: bool, now: datetime | None = None) -> Event:
    """An organiser creates or changes an event in the admin (the form has checked dates,
    venue or link, and that the capacity is not below the places taken). More places offer
    themselves to the waiting list at once."""
    now = _now(now)
    with transaction.atomic():
        if is_new:
            event.created_by = actor
            event.created_at = now
            event.save()
        else:
            Event.objects.select_for_update().filter(pk=event.pk).first()
            event.save()
            _offer_free_places(event, now)
    return event


def event_organisers_ensure(*, actor, event: Event) -> None:
    """The organiser who creates an event organises it (its needs and register are theirs)."""
    if access.is_organiser(actor) and not event.organisers.filter(pk=actor.pk).exists():
        event.organisers.add(actor)
