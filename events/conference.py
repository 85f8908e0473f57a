"""Conferences: an event of kind conference has motions, composites and delegates.

- A *motion* is submitted before the conference's `motions_close_at` by a member on behalf
  of their branch or their section. The portal has no branch model: a member's branch is
  their workplace (`Membership.workplace`, the site where the branch meets); a section
  motion is submitted for the member's own section (`Membership.section`).
- The standing orders committee (the role "Standing orders committee") rules on each
  motion in the admin: accepted, composited (several motions become one `Composite`), or
  ruled out of order with a reason the submitter reads.
- The agenda (`/events/<slug>/agenda/`) shows the accepted motions and the composites.
- A *delegate* is a member elected by their branch, recorded by an officer in the admin;
  only delegates see and use the voting-delegate registration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MotionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the standing orders committee")
    ACCEPTED = "accepted", _("Accepted")
    COMPOSITED = "composited", _("Composited")
    OUT_OF_ORDER = "out_of_order", _("Ruled out of order")


ON_AGENDA = (MotionStatus.ACCEPTED, MotionStatus.COMPOSITED)


class SubmittedFor(models.TextChoices):
    BRANCH = "branch", _("My branch")
    SECTION = "section", _("My section")


class Composite(models.Model):
    """One motion made of several on the same subject, written by the committee."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="composites")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="composite_number_per_event")
        ]

    def __str__(self):
        return f"Composite {self.number}: {self.title}"


class Motion(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="motions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    submitted_for = models.CharField(max_length=10, choices=SubmittedFor.choices)
    branch = models.ForeignKey(
        "accounts.Workplace",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The branch (workplace) that submitted it.",
    )
    section = models.CharField(max_length=20, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="motions"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=MotionStatus.choices, default=MotionStatus.SUBMITTED
    )
    reason = models.TextField(
        blank=True, help_text="Why it was ruled out of order (the submitter reads this)."
    )
    composite = models.ForeignKey(
        Composite, on_delete=models.SET_NULL, null=True, blank=True, related_name="motions"
    )
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "number"]
        indexes = [models.Index(fields=["event", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="motion_number_per_event"),
            models.CheckConstraint(
                condition=~models.Q(status="out_of_order") | ~models.Q(reason=""),
                name="motion_out_of_order_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="composited", composite__isnull=False)
                | (~models.Q(status="composited") & models.Q(composite__isnull=True)),
                name="motion_composited_iff_composite",
            ),
        ]

    def __str__(self):
        return f"Motion {self.number}: {self.title}"

    @property
    def submitted_by_label(self) -> str:
        if self.submitted_for == SubmittedFor.BRANCH and self.branch_id:
            return str(_("%(name)s branch") % {"name": self.branch.name})
        from portal.accounts.choices import Section

        return str(_("%(name)s section") % {"name": Section(self.section).label})


class Delegate(models.Model):
    """A member elected by their branch as a voting delegate to a conference, recorded by an
    officer; `registered_at` once they register to vote."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="delegates")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegacies"
    )
    branch = models.ForeignKey(
        "accounts.Workplace", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    elected_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "user"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="delegate_once_per_event")
        ]

    def __str__(self):
        return f"Delegate {self.user_id} to {self.event_id}"
