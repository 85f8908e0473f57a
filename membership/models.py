"""What a member pays and how their membership changes over time.

History: `MembershipChange` is this app's own record of every change to a membership (who,
when, which field, old and new value, and why). accounts' `RoleChange` is written by
database triggers and already records every change of membership *status* (whatever makes
it: a service, `.update()`, raw SQL); it is kept as it is, because it is the access
history: an append-only table the database guards, with one trigger per access field.
Membership terms change for reasons only the services know (a life event, a reduction
approved, a resignation, a rejoining), for fields the triggers do not watch (role, hours,
band, rate, reductions), so those rows are written here by the services, in the same
transaction as the change. The retention report reads status changes from `RoleChange`
(nothing escapes it) and reasons from `Resignation`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import FeeBand, Hours, JobRole, MembershipStatus, Nation, Section

from .rules import Frequency, ReductionKind


class FeeRate(models.Model):
    """One rate of the fee schedule: a band's subscription at one frequency, from a date.
    The rate that applies on a day is the one with the latest `effective_from` on or before
    it, so next year's rates are entered before they apply."""

    band = models.CharField(max_length=4, choices=FeeBand.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    effective_from = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the notice task once every member it changes has been told.
    notices_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["band", "frequency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["band", "frequency", "effective_from"], name="feerate_one_per_day"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="feerate_not_negative"),
        ]
        indexes = [models.Index(fields=["effective_from"])]

    def __str__(self):
        return f"{self.get_band_display()}, {self.get_frequency_display()}: £{self.amount}"


class Subscription(models.Model):
    """A member's own terms beyond the band: how often they pay and their contracted hours."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="subscription"
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    contracted_hours = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="For part-timers."
    )

    def __str__(self):
        return f"Subscription of membership {self.membership_id}"


class ReductionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a membership officer")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class Reduction(models.Model):
    """A reduced rate for a period. Those that need evidence wait for a membership officer,
    who is neither the person who asked, the member, nor anyone who edited it."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="reductions"
    )
    kind = models.CharField(max_length=20, choices=ReductionKind.choices)
    status = models.CharField(
        max_length=10, choices=ReductionStatus.choices, default=ReductionStatus.PENDING
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    detail = models.CharField(max_length=40, blank=True)  # e.g. which kind of leave
    evidence_note = models.CharField(
        "what the member says they can show", max_length=300, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text="Who changed it."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        permissions = [("decide_reduction", "Can approve or refuse reduced rates")]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="reduction_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="reduction_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for membership {self.membership_id}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class LifeEventKind(models.TextChoices):
    HOURS = "hours", _("Going part time, or changing my hours")
    LEAVE = "leave", _("Maternity, adoption or shared parental leave")
    RETURNING = "returning", _("Returning from leave or a career break")
    RETIRING = "retiring", _("Retiring")
    MOVING = "moving", _("Moving employer, workplace or role")
    LEAVING = "leaving", _("Leaving education (looking for work)")
    CAREER_BREAK = "career_break", _("Taking a career break")
    STUDENT = "student", _("Becoming a student")
    ECT = "ect", _("Starting as an early career teacher")


class LifeEvent(models.Model):
    """A change in a member's working life, with its effective date and what it changed
    (`before` and `after`: section, band, role, hours and rate)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="life_events"
    )
    kind = models.CharField(max_length=20, choices=LifeEventKind.choices)
    effective_on = models.DateField()
    # What the event sets on the membership when it applies (job_role, hours, employer...).
    sets = models.JSONField(default=dict, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reduction = models.ForeignKey(
        Reduction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    # A member lowering their own rate is recorded and shown to the membership officers.
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["applied_at", "effective_on"]),
            models.Index(fields=["flagged", "reviewed_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for membership {self.membership_id}"


class ResignationReason(models.TextChoices):
    RETIRING = "retiring", _("I am retiring")
    LEAVING_EDUCATION = "leaving_education", _("I am leaving education")
    COST = "cost", _("The cost")
    UNHAPPY = "unhappy", _("I am unhappy with the union")
    OTHER_UNION = "other_union", _("I am joining another union")
    OTHER = "other", _("Another reason")


class Resignation(models.Model):
    """A member's notice of resignation; the membership is resigned on `effective_on`."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="resignations"
    )
    reason = models.CharField(max_length=20, choices=ResignationReason.choices, blank=True)
    given_on = models.DateField()
    effective_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(applied_at__isnull=True, withdrawn_at__isnull=True),
                name="resignation_one_open_per_membership",
            )
        ]

    def __str__(self):
        return f"Resignation of membership {self.membership_id} on {self.effective_on}"


class ChangeSource(models.TextChoices):
    LIFE_EVENT = "life_event", _("Life event")
    REDUCTION = "reduction", _("Reduced rate")
    RESIGNATION = "resignation", _("Resignation")
    REJOINING = "rejoining", _("Rejoining")
    PROFILE = "profile", _("The member's details")
    STAFF = "staff", _("A member of staff")
    SCHEDULE = "schedule", _("Fee schedule")
    PAYMENT = "payment", _("Payments")


FIELD_LABELS = {
    "status": _("Membership status"),
    "job_role": _("Job role"),
    "hours": _("Hours"),
    "contracted_hours": _("Contracted hours a week"),
    "section": _("Section"),
    "fee_band": _("Fee band"),
    "rate": _("Rate"),
    "reduction": _("Reduced rate"),
    "employer": _("Employer"),
    "workplace_postcode": _("Workplace postcode"),
    "region": _("Region"),
    "nation": _("Nation"),
    "is_rep": _("Workplace rep"),
    "joined_on": _("Joined"),
    "resignation": _("Resignation"),
    "payment_method": _("How you pay"),
    "mandate": _("Direct Debit"),
    "collection": _("Subscription collected"),
    "card_payment": _("Card payment"),
    "arrears": _("Arrears"),
}
VALUE_CHOICES = {
    "status": MembershipStatus,
    "job_role": JobRole,
    "hours": Hours,
    "section": Section,
    "fee_band": FeeBand,
    "nation": Nation,
}


def value_label(field_name: str, value: str) -> str:
    choices = VALUE_CHOICES.get(field_name)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return value


class MembershipChange(models.Model):
    """One change to one field of a membership: who, when, old and new value, and why.
    Written by the services only; read-only everywhere."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="changes"
    )
    at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=ChangeSource.choices)
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["membership", "-at"])]
        permissions = [("view_retention_report", "Can see the retention report")]

    def __str__(self):
        return f"Change {self.pk} to {self.field} of membership {self.membership_id}"

    @property
    def field_label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    @property
    def old_label(self) -> str:
        return value_label(self.field, self.old_value)

    @property
    def new_label(self) -> str:
        return value_label(self.field, self.new_value)


class RateNotice(models.Model):
    """A member was told about a change of the fee schedule: one row per member and rate,
    so that the notice task can run again and tell nobody twice."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    fee_rate = models.ForeignKey(FeeRate, on_delete=models.CASCADE, related_name="notices")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "fee_rate"], name="ratenotice_once_per_member"
            )
        ]

    def __str__(self):
        return f"Notice of rate {self.fee_rate_id} to membership {self.membership_id}"
