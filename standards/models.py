"""Standards and Principles: a document with a stable slug, published in numbered editions.

A `Document` is what readers find at `/standards/<slug>/`. Its text (standards and their
good-practice examples) lives in `Edition`s:
a draft is written, submitted for review, approved by another publisher and published; a
published edition never changes again. Publishing the next edition marks the previous one
superseded. Every step is an `EditionEvent` (who, when, change note). Each edition's PDF is
rendered once and kept as an `EditionPDF` row (in the database, so that the web and worker
processes share it without a shared disk).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import EmployerKind, Nation


class Audience(models.TextChoices):
    IMPROVEMENT = "improvement", _("Educational development and improvement professionals")
    CHILDRENS_SERVICES = "childrens_services", _("Children's services professionals")
    LEADERSHIP = "leadership", _("School and college leaders")
    TEACHERS = "teachers", _("Teachers and lecturers")
    SUPPORT = "support", _("Support staff")
    ALL = "all", _("Everyone working in education")


class ItemLabel(models.TextChoices):
    STANDARD = "Standard", _("Standard")
    PRINCIPLE = "Principle", _("Principle")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    SCHEDULED = "scheduled", "Approved, scheduled"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATUSES = (EditionStatus.DRAFT, EditionStatus.IN_REVIEW, EditionStatus.SCHEDULED)
PUBLIC_STATUSES = (EditionStatus.PUBLISHED, EditionStatus.SUPERSEDED)

NATION_FIELDS = {
    Nation.ENGLAND: "for_england",
    Nation.WALES: "for_wales",
    Nation.SCOTLAND: "for_scotland",
    Nation.NORTHERN_IRELAND: "for_northern_ireland",
}


class Document(models.Model):
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The document's address: /standards/this-slug/. It never changes once published.",
    )
    current_edition = models.OneToOneField(
        "Edition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="current_of",
        editable=False,
    )
    review_by = models.DateField(
        "review by",
        null=True,
        blank=True,
        help_text="When the published document is next due for review. Publishers are "
        "reminded by email on this date. Set to a year after publication when empty.",
    )
    review_reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["slug"]
        permissions = [
            ("preview_edition", "Can preview unpublished editions"),
        ]

    def __str__(self):
        edition = self.current_edition
        return edition.title if edition else self.slug

    def get_absolute_url(self):
        return reverse("standards:detail", kwargs={"slug": self.slug})


class DocumentDueForReview(Document):
    """The admin's list of published documents whose review-by date has come."""

    class Meta:
        proxy = True
        verbose_name = "document due for review"
        verbose_name_plural = "documents due for review"


class Edition(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="editions")
    number = models.PositiveIntegerField(editable=False)
    status = models.CharField(
        max_length=12, choices=EditionStatus.choices, default=EditionStatus.DRAFT, editable=False
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(
        max_length=1000, help_text="One or two sentences shown in the list and under the title."
    )
    audience = models.CharField(max_length=30, choices=Audience.choices)
    item_label = models.CharField(
        "items are called",
        max_length=20,
        choices=ItemLabel.choices,
        default=ItemLabel.STANDARD,
        help_text="Shown before each item's number: “Standard 1”, “Principle 1”.",
    )
    for_england = models.BooleanField("England", default=True)
    for_wales = models.BooleanField("Wales", default=False)
    for_scotland = models.BooleanField("Scotland", default=False)
    for_northern_ireland = models.BooleanField("Northern Ireland", default=False)
    change_note = models.TextField(
        "what changed in this edition",
        blank=True,
        help_text="Shown in the edition history. Required before review.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )
    scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="standards_edition_unique_number"
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status__in=OPEN_STATUSES),
                name="standards_one_open_edition",
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status=EditionStatus.PUBLISHED),
                name="standards_one_published_edition",
            ),
        ]
        permissions = [
            ("approve_edition", "Can approve and publish editions"),
        ]

    def __str__(self):
        return f"{self.title} (edition {self.number}, {self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse(
            "standards:edition", kwargs={"slug": self.document.slug, "number": self.number}
        )

    def pdf_url(self):
        return reverse(
            "standards:edition_pdf", kwargs={"slug": self.document.slug, "number": self.number}
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_superseded(self) -> bool:
        return self.status == EditionStatus.SUPERSEDED

    @property
    def nations(self) -> list[str]:
        return [nation.label for nation, field in NATION_FIELDS.items() if getattr(self, field)]

    @property
    def nations_text(self) -> str:
        names = [str(name) for name in self.nations]
        if len(names) == len(NATION_FIELDS):
            return gettext("England, Wales, Scotland and Northern Ireland")
        if len(names) > 1:
            return gettext("%(first)s and %(last)s") % {
                "first": ", ".join(names[:-1]),
                "last": names[-1],
            }
        return names[0] if names else "—"


class Standard(models.Model):
    """One numbered standard (or principle) of an edition."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="standards")
    number = models.PositiveSmallIntegerField()
    heading = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown: headings, lists, links, emphasis and tables.")
    indicators = models.TextField(
        "indicators and examples",
        blank=True,
        help_text="Optional. Markdown, usually a list of what meeting the standard looks like.",
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "number"], name="standards_standard_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.edition.item_label} {self.number}: {self.heading}"

    @property
    def anchor(self) -> str:
        return f"standard-{self.number}"


class GoodPracticeExample(models.Model):
    """Good practice gathered from members and shared under a standard. Part of its edition's
    text like the standard itself: added or changed only in a draft, published with the
    edition after a second publisher's approval, frozen after that. A new edition starts
    with copies of the examples of the edition it is copied from."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="examples")
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Markdown. Describe the practice, not the people.")
    organisation_type = models.CharField(max_length=30, choices=EmployerKind.choices)
    date = models.DateField(help_text="When the practice was seen or reported.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = "good-practice example"

    def __str__(self):
        return self.title


class EditionEvent(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted for review"
        RETURNED = "returned", "Returned to draft"
        APPROVED = "approved", "Approved"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the scheduled task did it.",
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "workflow step"

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class EditionPDF(models.Model):
    """The rendered PDF of an edition, kept so that each is rendered once (and once more
    when it is superseded, to carry the notice on every page)."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="pdf")
    superseded = models.BooleanField(default=False)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveIntegerField(default=0)
    render_seconds = models.FloatField(default=0)
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = "edition PDF"

    def __str__(self):
        return f"PDF of {self.edition_id}"
