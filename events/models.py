"""Events members book: conferences, courses, webinars, branch meetings and rep training.

An event has one or several sessions, a capacity, an audience (`events/access.py` decides
who is in it), booking dates and a fee. A member's `Booking` is a place (`place` numbered
1..capacity, unique per event: the database gives the last place to one person only), a
place on the waiting list, or an offer of a freed place held for them for 48 hours. Dietary
and access needs given at booking are kept apart (`BookingNeeds`, encrypted), readable only
by the event's organisers, and deleted 30 days after the event.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import Nation, Section
from portal.fields import EncryptedTextField
from portal.urlcache import cached_reverse


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    COURSE = "course", _("Course")
    WEBINAR = "webinar", _("Webinar")
    BRANCH_MEETING = "branch_meeting", _("Branch meeting")
    REP_TRAINING = "rep_training", _("Rep training")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Event(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    summary = models.CharField(max_length=300, help_text="One or two sentences for the list.")
    description = models.TextField(blank=True)
    # Where: in person (venue, address, access information) or online (the joining link is
    # shown only to members with a place).
    online = models.BooleanField(
        default=False, help_text="Online: the joining link is shown only to those booked."
    )
    venue = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    access_information = models.TextField(
        blank=True, help_text="Step-free access, hearing loop, quiet room, parking…"
    )
    joining_link = models.URLField(max_length=500, blank=True)
    # The nation it is held in or for (the list's nation filter); blank: UK-wide.
    nation = models.CharField(max_length=20, choices=Nation.choices, blank=True)
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends")
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Audience: every condition that is set must match; none set means every active member.
    audience_section = models.CharField(
        "section",
        max_length=20,
        choices=Section.choices,
        blank=True,
        help_text="Any section. Leadership: Leadership-section members only.",
    )
    audience_nation = models.CharField(
        "nation", max_length=20, choices=Nation.choices, blank=True, help_text="Any nation."
    )
    audience_region = models.ForeignKey(
        "accounts.Region",
        verbose_name="region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Any region.",
    )
    audience_reps_only = models.BooleanField("reps only", default=False)
    booking_opens_at = models.DateTimeField("booking opens")
    booking_closes_at = models.DateTimeField("booking closes")
    # Fee in pence; 0 is free. Paid through the card provider (subscriptions/card.py).
    fee_pence = models.PositiveIntegerField("fee (pence)", default=0)
    ask_needs = models.BooleanField(
        "ask for dietary and access needs",
        default=True,
        help_text="Kept apart, seen only by this event's organisers, deleted 30 days after.",
    )
    # CPD (cpd/): the hours a member who attended gets on their record (empty: the
    # sessions' length), and the learning outcomes on their record and certificate.
    cpd_hours = models.DecimalField(
        "CPD hours",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Hours on attendees' CPD record. Empty: the length of the sessions.",
    )
    learning_outcomes = models.TextField(
        blank=True, help_text="On attendees' CPD record and certificate."
    )
    # Conferences (events/conference.py): motions are submitted until this time.
    motions_close_at = models.DateTimeField(
        "motions deadline", null=True, blank=True, help_text="Conferences: motions close."
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organised_events",
        help_text="Events organisers who see bookings, needs and the register of this event.",
    )
    status = models.CharField(
        max_length=12, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["kind", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(booking_closes_at__gt=models.F("booking_opens_at")),
                name="event_booking_closes_after_opening",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return cached_reverse("events:detail", args=(self.slug,))

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_free(self) -> bool:
        return self.fee_pence == 0

    @property
    def fee_display(self) -> str:
        return f"£{self.fee_pence // 100}.{self.fee_pence % 100:02d}"


class EventSession(models.Model):
    """One part of an event: a day of a conference, a module of a course."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends")
    location = models.CharField(
        max_length=200, blank=True, help_text="Room or breakout, if not the event's venue."
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.title


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    WAITING = "waiting", _("On the waiting list")
    OFFERED = "offered", _("Offered a place")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    OFFER_EXPIRED = "offer_expired", _("Offer expired")


# A booking in one of these holds a place number.
HOLDS_PLACE = (BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.ATTENDED)
# A booking in one of these is the member's current one for the event (one at a time).
CURRENT = (*HOLDS_PLACE, BookingStatus.WAITING)


class Booking(models.Model):
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_bookings"
    )
    status = models.CharField(max_length=16, choices=BookingStatus.choices)
    # 1..event.capacity while the booking holds a place (booked, offered, attended).
    place = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Order on the waiting list: who asked first is offered first.
    waiting_since = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Paid events: the card provider's intent and the amount paid (pence).
    payment_intent_id = models.CharField(max_length=100, blank=True)
    amount_paid_pence = models.PositiveIntegerField(default=0)
    # Service notices sent (each once).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_week_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_day_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "place", "waiting_since", "pk"]
        indexes = [
            models.Index(fields=["event", "status", "waiting_since"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["status", "offer_expires_at"]),
        ]
        constraints = [
            # The last place goes to one person: a place number is held once per event.
            models.UniqueConstraint(
                fields=["event", "place"],
                condition=Q(place__isnull=False),
                name="booking_one_holder_per_place",
            ),
            models.CheckConstraint(
                condition=Q(place__isnull=True) | Q(place__gte=1), name="booking_place_from_one"
            ),
            # A booking holds a place exactly when it is booked, offered or attended.
            models.CheckConstraint(
                condition=(
                    Q(status__in=HOLDS_PLACE, place__isnull=False)
                    | (~Q(status__in=HOLDS_PLACE) & Q(place__isnull=True))
                ),
                name="booking_place_iff_holding",
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=CURRENT),
                name="booking_one_current_per_member",
            ),
        ]

    def __str__(self):
        return f"{self.event} · {self.get_status_display()}"

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE


class BookingNeeds(models.Model):
    """Dietary and access needs given at booking: kept apart like equality data, encrypted,
    seen only by the event's organisers, deleted 30 days after the event (beat task)."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="needs")
    dietary = EncryptedTextField(blank=True)
    access = EncryptedTextField(blank=True)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "booking needs"
        verbose_name_plural = "booking needs"

    def __str__(self):
        return f"Needs for booking {self.booking_id}"


# Conferences' motions, composites and delegates (their own module, one app).
from .conference import Composite, Delegate, Motion  # noqa: E402, F401
