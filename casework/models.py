from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import Nation, Section
from portal.fields import EncryptedTextField
from portal.urlcache import cached_reverse


class Category(models.TextChoices):
    PAY = "pay", _("Pay")
    TERMS = "terms", _("Terms and conditions")
    REDUNDANCY = "redundancy", _("Redundancy")
    TUPE = "tupe", _("Transfer (TUPE)")
    RESTRUCTURE = "restructure", _("Restructure")
    DISCIPLINE = "discipline", _("Discipline")
    GRIEVANCE = "grievance", _("Grievance")
    CAPABILITY = "capability", _("Capability")
    SICKNESS = "sickness", _("Sickness absence")
    DISCRIMINATION = "discrimination", _("Discrimination")
    HEALTH_SAFETY = "health_safety", _("Health and safety")
    PENSION = "pension", _("Pension")
    ALLEGATION = "allegation", _("Allegation against a member")
    LEGAL = "legal", _("Legal assistance")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_MEMBER = "waiting_member", "Waiting on member"
    LEGAL = "legal", "Escalated to legal"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.WAITING_MEMBER,
    Status.LEGAL,
)

# The officers' queue shows cases in this order of status.
QUEUE_ORDER = (
    Status.NEW,
    Status.ASSIGNED,
    Status.WAITING_MEMBER,
    Status.IN_PROGRESS,
    Status.LEGAL,
    Status.CLOSED,
)

# What a member reads for each status.
MEMBER_STATUS_WORDS = {
    Status.DRAFT: "Draft – not sent yet",
    Status.NEW: "Received – an officer will pick it up",
    Status.ASSIGNED: "With your officer",
    Status.IN_PROGRESS: "Your officer is working on it",
    Status.WAITING_MEMBER: "Waiting for you",
    Status.LEGAL: "Referred for legal assistance",
    Status.CLOSED: "Closed",
}


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REFERRED_LEGAL = "referred_legal", _("Referred to legal")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    """How the request reached the union."""

    ONLINE = "online", "Online, by the member"
    PHONE = "phone", "By phone"
    WALK_IN = "walk_in", "In person"
    EMAIL = "email", "By email"
    LETTER = "letter", "By letter"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"


class ClaimType(models.TextChoices):
    """A possible employment tribunal claim: each has a time limit (casework.deadlines)."""

    DISMISSAL = "dismissal", "Dismissal"
    DISCRIMINATION = "discrimination", "Discrimination"
    PAY = "pay", "Pay"
    REDUNDANCY = "redundancy", "Redundancy"
    OTHER = "other", "Other"


class WaitingOn(models.TextChoices):
    TRIAGE = "triage", "Triage"
    OFFICER = "officer", "Officer"
    MEMBER = "member", "Member"
    NOBODY = "nobody", "Nobody"


@deconstructible(path="casework.models.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Members' files: outside anything served; read only through views that check access.
    The folder is read from settings.PRIVATE_MEDIA_ROOT each time, never baked into a
    migration."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / "cases")

    @property
    def location(self):
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


class ReferenceCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


QUEUE_INDEX_INCLUDE = ["status", "priority", "member_id", "other_party_id", "member_search"]
REPORT_INDEX_INCLUDE = [
    "status",
    "category",
    "region_id",
    "assigned_to_id",
    "outcome",
    "member_id",
    "other_party_id",
    "personal_content_removed_at",
]


class Case(models.Model):
    """A member's request for advice or representation."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    employer = models.ForeignKey(
        "accounts.Employer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, null=True, related_name="cases"
    )
    nation = models.CharField(max_length=20, choices=Nation.choices, blank=True)
    section = models.CharField(max_length=20, choices=Section.choices, blank=True)
    what_happened = EncryptedTextField(blank=True)
    desired_outcome = EncryptedTextField("outcome wanted", blank=True)
    problem_started_on = models.DateField(null=True, blank=True)
    hearing_date = models.DateField("meeting or hearing date", null=True, blank=True)
    colleagues_affected = models.BooleanField(default=False)
    other_party_name = EncryptedTextField(blank=True)
    other_party = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases_about_them",
        help_text="A member the case is about: they can never be shown it.",
    )
    restricted = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The officer who opened the case for the member (phone or walk-in intake).",
    )
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="restricted_cases",
        help_text="When set, only these officers (and managers) may see the case.",
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    waiting_on = models.CharField(
        max_length=10, choices=WaitingOn.choices, default=WaitingOn.TRIAGE
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    urgent = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False)
    eligibility_concern = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(blank=True)
    legal_reason = EncryptedTextField(blank=True)
    complaint_open = models.BooleanField(default=False)
    # Where the status puts a case in the officers' queue (new first, closed last): stored,
    # so that one index serves the queue's order (see Meta.indexes).
    status_rank = models.GeneratedField(
        expression=models.Case(
            *[models.When(status=s, then=models.Value(i)) for i, s in enumerate(QUEUE_ORDER)],
            default=models.Value(99),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    # The member's name in capitals, for the officers' search: kept by database triggers
    # from accounts_user (migration 0005), never written by the portal itself.
    member_search = models.CharField(max_length=301, blank=True, default="", editable=False)

    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    officer_reminded_at = models.DateTimeField(null=True, blank=True)
    manager_reminded_at = models.DateTimeField(null=True, blank=True)
    personal_content_removed_at = models.DateTimeField(null=True, blank=True)
    # A collective case (a restructure, redundancy or TUPE transfer at one employer): one
    # case, many members (CaseMember); `member` stays its lead member.
    collective = models.BooleanField(default=False)
    collective_summary = EncryptedTextField(
        blank=True,
        help_text="What every member of a collective case reads about it (the officer's "
        "words, never the lead member's own account).",
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )

    # A possible employment tribunal claim and its time limit (casework.deadlines), set by
    # the officer; the limit is computed by services.case_set_deadlines, never typed.
    claim_type = models.CharField(
        "tribunal claim",
        max_length=20,
        choices=ClaimType.choices,
        blank=True,
        default="",
        db_default="",  # rows written outside the ORM (bench/seed.py's COPY) have no claim
    )
    act_on = models.DateField("date of the act complained of", null=True, blank=True)
    acas_started_on = models.DateField("ACAS conciliation started (Day A)", null=True, blank=True)
    acas_certificate_on = models.DateField("ACAS certificate (Day B)", null=True, blank=True)
    tribunal_limit_on = models.DateField(
        "tribunal limit", null=True, blank=True, db_index=True, editable=False
    )
    # When an officer first wrote to the member or moved the case on from "new": the
    # service reports' "time to first response" (kept after retention).
    first_response_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "-submitted_at"]
        indexes = [
            models.Index(fields=["status", "region"]),
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["member", "-created_at"]),
            models.Index(fields=["-urgent", "-submitted_at"]),
            models.Index(fields=["status", "closed_at"]),
            # The officers' queue: its order, for every case and for the open cases of a
            # section (the id breaks ties, as the admin adds it), with what the access rule
            # and the usual filters read, so that a page's cases are found in the index
            # alone (see casework.queue.QueueChangeList).
            models.Index(
                fields=["-urgent", "status_rank", "submitted_at", "-id"],
                name="case_queue",
                include=QUEUE_INDEX_INCLUDE,
            ),
            models.Index(
                fields=["section", "-urgent", "status_rank", "submitted_at", "-id"],
                name="case_queue_open_section",
                condition=~models.Q(status="draft") & ~models.Q(status="closed"),
                include=QUEUE_INDEX_INCLUDE,
            ),
            # The service reports (casework.reports): the cases submitted, and those closed,
            # in a period, with every column the reports group and count by and the access
            # rule reads, so that each figure is an index-only scan of the period.
            models.Index(
                fields=["submitted_at"],
                name="case_report_submitted",
                include=["id", "first_response_at", "closed_at", *REPORT_INDEX_INCLUDE],
            ),
            models.Index(
                fields=["closed_at"],
                name="case_report_closed",
                condition=models.Q(status="closed"),
                include=["id", "submitted_at", *REPORT_INDEX_INCLUDE],
            ),
            # The metrics' count of overdue open cases (portal/metrics.py): only those rows.
            models.Index(
                fields=["id"],
                name="case_overdue_open",
                condition=models.Q(overdue=True) & ~models.Q(status="closed"),
            ),
        ]
        permissions = [
            ("view_region_cases", "Can see the cases of their own regions"),
            ("view_leadership_cases", "Can see Leadership-section cases"),
            ("view_all_cases", "Can see every case"),
            ("take_case", "Can take an unassigned case they can see"),
            ("assign_case", "Can assign and reassign any case"),
            ("restrict_case", "Can restrict a case to named officers"),
            ("view_case_access_log", "Can see who viewed and changed a case"),
            ("view_casework_reports", "Can see casework reports"),
        ]

    def __str__(self):
        return self.reference or f"Draft {self.pk}"

    def get_absolute_url(self):
        return cached_reverse("casework:detail", args=[self.reference or self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def member_status(self) -> str:
        return MEMBER_STATUS_WORDS[Status(self.status)]


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    MEMBER_MESSAGE = "member_message", "Message from the member"
    OFFICER_MESSAGE = "officer_message", "Message to the member"
    NOTE = "note", "Internal note"
    ATTACHMENT = "attachment", "File added"
    ESCALATED = "escalated", "Escalated to legal"
    WITHDRAWN = "withdrawn", "Withdrawn by the member"
    COMPLAINT = "complaint", "Complaint about case handling"
    RESTRICTED = "restricted", "Access restricted"
    OPENED_FOR_MEMBER = "opened_for_member", "Opened by an officer for the member"
    FACT_CHANGED = "fact_changed", "Facts corrected"
    LETTER = "letter", "Letter filed"
    TRIBUNAL_LIMIT = "tribunal_limit", "Tribunal limit"
    FOLLOW_UP = "follow_up", "Follow-up set"
    COLLECTIVE = "collective", "Collective case"
    MEMBER_ADDED = "member_added", "Member invited to the collective case"
    MEMBER_JOINED = "member_joined", "Member joined the collective case"
    MEMBER_DECLINED = "member_declined", "Member declined the collective case"
    MEMBER_REMOVED = "member_removed", "Member removed from the collective case"
    REP_INVOLVED = "rep_involved", "Workplace rep involved"
    LINKED = "linked", "Linked to another case"
    MERGED = "merged", "Merged"
    COMPLAINT_RESPONSE = "complaint_response", "Response to a complaint"
    COMPLAINT_CLOSED = "complaint_closed", "Complaint closed"


class CaseEvent(models.Model):
    """One entry on a case's timeline. Internal notes and complaints are never shown to the
    officers or members who should not see them (see casework.access)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = EncryptedTextField(blank=True)
    old_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    visible_to_member = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # On a collective case: None = for everyone on the case; a member = a message between
    # that member and the officers, which no other member sees.
    for_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.case}"


def attachment_path(instance, filename):
    return f"{instance.case_id}/{filename}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=300)
    name = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    shared_with_member = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CHANGE = "change", "Changed"
    DOWNLOAD = "download", "Downloaded a file"
    BUNDLE = "bundle", "Generated the case bundle PDF"
    REFUSED = "refused", "Was refused"


class CaseAccess(models.Model):
    """Who viewed, downloaded or changed a case, when, and from where. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_log")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    detail = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "case access record"
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.case} by {self.user_id}"


class SavedReply(models.Model):
    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"

    def __str__(self):
        return self.title


class QueueView(models.Model):
    """A view of the queue an officer saved for themselves: a name and the filters (never
    a search term, so a view holds no member's name)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_views"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["officer", "name"], name="queue_view_unique_name")
        ]

    def __str__(self):
        return self.name


class LetterKind(models.TextChoices):
    MEETING_INVITATION = "meeting_invitation", "Invitation to a meeting"
    GRIEVANCE = "grievance", "Grievance"
    APPEAL = "appeal", "Appeal"
    SUBJECT_ACCESS_REQUEST = "subject_access_request", "Subject access request"
    OTHER = "other", "Other"


class LetterTemplate(models.Model):
    """A letter staff maintain. Its body is plain text with the few fields of
    casework.letters.LETTER_FIELDS, filled in by plain replacement, never run as a template."""

    title = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=30, choices=LetterKind.choices, default=LetterKind.OTHER)
    body = models.TextField()
    active = models.BooleanField(default=True, help_text="Only active templates are offered.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class FollowUp(models.Model):
    """Something an officer means to do on a case by a date ("chase the employer")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_ups"
    )
    due_on = models.DateField()
    what = models.CharField(max_length=200)
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["officer", "due_on"],
                condition=models.Q(done_at=None),
                name="follow_up_open",
            )
        ]

    def __str__(self):
        return f"Follow-up on {self.case} by {self.due_on}"


class TribunalReminder(models.Model):
    """A reminder of a case's tribunal limit, sent once for each of 28, 14 and 7 days."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tribunal_reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "days_before"], name="tribunal_reminder_once")
        ]

    def __str__(self):
        return f"{self.case}: {self.days_before} days"


class CalendarFeed(models.Model):
    """An officer's personal deadline feed, at a secret URL they can reset or revoke."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user_id}"


class CaseMember(models.Model):
    """A member on a collective case, beyond its lead member (Case.member). Invited by an
    officer, they see nothing of the case until they consent; a workplace rep involved by
    an officer (`is_rep`) sees the case's group updates without that step."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_members")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collective_cases"
    )
    is_rep = models.BooleanField("workplace rep", default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    consented_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Why an officer added a member who is not at the case's employer.
    override_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "member"], name="casemember_unique")]
        indexes = [models.Index(fields=["member", "case"])]

    def __str__(self):
        return f"Member {self.member_id} on {self.case}"

    @property
    def state(self) -> str:
        if self.removed_at:
            return "removed"
        if self.is_rep:
            return "rep"
        if self.declined_at:
            return "declined"
        if self.consented_at:
            return "joined"
        return "invited"


class CaseLink(models.Model):
    """Two related cases (shown on both). Stored once per pair, smaller id first."""

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_from")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_to")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case"], name="caselink_unique"),
            models.CheckConstraint(
                condition=models.Q(from_case__lt=models.F("to_case")), name="caselink_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.from_case} – {self.to_case}"


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class Complaint(models.Model):
    """A member's complaint about how their case is handled. Only casework managers see it
    (casework.access.complaints_visible_to); it is answered by a manager who is not the
    officer complained about, within working-day deadlines."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="complaints")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    body = EncryptedTextField()
    # The officer complained about: the case's officer when the complaint came in.
    about_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_complaints",
    )
    acknowledge_by = models.DateField()
    respond_by = models.DateField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = EncryptedTextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ComplaintOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # Which deadline the managers were last told was missed ("acknowledge" or "respond").
    overdue_notified_for = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["closed_at", "respond_by", "id"]
        indexes = [models.Index(fields=["closed_at", "respond_by"])]

    def __str__(self):
        return f"Complaint {self.pk} on {self.case}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def stage(self) -> str:
        if self.closed_at:
            return "closed"
        if self.responded_at:
            return "responded"
        if self.acknowledged_at:
            return "acknowledged"
        return "received"

    def overdue_for(self, today) -> str:
        """The deadline this complaint has missed today: "respond", "acknowledge" or ""."""
        if self.closed_at:
            return ""
        if self.responded_at is None and today > self.respond_by:
            return "respond"
        if self.acknowledged_at is None and today > self.acknowledge_by:
            return "acknowledge"
        return ""
