"""The CPD entry form: what the member did, when, for how long, what they took from it, and
evidence files checked like case files (`casework.files`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.files import check_files, limits_text, max_files_per_case
from casework.forms import MultipleFileField, MultipleFileInput
from portal.forms import DateInput

from . import services

TITLE_REQUIRED = _("Enter what you did, for example the name of the course.")
DATE_REQUIRED = _("Enter the date you did it.")
DATE_INVALID = _("Enter a real date, for example 14 March 2026.")
HOURS_REQUIRED = _("Enter how many hours it took, for example 1.5.")
HOURS_INVALID = _("Enter the hours as a number, for example 1.5.")
HOURS_PRECISION = _("Enter the hours to at most two decimal places, for example 1.25.")


class CPDEntryForm(forms.Form):
    title = forms.CharField(
        label=_("What did you do?"),
        max_length=200,
        help_text=_("For example: a course, a conference session, a peer observation."),
        error_messages={"required": TITLE_REQUIRED},
    )
    provider = forms.CharField(
        label=_("Who provided it?"),
        max_length=200,
        required=False,
        help_text=_("The organisation or person that ran it, if any."),
    )
    done_on = forms.DateField(
        label=_("When did you do it?"),
        widget=DateInput(),
        error_messages={"required": DATE_REQUIRED, "invalid": DATE_INVALID},
    )
    hours = forms.DecimalField(
        label=_("How many hours?"),
        max_digits=5,
        decimal_places=2,
        help_text=_("In hours, for example 1.5 for an hour and a half."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": HOURS_REQUIRED,
            "invalid": HOURS_INVALID,
            "max_decimal_places": HOURS_PRECISION,
            "max_digits": services.HOURS_TOO_MANY,
            "max_whole_digits": services.HOURS_TOO_MANY,
        },
    )
    reflection = forms.CharField(
        label=_("What did you learn, and what will you do differently?"),
        required=False,
        max_length=10000,
        help_text=_("Your reflection: only you see it, in your record and its PDF."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    evidence = MultipleFileField(
        label=_("Evidence"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.doc,.docx,.jpg,.jpeg,.png,.gif,.txt,text/plain"}
        ),
    )

    def __init__(self, *args, already_on_entry: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.already_on_entry = already_on_entry
        self.fields["evidence"].help_text = _(
            "Optional: a certificate, your notes, the programme. %(limits)s"
        ) % {"limits": limits_text()}

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if problem := services.hours_problem(hours):
            raise forms.ValidationError(problem)
        return hours

    def clean_done_on(self):
        done_on = self.cleaned_data["done_on"]
        if problem := services.date_problem(done_on):
            raise forms.ValidationError(problem)
        return done_on

    def clean_evidence(self):
        files = self.cleaned_data.get("evidence") or []
        remove = len(self.data.getlist("remove_evidence")) if hasattr(self.data, "getlist") else 0
        already = max(0, self.already_on_entry - remove)
        if already + len([f for f in files if f]) > max_files_per_case():
            raise forms.ValidationError(services.TOO_MANY_FILES % {"limit": max_files_per_case()})
        return check_files(files, already_on_case=already)
