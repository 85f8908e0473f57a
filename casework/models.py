from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from portal.accounts.choices import Nation, Section
from portal.fields import EncryptedTextField
from portal.urlcache import cached_reverse


class Category(models.TextChoices):
    PAY = "pay", "Pay"
    TERMS = "terms", "Terms and conditions"
    REDUNDANCY = "redundancy", "Redundancy"
    TUPE = "tupe", "Transfer (TUPE)"
    RESTRUCTURE = "restructure", "Restructure"
    DISCIPLINE = "discipline", "Discipline"
    GRIEVANCE = "grievance", "Grievance"
    CAPABILITY = "capability", "Capability"
    SICKNESS = "sickness", "Sickness absence"
    DISCRIMINATION = "discrimination", "Discrimination"
    HEALTH_SAFETY = "health_safety", "Health and safety"
    PENSION = "pension", "Pension"
    ALLEGATION = "allegation", "Allegation against a member"
    LEGAL = "legal", "Legal assistance"
    OTHER = "other", "Other"


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
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REFERRED_LEGAL = "referred_legal", "Referred to legal"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    OTHER = "other", "Other"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"


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
            # alone (see casework.admin.QueueChangeList).
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
