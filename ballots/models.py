"""Indicative ballots and quick workplace surveys.

How nobody can link a vote to a voter, not even with full access to the database:

- Who voted is `Participation` (ballot, member, the *day*): one row per voter, unique per
  ballot (one member, one vote, refused by the database itself).
- How they voted exists only as counts: `Tally` holds rows per (ballot, option,
  workplace or none; the ballot-wide ones in TALLY_SHARDS rows, one picked at random per
  vote), and a vote adds 1 to its option's rows in the same transaction that
  writes the participation row. There is no per-vote row, so there is nothing to join:
  no foreign key, column, time or order in `Tally` refers to a person or a participation.
  The same statement rewrites every option's rows of the voter's groups (adding 0 to the
  others), so even the row versions a vote leaves behind are the same whichever option was
  chosen.
- A workplace has tally rows only where its frozen electorate is at least
  `WORKPLACE_TALLY_MIN` (10); everyone else's votes are counted only in the ballot-wide
  rows (workplace empty), so a tiny workplace's counts cannot reveal a person's choice.
- A voter's receipt code is a `Receipt` (ballot, code) with the code as its key: no id
  sequence, no time, no link to the voter or to the participation row, and never the choice.
  The code is shown to the voter once, on the page that confirms their vote, and not kept
  anywhere else; after the close anyone in the ballot can check it is in the sorted list.

What this does not protect against is someone watching the database while people vote
(statement logs, or comparing counts before and after one transaction): that is an
operational matter (no statement logging on this database) and is said so in the README.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import Nation, Section

WORKPLACE_TALLY_MIN = 10  # a workplace's frozen electorate needed for its own tally rows
WORKPLACE_RESULT_MIN = 10  # voters a workplace needs before its results are shown apart
# Ballot-wide counts are spread over this many rows per option (a vote adds to one chosen at
# random), so that voters do not all queue for the same row; results add them up.
TALLY_SHARDS = 16


class BallotKind(models.TextChoices):
    INDICATIVE = "indicative", _("Indicative ballot")
    SURVEY = "survey", _("Quick survey")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Every active member")
    WORKPLACE = "workplace", _("A workplace")
    EMPLOYER = "employer", _("An employer")
    SECTION = "section", _("A section")
    NATION = "nation", _("A nation")


class BallotStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for approval")
    APPROVED = "approved", _("Approved, opens at its time")
    OPEN = "open", _("Opened (audience frozen)")


class Phase(models.TextChoices):
    DRAFT = "draft", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Ballot(models.Model):
    """One question put to an audience of active members, who answer it once, in secret."""

    question = models.CharField(max_length=300)
    kind = models.CharField(
        max_length=12, choices=BallotKind.choices, default=BallotKind.INDICATIVE
    )
    audience = models.CharField(max_length=12, choices=Audience.choices)
    audience_workplace = models.ForeignKey(
        "accounts.Workplace", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audience_employer = models.ForeignKey(
        "accounts.Employer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audience_section = models.CharField(max_length=20, choices=Section.choices, blank=True)
    audience_nation = models.CharField(max_length=20, choices=Nation.choices, blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=BallotStatus.choices, default=BallotStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # A rep's proposal for their own workplace: approved by a regional officer of `region`.
    proposed_by_rep = models.BooleanField(default=False)
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    electorate = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        permissions = [
            ("approve_ballot", "Can approve a ballot someone else wrote"),
            ("view_all_ballots", "Can see every ballot (not only rep proposals of own regions)"),
            ("export_register", "Can export a statutory ballot register (home addresses)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="ballot_closes_after_opening"
            )
        ]
        indexes = [models.Index(fields=["status", "opens_at"])]

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("ballots:detail", args=[self.pk])

    def phase(self, now=None) -> str:
        now = now or timezone.now()
        if self.status == BallotStatus.OPEN:
            return Phase.CLOSED if now >= self.closes_at else Phase.OPEN
        return Phase.APPROVED if self.status == BallotStatus.APPROVED else Phase.DRAFT

    @property
    def audience_label(self) -> str:
        if self.audience == Audience.WORKPLACE and self.audience_workplace_id:
            return str(_("Members at %(name)s")) % {"name": self.audience_workplace.name}
        if self.audience == Audience.EMPLOYER and self.audience_employer_id:
            return str(_("Members employed by %(name)s")) % {"name": self.audience_employer.name}
        if self.audience == Audience.SECTION and self.audience_section:
            return str(_("Members in the %(name)s section")) % {
                "name": Section(self.audience_section).label
            }
        if self.audience == Audience.NATION and self.audience_nation:
            return str(_("Members in %(name)s")) % {"name": Nation(self.audience_nation).label}
        return str(_("Every active member"))


class Option(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["ballot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "position"], name="ballot_option_position")
        ]

    def __str__(self):
        return self.label


class Elector(models.Model):
    """The audience frozen when the ballot opened, each with their workplace at that time."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    workplace = models.ForeignKey(
        "accounts.Workplace", on_delete=models.PROTECT, null=True, related_name="+"
    )
    notified = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "user"], name="ballot_elector_once")
        ]
        indexes = [
            models.Index(fields=["user"], name="ballot_elector_user"),
            models.Index(
                fields=["ballot"], condition=Q(notified=False), name="ballot_elector_unnotified"
            ),
        ]

    def __str__(self):
        return f"Elector {self.user_id} of ballot {self.ballot_id}"


class Participation(models.Model):
    """That a member voted, and on which day: never what they chose (see the module)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    voted_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "user"], name="ballot_one_member_one_vote")
        ]

    def __str__(self):
        return f"Member {self.user_id} voted in ballot {self.ballot_id}"


class Tally(models.Model):
    """The votes for one option, ballot-wide (workplace empty) or at one workplace whose
    frozen electorate is at least WORKPLACE_TALLY_MIN. No reference to any person."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="tallies")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="tallies")
    workplace = models.ForeignKey(
        "accounts.Workplace", on_delete=models.PROTECT, null=True, related_name="+"
    )
    shard = models.PositiveSmallIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "tallies"
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "option", "workplace"],
                condition=Q(workplace__isnull=False),
                name="ballot_tally_workplace_once",
            ),
            models.UniqueConstraint(
                fields=["ballot", "option", "shard"],
                condition=Q(workplace__isnull=True),
                name="ballot_tally_overall_once",
            ),
        ]

    def __str__(self):
        return f"Tally of option {self.option_id}"


class Receipt(models.Model):
    """A counted vote's receipt code: the code is the key (no id sequence, no time)."""

    code = models.CharField(max_length=20, primary_key=True)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="receipts")

    class Meta:
        indexes = [models.Index(fields=["ballot", "code"], name="ballot_receipt_sorted")]

    def __str__(self):
        return self.code


class RegisterExport(models.Model):
    """Who exported a statutory ballot's register of electors (names, home addresses) for
    the independent scrutineer, when, for which audience, in which format and how many."""

    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    audience = models.CharField(max_length=300)
    purpose = models.CharField(max_length=200)
    file_format = models.CharField(max_length=4)
    electors = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at"]
        verbose_name = "statutory register export"

    def __str__(self):
        return f"Register export {self.pk}"
