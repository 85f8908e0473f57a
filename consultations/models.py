"""Consultations and members' surveys: what is asked, who may answer, and the answers.

A consultation's phase comes from its dates: it is a *draft* until it is submitted for review
and a second publisher, who changed none of it, opens it (`published_at`), *open* between
`opens_at` and `closes_at`, *closed* after that, and has its *outcome published* once
`outcome_published_at` is set. Nothing has to run at the
closing time for it to close.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import EmployerKind, Nation, Section
from portal.urlcache import cached_reverse

MIN_GROUP_SIZE = 5


class PolicyArea(models.Model):
    """The union's policy areas (from its priorities: school improvement, SEND, ...)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class ConsultingBody(models.TextChoices):
    DFE = "dfe", "Department for Education"
    WELSH_GOVERNMENT = "welsh_government", "Welsh Government"
    SCOTTISH_GOVERNMENT = "scottish_government", "Scottish Government"
    DE_NI = "de_ni", "Department of Education (Northern Ireland)"
    OFSTED = "ofsted", "Ofsted"
    UNION = "union", "The union (members' survey)"
    OTHER = "other", "Another body"


class Phase(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Opens later"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    OUTCOME = "outcome", "Outcome published"


class Consultation(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Its address: /consultations/this-slug/. Do not change it once published.",
    )
    summary = models.TextField(
        max_length=2000, help_text="One or two sentences, shown in lists (Markdown)."
    )
    background = models.TextField(
        blank=True, max_length=50000, help_text="Shown above the questions (Markdown)."
    )
    policy_areas = models.ManyToManyField(PolicyArea, related_name="consultations", blank=True)
    consulting_body = models.CharField(max_length=30, choices=ConsultingBody.choices)
    consulting_body_other = models.CharField(
        "other consulting body",
        max_length=200,
        blank=True,
        help_text="The body's name, when it is not in the list.",
    )
    external_url = models.URLField(
        "link to the external consultation",
        blank=True,
        max_length=500,
        help_text="The consulting body's own page, if there is one.",
    )
    opens_at = models.DateTimeField("opens")
    closes_at = models.DateTimeField("closes")
    # Audience: every condition that is set must match; none set means all members.
    audience_section = models.CharField(
        "section", max_length=20, choices=Section.choices, blank=True, help_text="Any section."
    )
    audience_nations = models.JSONField(
        "nations", default=list, blank=True, help_text="None ticked: every nation."
    )
    audience_employer_kind = models.CharField(
        "employer type",
        max_length=20,
        choices=EmployerKind.choices,
        blank=True,
        help_text="Any employer type.",
    )
    anonymous = models.BooleanField(
        "anonymous to analysts",
        default=False,
        help_text="Analysts see answers but never who gave them. Cannot be changed once "
        "anyone has answered.",
    )
    submitted_at = models.DateTimeField(
        "submitted for review", null=True, blank=True, editable=False
    )
    submitted_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The second publisher who approved and opened it.",
    )
    outcome = models.TextField(
        "what the union submitted",
        blank=True,
        max_length=50000,
        help_text="A summary of the union's response (Markdown). Shown to members once the "
        "outcome is published.",
    )
    government_response = models.TextField(
        "what was decided",
        blank=True,
        max_length=50000,
        help_text="The consulting body's decision, when it is known (Markdown).",
    )
    outcome_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    invitations_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminders_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-closes_at"]
        permissions = [
            ("analyse_consultation", "Can see results, tag answers and export responses"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return cached_reverse("consultations:detail", args=[self.slug])

    def phase(self, now=None) -> Phase:
        now = now or timezone.now()
        if self.published_at is None:
            return Phase.DRAFT
        if self.outcome_published_at is not None:
            return Phase.OUTCOME
        if now < self.opens_at:
            return Phase.SCHEDULED
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.CLOSED

    def is_open(self, now=None) -> bool:
        return self.phase(now) == Phase.OPEN

    def has_closed(self, now=None) -> bool:
        return self.phase(now) in (Phase.CLOSED, Phase.OUTCOME)

    @property
    def body_name(self) -> str:
        if self.consulting_body == ConsultingBody.OTHER and self.consulting_body_other:
            return self.consulting_body_other
        return self.get_consulting_body_display()

    @property
    def is_members_survey(self) -> bool:
        return self.consulting_body == ConsultingBody.UNION

    @property
    def audience_label(self) -> str:
        parts = []
        if self.audience_section:
            section = Section(self.audience_section).label
            parts.append(gettext("the %(section)s section") % {"section": section})
        if self.audience_nations:
            names = [str(Nation(n).label) for n in self.audience_nations if n in Nation.values]
            parts.append(gettext("members in %(nations)s") % {"nations": _join(names)})
        if self.audience_employer_kind:
            parts.append(
                gettext("members employed by: %(kind)s")
                % {"kind": EmployerKind(self.audience_employer_kind).label}
            )
        return "; ".join(parts) if parts else gettext("All members")


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return gettext("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


class QuestionSection(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField(max_length=200)
    intro = models.TextField("introduction", blank=True, max_length=5000)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "section of questions"
        verbose_name_plural = "sections of questions"

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    SCALE = "scale", "Scale"
    YES_NO = "yes_no", "Yes or no"


TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
COUNTED_KINDS = (
    QuestionKind.SINGLE_CHOICE,
    QuestionKind.MULTIPLE_CHOICE,
    QuestionKind.SCALE,
    QuestionKind.YES_NO,
)
YES, NO = "Yes", "No"
# Answers are stored as these values whatever the language the member answered in.
YES_NO_LABELS = {YES: gettext_lazy("Yes"), NO: gettext_lazy("No")}


def _option_lines(text: str | None) -> list[str]:
    seen: list[str] = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if line and line not in seen:
            seen.append(line)
    return seen


class Question(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(
        QuestionSection,
        on_delete=models.PROTECT,
        related_name="questions",
        null=True,
        blank=True,
        help_text="Save the consultation after adding a section to choose it here.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField("type", max_length=20, choices=QuestionKind.choices)
    text = models.CharField("question", max_length=500)
    help_text = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False)
    options = models.TextField(
        blank=True,
        max_length=5000,
        help_text="Choice questions: one option per line.",
    )
    scale_min = models.SmallIntegerField(
        default=1, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    scale_max = models.SmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    scale_min_label = models.CharField(
        "label of the lowest point", max_length=60, blank=True, help_text="e.g. Strongly disagree"
    )
    scale_max_label = models.CharField(
        "label of the highest point", max_length=60, blank=True, help_text="e.g. Strongly agree"
    )
    condition_question = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        verbose_name="show only if question",
        help_text="An earlier question of this consultation (save first to pick a new one).",
    )
    condition_value = models.CharField(
        "is",
        max_length=200,
        blank=True,
        help_text="The answer that shows this question: an option, Yes/No or a scale point.",
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.text

    @property
    def option_list(self) -> list[str]:
        if self.kind == QuestionKind.YES_NO:
            return [YES, NO]
        if self.kind == QuestionKind.SCALE:
            return [str(v) for v in range(self.scale_min, self.scale_max + 1)]
        if self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            # The English options are the stored values, in either language.
            return _option_lines(getattr(self, "options_en_gb", None) or self.options)
        return []

    def option_label(self, value: str) -> str:
        """How an answer's value reads in the current language: the Welsh option in the
        same place when the Welsh list has as many options, scale points with their end
        labels."""
        if self.kind == QuestionKind.YES_NO and value in YES_NO_LABELS:
            return str(YES_NO_LABELS[value])
        if self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            if translation.get_language() == "cy":
                english = self.option_list
                welsh = _option_lines(getattr(self, "options_cy", None))
                if len(welsh) == len(english) and value in english:
                    return welsh[english.index(value)]
            return value
        if self.kind == QuestionKind.SCALE:
            if value == str(self.scale_min) and self.scale_min_label:
                return f"{value} – {self.scale_min_label}"
            if value == str(self.scale_max) and self.scale_max_label:
                return f"{value} – {self.scale_max_label}"
        return value

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def is_counted(self) -> bool:
        return self.kind in COUNTED_KINDS


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class QuoteConsent(models.TextChoices):
    NAMED = "named", _("Yes, and you may use my name")
    ANONYMOUS = "anonymous", _("Yes, but without my name")
    NO = "no", _("No, please do not quote me")


class Response(models.Model):
    """One member's answers to one consultation. The link to the member exists to keep it
    to one response each and to let them come back to it; in an anonymous consultation no
    analyst view or export shows it."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="responses"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="consultation_responses"
    )
    status = models.CharField(
        max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    quote_consent = models.CharField(max_length=10, choices=QuoteConsent.choices, blank=True)
    # The respondent's group when they last submitted, for breakdowns of the results.
    section = models.CharField(max_length=20, choices=Section.choices, blank=True)
    nation = models.CharField(max_length=20, choices=Nation.choices, blank=True)
    employer_kind = models.CharField(max_length=20, choices=EmployerKind.choices, blank=True)
    # The language of the page the member answered on: the answers are kept as written.
    language = models.CharField(max_length=8, blank=True, default="en-gb")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], name="consultation_one_response_per_member"
            )
        ]
        indexes = [models.Index(fields=["consultation", "status"])]

    def __str__(self):
        # Never the member: this string shows in admin pages (e.g. deletion summaries).
        return f"Response {self.pk}"


class AnalystTag(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="analyst_tags"
    )
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "name"], name="analyst_tag_unique_per_consultation"
            )
        ]

    def __str__(self):
        return self.name


class Answer(models.Model):
    """One answer to one question: free text in `text`; a choice, Yes/No or a scale point in
    `choice`. A multiple-choice answer is one row per option chosen."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    tags = models.ManyToManyField(AnalystTag, blank=True, related_name="answers")

    class Meta:
        ordering = ["question_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"], name="answer_unique_choice"
            )
        ]
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self):
        return f"Answer {self.pk}"


class ConsultationEvent(models.Model):
    """What staff did to a consultation, and when (opened, closed, outcome published,
    invitations and reminders sent, questions locked)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"
