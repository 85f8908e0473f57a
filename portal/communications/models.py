"""Member communications: what staff send (`Communication`), the record of every email to
one person (`Delivery`, for bulk sends and for notifications alike), and what mail servers
told us back about an address (`AddressStatus`, `AddressEvent`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import MembershipStatus


class Kind(models.TextChoices):
    SERVICE = "service", _("Service message")
    CAMPAIGN = "campaign", _("Campaign")
    NEWSLETTER = "newsletter", _("Newsletter")
    JOURNAL = "journal", _("Leadership journal")
    # A workplace rep's message to colleagues who agreed to contact from their rep
    # (reps/: "message my members"), approved by a regional or communications officer.
    REP_CONTACT = "rep_contact", _("Message from a workplace rep")


# The kinds a member opts in to (the same values as accounts' CommunicationKind): they go only
# to members who consented by email, carry a one-click unsubscribe, and skip addresses that
# bounce. Staff compose only these: a message written by hand is never a service message.
CONSENT_KINDS = frozenset({Kind.CAMPAIGN, Kind.NEWSLETTER, Kind.JOURNAL, Kind.REP_CONTACT})
# "Service" survives only on communications sent before that rule; service notices are the
# portal's own notifications (notices.py), from templates in code.
# Rep messages are written by reps on /rep/message/, never composed in the admin.
COMPOSABLE_KINDS = [
    (k.value, k.label) for k in Kind if k in CONSENT_KINDS and k != Kind.REP_CONTACT
]
# Consultation invitations and reminders (notifications) follow a consent of their own.
CONSULTATIONS_CONSENT = "consultations"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


def default_statuses() -> list[str]:
    return [MembershipStatus.ACTIVE.value]


class Communication(models.Model):
    """A message composed by staff for an audience of members."""

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWSLETTER)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=(
            "Markdown. You may use {first_name}, {membership_number} and {section}: each "
            "member sees their own."
        )
    )
    # Audience: an empty filter means "any".
    sections = models.JSONField(default=list, blank=True)
    nations = models.JSONField(default=list, blank=True)
    regions = models.ManyToManyField("accounts.Region", blank=True, related_name="+")
    employer_kinds = models.JSONField("employer types", default=list, blank=True)
    statuses = models.JSONField("membership status", default=default_statuses)
    job_roles = models.JSONField(default=list, blank=True)
    employers = models.ManyToManyField(
        "accounts.Employer", blank=True, related_name="+", verbose_name="workplaces"
    )
    workplace = models.ForeignKey(
        "accounts.Workplace",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rep's workplace",
        help_text="A rep's message: only members at this workplace (who agreed to rep contact).",
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recipient list was fixed."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]
        permissions = [
            ("approve_communication", "Can approve a communication composed by someone else"),
            ("send_communication", "Can send, schedule, pause and resume a communication"),
        ]

    def __str__(self):
        return self.subject

    @property
    def needs_consent(self) -> bool:
        # Every composed message needs consent; an old "service" one counts as a campaign.
        return True

    @property
    def consent_kind(self) -> str:
        return self.kind if self.kind in CONSENT_KINDS else Kind.CAMPAIGN.value

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def has_started(self) -> bool:
        return self.status in {Status.SENDING, Status.PAUSED, Status.SENT} or bool(self.started_at)


class CommunicationEdit(models.Model):
    """One save of a communication, by whom: every editor is recorded, so that nobody who
    wrote any part of it can approve it. Written by `communication_save` only."""

    communication = models.ForeignKey(Communication, on_delete=models.CASCADE, related_name="edits")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    changed = models.JSONField(default=list, blank=True, help_text="The fields it changed.")
    status_before = models.CharField(max_length=20, choices=Status.choices, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["communication", "by"], name="communication_edit_by")]

    def __str__(self):
        return f"{self.communication_id} edited by {self.by_id} at {self.at:%Y-%m-%d %H:%M}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    # The worker stopped while this one was being handed to the mail server: it may or may
    # not have gone. Never sent again automatically; staff review it.
    UNCERTAIN = "uncertain", "Check: worker stopped while sending"
    # Consent withdrawn or the address stopped after the list was fixed: not sent (reason).
    SKIPPED = "skipped", "Skipped"


class Resolution(models.TextChoices):
    """What an officer decided about an uncertain delivery."""

    RESENT = "resent", "Resent, knowing a duplicate is possible"
    MARKED_DELIVERED = "marked_delivered", "Marked as delivered"


# Rows a worker holds: claimed for its batch, not yet sent.
IN_FLIGHT = (DeliveryStatus.CLAIMED,)
UNFINISHED = (DeliveryStatus.QUEUED, *IN_FLIGHT)


class Feedback(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", "Hard bounce"
    SOFT_BOUNCE = "soft_bounce", "Soft bounce"
    COMPLAINT = "complaint", "Complaint"


class Delivery(models.Model):
    """One email to one person: recorded before it is attempted, marked sent after.

    A bulk send has one row per member (unique), created all at once when sending starts;
    a notification has its own row, created in the caller's transaction.
    """

    # Both keys are served by the composite indexes below (every index costs each "sent" mark).
    communication = models.ForeignKey(
        Communication,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    email = models.EmailField(help_text="The address at the time the recipient was recorded.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    notification = models.CharField(
        max_length=60, blank=True, help_text="For notifications: the template's kind."
    )
    context = models.JSONField(null=True, blank=True)
    is_test = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField("reason", max_length=500, blank=True)
    feedback = models.CharField(max_length=12, choices=Feedback.choices, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # An uncertain delivery's review: who decided what, when.
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["communication", "user"],
                condition=Q(communication__isnull=False, is_test=False),
                name="delivery_once_per_member",
            )
        ]
        indexes = [
            models.Index(fields=["communication", "status", "id"], name="delivery_comm_status"),
            # Only rows waiting or held are in it: marking a row sent does not touch it.
            models.Index(
                fields=["status", "claimed_at"],
                name="delivery_waiting",
                condition=Q(status__in=["queued", "claimed"]),
            ),
            models.Index(fields=["user", "created_at"], name="delivery_user_created"),
            # The metrics' failed and uncertain counts (portal/metrics.py): only those rows.
            models.Index(
                fields=["status"],
                name="delivery_trouble",
                condition=Q(status__in=["failed", "uncertain"]),
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"


class AddressStatus(models.Model):
    """What mail servers reported about an address. Suppressed addresses get no more
    campaigns, newsletters or journals; service messages are still attempted."""

    email = models.EmailField(unique=True)
    hard_bounces = models.PositiveIntegerField(default=0)
    soft_bounces = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    suppressed = models.BooleanField(default=False)
    last_event_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "address status"
        verbose_name_plural = "address statuses"
        ordering = ["email"]
        indexes = [models.Index(fields=["suppressed", "email"], name="address_suppressed")]

    def __str__(self):
        return self.email


class AddressEvent(models.Model):
    """Every bounce or complaint reported to the webhook, as it came."""

    email = models.EmailField()
    event = models.CharField(max_length=12, choices=Feedback.choices)
    reason = models.CharField(max_length=500, blank=True)
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["email", "at"], name="address_event_email")]

    def __str__(self):
        return f"{self.email}: {self.get_event_display()}"


class WebhookEvent(models.Model):
    """The replay store: the id of every signed webhook event taken, kept for longer than a
    signature stays valid (conf.webhook_tolerance()); a second use of an id is refused."""

    event_id = models.CharField(max_length=100, unique=True)
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["signed_at"], name="webhook_event_signed")]

    def __str__(self):
        return self.event_id
