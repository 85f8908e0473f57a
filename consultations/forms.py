"""The member's answer form, built from the consultation's questions, and the staff forms
for filtering results and tagging answers."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.accounts.choices import EmployerKind, Nation, Section

from . import rules
from .models import Consultation, Question, QuestionKind, QuoteConsent
from .selectors import NumberedQuestion

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 10000

REQUIRED_ANSWER = gettext_noop("Answer this question to submit your response.")
CONSENT_REQUIRED = gettext_noop("Tell us whether we may quote your answers.")
CONSENT_LABEL = gettext_noop("May the union quote your answers in its response?")
CONSENT_HELP = gettext_noop(
    "We may quote members' words in what we submit and publish. Your answers count in the "
    "results whatever you choose."
)
CONSENT_HELP_ANONYMOUS = gettext_noop(
    "This consultation is anonymous: the people who read the answers do not see who gave "
    "them, so we can only quote you without your name."
)


def _condition_hint(nq: NumberedQuestion, numbers: dict[int, int]) -> str:
    q = nq.question
    if not q.condition_question_id:
        return ""
    number = numbers.get(q.condition_question_id)
    return _('Answer this only if your answer to question %(number)s is "%(value)s".') % {
        "number": number,
        "value": q.condition_value,
    }


def _field_for(nq: NumberedQuestion, numbers: dict[int, int]) -> forms.Field:
    q = nq.question
    hint = " ".join(filter(None, [q.help_text, _condition_hint(nq, numbers)]))
    label = f"{nq.number}. {q.text}"
    common = {"label": label, "help_text": hint, "required": q.required}
    if q.kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_MAX, **common)
    if q.kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6}), **common
        )
    if q.kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(o, q.option_label(o)) for o in q.option_list],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    choices = [(o, q.option_label(o)) for o in q.option_list]
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class ResponseForm(forms.Form):
    """Every question as a field. Saving a draft checks each answer's form (a real option,
    not too long) but not that required questions are answered; submitting checks those too.
    Answers to questions hidden by a condition are dropped, whatever the browser sent."""

    use_required_attribute = False

    def __init__(
        self,
        *args,
        consultation: Consultation,
        questions: list[NumberedQuestion],
        submitting: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.numbered = questions
        self.questions = [nq.question for nq in questions]
        self.submitting = submitting
        numbers = {nq.question.pk: nq.number for nq in questions}
        for nq in questions:
            self.fields[field_name(nq.question)] = _field_for(nq, numbers)
        consent_choices = list(QuoteConsent.choices)
        if consultation.anonymous:
            consent_choices = [c for c in consent_choices if c[0] != QuoteConsent.NAMED]
        self.fields["quote_consent"] = forms.ChoiceField(
            label=_(CONSENT_LABEL),
            choices=consent_choices,
            widget=forms.RadioSelect,
            required=True,
            help_text=_(CONSENT_HELP_ANONYMOUS if consultation.anonymous else CONSENT_HELP),
        )

    def full_clean(self):
        # Required questions are marked as required on the page, but only a submission
        # must answer them (and only those the answers show): check that afterwards.
        required = {name: f.required for name, f in self.fields.items()}
        for f in self.fields.values():
            f.required = False
        try:
            super().full_clean()
        finally:
            for name, f in self.fields.items():
                f.required = required[name]
        if not self.is_bound or not self.submitting or not hasattr(self, "cleaned_data"):
            return
        answers = self.answers()
        for question in rules.missing_required(self.questions, answers):
            if field_name(question) in self.cleaned_data:
                self.add_error(field_name(question), _(REQUIRED_ANSWER))
        if not self.cleaned_data.get("quote_consent") and "quote_consent" not in self.errors:
            self.add_error("quote_consent", _(CONSENT_REQUIRED))

    def raw_answers(self) -> rules.Answers:
        data = getattr(self, "cleaned_data", {})
        return {
            q.pk: data.get(field_name(q), [] if q.kind == QuestionKind.MULTIPLE_CHOICE else "")
            for q in self.questions
        }

    def answers(self) -> rules.Answers:
        return rules.keep_visible(self.questions, self.raw_answers())

    def sections(self):
        """The fields grouped by section, in order, for the template."""
        groups: list[dict] = []
        for nq in self.numbered:
            section = nq.question.section
            if not groups or groups[-1]["section"] != section:
                groups.append({"section": section, "items": []})
            groups[-1]["items"].append({"nq": nq, "field": self[field_name(nq.question)]})
        return groups


TAG_MAX = 40
TAGS_MAX = 10
TAG_INVALID = "Tags are words or short phrases of up to 40 letters, separated by commas."
TAGS_TOO_MANY = "Give at most 10 tags to one answer."
_TAG_PATTERN = re.compile(r"^[\w][\w '&/+.-]*$")


class TagForm(forms.Form):
    tags = forms.CharField(
        label="Tags", required=False, max_length=500, help_text="Separate tags with commas."
    )

    def clean_tags(self) -> list[str]:
        names = []
        for raw in self.cleaned_data["tags"].split(","):
            name = " ".join(raw.split()).lower()
            if not name:
                continue
            if len(name) > TAG_MAX or not _TAG_PATTERN.match(name):
                raise forms.ValidationError(TAG_INVALID)
            if name not in names:
                names.append(name)
        if len(names) > TAGS_MAX:
            raise forms.ValidationError(TAGS_TOO_MANY)
        return names


def _blank(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class ResultsFilterForm(forms.Form):
    section = forms.ChoiceField(choices=_blank("All sections", Section.choices), required=False)
    nation = forms.ChoiceField(choices=_blank("All nations", Nation.choices), required=False)
    employer_kind = forms.ChoiceField(
        label="Employer type",
        choices=_blank("All employer types", EmployerKind.choices),
        required=False,
    )
    tag = forms.CharField(required=False, max_length=TAG_MAX, label="Tag")

    def filters(self) -> dict[str, str]:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if v and k in ("section", "nation", "employer_kind")
        }
