"""Reps: the roles members hold at their workplaces, the training they completed, who
supported a volunteer, who a rep looked at, and the rep's invite links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import Section
from portal.accounts.models import Membership, Workplace
from portal.communications.models import Communication


class RepKind(models.TextChoices):
    WORKPLACE = "workplace", _("Workplace rep")
    HEALTH_SAFETY = "health_safety", _("Health and safety rep")
    LEARNING = "learning", _("Learning rep")
    EQUALITY = "equality", _("Equality rep")


class RepStatus(models.TextChoices):
    VOLUNTEERED = "volunteered", _("Volunteered")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


# Statuses a role may move to from each status (services.rep_role_* enforce it).
ALLOWED_MOVES = {
    RepStatus.VOLUNTEERED: {RepStatus.CONFIRMED, RepStatus.DECLINED, RepStatus.WITHDRAWN},
    RepStatus.CONFIRMED: {RepStatus.WITHDRAWN, RepStatus.EXPIRED},
}
OPEN_STATUSES = (RepStatus.VOLUNTEERED, RepStatus.CONFIRMED)


class RepRole(models.Model):
    """One member's role at one workplace: volunteered, then confirmed by the regional
    office (or declined, withdrawn, expired when the accreditation ends)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="rep_roles")
    workplace = models.ForeignKey(Workplace, on_delete=models.PROTECT, related_name="rep_roles")
    kind = models.CharField(max_length=20, choices=RepKind.choices)
    status = models.CharField(
        max_length=12, choices=RepStatus.choices, default=RepStatus.VOLUNTEERED
    )
    volunteered_at = models.DateTimeField(default=timezone.now)
    elected_on = models.DateField(null=True, blank=True)
    accredited_until = models.DateField(null=True, blank=True)
    election_result = models.CharField(
        max_length=200,
        blank=True,
        help_text="When more than one stood: the result of the election run with ballots.",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-volunteered_at", "-pk"]
        verbose_name = "rep role"
        indexes = [
            models.Index(fields=["workplace", "kind", "status"]),
            models.Index(fields=["status", "accredited_until"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "workplace", "kind"],
                condition=models.Q(status__in=["volunteered", "confirmed"]),
                name="rep_role_one_open_per_member_workplace_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.workplace} ({self.get_status_display()})"


class RepTraining(models.Model):
    """A course a rep completed."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="rep_trainings"
    )
    title = models.CharField(max_length=200)
    completed_on = models.DateField()
    # The event booking it came from, when the union's own rep training was attended (the
    # organiser's register): no foreign key, so that reps do not depend on events.
    from_booking_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name = "rep training"
        constraints = [
            models.UniqueConstraint(fields=["from_booking_id"], name="reptraining_booking_once")
        ]

    def __str__(self):
        return f"{self.title} ({self.completed_on:%d %b %Y})"


class RepSupport(models.Model):
    """A colleague at the workplace supports a member who volunteered."""

    role = models.ForeignKey(RepRole, on_delete=models.CASCADE, related_name="supports")
    supporter = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="rep_supports_given"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "supporter"], name="rep_support_once")
        ]

    def __str__(self):
        return f"support for role {self.role_id} by {self.supporter_id}"


class RepAccessKind(models.TextChoices):
    LIST = "list", _("your workplace's member list")
    MEMBER = "member", _("your membership page")


class RepAccess(models.Model):
    """A rep saw a member in the rep's space: one row per member listed or opened, so that
    the member reads who looked at their membership with one indexed query. Append-only."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep_accesses"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    workplace = models.ForeignKey(
        Workplace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=RepAccessKind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "rep's look at a membership"
        indexes = [models.Index(fields=["member", "-at"])]

    def __str__(self):
        return f"{self.kind} of user {self.member_id} by {self.viewer_id}"


class RepInvite(models.Model):
    """A rep's personal invite link to /join/ for one workplace; revocable."""

    role = models.ForeignKey(RepRole, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "rep invite link"

    def __str__(self):
        return f"invite of role {self.role_id}"


class Recruitment(models.Model):
    """A member who joined through a rep's invite: credited to the workplace and the rep."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="recruitment"
    )
    invite = models.ForeignKey(RepInvite, on_delete=models.PROTECT, related_name="recruits")
    workplace = models.ForeignKey(Workplace, on_delete=models.PROTECT, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"recruitment of {self.membership_id}"


class Headcount(models.Model):
    """How many people work in one section at a workplace on a day, as the rep counted: kept
    per day, so that density (members against headcount) has a history."""

    workplace = models.ForeignKey(Workplace, on_delete=models.CASCADE, related_name="headcounts")
    section = models.CharField(max_length=20, choices=Section.choices)
    headcount = models.PositiveIntegerField()
    counted_on = models.DateField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workplace", "counted_on", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["workplace", "section", "counted_on"], name="headcount_one_per_day"
            )
        ]

    def __str__(self):
        return f"{self.headcount} in {self.section} at {self.workplace_id} on {self.counted_on}"


class RepMessage(Communication):
    """A rep's message to colleagues (a `Communication` of the rep-contact kind for one
    workplace), as the regional office sees it in the admin to approve or return."""

    class Meta:
        proxy = True
        verbose_name = "rep's message"
        verbose_name_plural = "reps' messages"
