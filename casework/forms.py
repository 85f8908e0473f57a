from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts.forms import (
    EMPLOYER_KIND_REQUIRED,
    clean_employer_choice,
    employer_field,
    employer_kind_field,
)
from portal.accounts.membership import membership_number_is_valid
from portal.forms import DateInput

from .files import check_files, limits_text
from .models import Category, Channel, LetterTemplate

HEARING_IN_PAST = _("The meeting or hearing date is in the past. Leave it empty if there is none.")
STARTED_IN_FUTURE = _("The date the problem started cannot be in the future.")
REQUIRED_TO_SUBMIT = _("Tell us this before you send your request.")
EMPLOYER_UNKNOWN = EMPLOYER_KIND_REQUIRED
NUMBER_INVALID = _("This is not a valid membership number: check the digits.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AttachmentsMixin:
    already_on_case = 0

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        return check_files(files, already_on_case=self.already_on_case)


def attachments_field(label=None):
    return MultipleFileField(
        label=label if label is not None else _("Attachments"),
        required=False,
        help_text=lazy(limits_text, str)(),
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.doc,.docx,.jpg,.jpeg,.png,.gif,.txt,text/plain"}
        ),
    )


class CaseForm(AttachmentsMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Choose a category"))] + Category.choices,
    )
    employer = employer_field(
        _("The employer this is about. We filled in yours; change it if needed.")
    )
    employer_kind = employer_kind_field()
    what_happened = forms.CharField(
        label=_("What happened?"),
        error_messages={"required": REQUIRED_TO_SUBMIT},
        max_length=20000,
        help_text=_("In your own words: what happened, when, and who was involved."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    desired_outcome = forms.CharField(
        label=_("What outcome do you want?"),
        error_messages={"required": REQUIRED_TO_SUBMIT},
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    problem_started_on = forms.DateField(
        label=_("When did the problem start?"),
        required=False,
        help_text=_("An approximate date is fine."),
        widget=DateInput(),
    )
    hearing_date = forms.DateField(
        label=_("Date of any meeting or hearing"),
        required=False,
        help_text=_(
            "If you have been invited to a meeting or hearing, its date. We will "
            "treat your request as urgent if it is soon."
        ),
        widget=DateInput(),
    )
    colleagues_affected = forms.BooleanField(label=_("Colleagues are affected too"), required=False)
    other_party_name = forms.CharField(
        label=_("Is this about another person, such as a manager or headteacher? Their name"),
        required=False,
        max_length=200,
        help_text=_(
            "If they are a union member too, we make sure they can never see your "
            "request and that the officer helping you does not also act for them."
        ),
    )
    other_party_number = forms.CharField(
        label=_("Their membership number, if you know it"), required=False, max_length=12
    )
    attachments = attachments_field(_("Letters, contracts, emails"))

    def __init__(
        self, *args, submitting: bool = True, own_employer_id: int | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.own_employer_id = own_employer_id
        # Needed to send the request, not to save a draft.
        for name in ("what_happened", "desired_outcome"):
            self.fields[name].required = submitting

    def clean_hearing_date(self):
        value = self.cleaned_data.get("hearing_date")
        if value and value < timezone.localdate():
            raise ValidationError(HEARING_IN_PAST)
        return value

    def clean_problem_started_on(self):
        value = self.cleaned_data.get("problem_started_on")
        if value and value > timezone.localdate():
            raise ValidationError(STARTED_IN_FUTURE)
        return value

    def clean_other_party_number(self):
        value = (self.cleaned_data.get("other_party_number") or "").replace(" ", "")
        if value and not membership_number_is_valid(value):
            raise ValidationError(NUMBER_INVALID)
        return value

    def clean(self):
        cleaned = super().clean()
        clean_employer_choice(self, cleaned)
        return cleaned


class ReplyForm(AttachmentsMixin, forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = attachments_field(_("Add files"))

    def clean(self):
        cleaned = super().clean()
        empty = not (cleaned.get("message") or "").strip() and not cleaned.get("attachments")
        if empty and "attachments" not in self.errors:
            self.add_error("message", _("Write a message or add a file."))
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComplaintForm(forms.Form):
    complaint = forms.CharField(
        label=_("What went wrong with how your case was handled?"),
        max_length=10000,
        help_text=_("This goes to a casework manager, not to the officer on your case."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label="Find the member",
        max_length=100,
        help_text="Membership number, email address, name or employer.",
    )


class IntakeForm(CaseForm):
    """A case an officer opens for a member who phoned, wrote or walked in: the member's
    own request form, worded for the officer, with how the member asked."""

    channel = forms.ChoiceField(
        label="How did the member ask?",
        choices=[("", "Choose one")] + [c for c in Channel.choices if c[0] != Channel.ONLINE],
    )
    take = forms.BooleanField(label="Take the case myself", required=False, initial=True)

    field_order = ["channel", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "category": "What is it about?",
            "what_happened": "What happened, as the member told it",
            "desired_outcome": "What outcome does the member want?",
            "problem_started_on": "When did the problem start?",
            "hearing_date": "Date of any meeting or hearing",
            "other_party_name": "Is it about another person? Their name",
            "attachments": "Letters or documents the member gave",
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields[
            "employer"
        ].help_text = "The employer this is about: the member's own is filled in."
        self.fields["what_happened"].help_text = "The member can read this on their case page."


# --- Letters (officers) ------------------------------------------------------------------


class LetterTemplateForm(forms.ModelForm):
    """The admin's form for a letter template: a field a letter may not name is refused
    with its name, before anything is saved."""

    class Meta:
        model = LetterTemplate
        fields = ["title", "kind", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20, "cols": 90})}

    def clean_body(self):
        from .letters import letter_field_problem

        body = self.cleaned_data.get("body") or ""
        problem = letter_field_problem(body)
        if problem:
            raise ValidationError(problem)
        return body


LETTER_TEMPLATE_UNKNOWN = "Choose a letter template from the list."


class LetterChooseForm(forms.Form):
    """Step one: which template (GET)."""

    template = forms.ModelChoiceField(
        queryset=None,
        label="Letter template",
        empty_label="Choose a template",
        error_messages={"invalid_choice": LETTER_TEMPLATE_UNKNOWN},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = LetterTemplate.objects.filter(active=True)


class LetterFileForm(LetterChooseForm):
    """Step two: the rendered text, as the officer edited it, and whether to share it."""

    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90}),
        label="Letter text",
        help_text="Edit the letter as you need. It is filed as a PDF on the union's "
        "letterhead, with the date, the case reference and your name and title.",
        error_messages={"required": "Write the letter."},
    )
    share = forms.BooleanField(
        required=False,
        label="Share with the member",
        help_text="The member sees the letter on their case page and is told there is "
        "something new. Unticked, only officers see it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].widget = forms.HiddenInput()


ANSWER_REQUIRED = _("Choose whether to join the case.")


class JoinForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            ("join", _("Yes, join the case: the officer acts for me with the group")),
            ("decline", _("No, I do not want to join")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": ANSWER_REQUIRED, "invalid_choice": ANSWER_REQUIRED},
    )
