from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Ballot, BallotKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class _OptionField(forms.TypedChoiceField):
    """The ballot's options, read only when the form is shown. On a vote, whether the option
    is one of this ballot's own is checked by the statement that counts it
    (services.ballot_vote), which refuses another with the same message: no query here."""

    def valid_value(self, value):
        return True


class VoteForm(forms.Form):
    choice = _OptionField(
        label=_("Your vote"),
        widget=forms.RadioSelect,
        coerce=int,
        error_messages={
            "required": _("Choose one of the options."),
            "invalid_choice": _("Choose one of the options."),
        },
    )

    def __init__(self, *args, ballot: Ballot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = lambda: [
            (o.pk, o.label) for o in ballot.options.order_by("position")
        ]
        self.fields["choice"].label = ballot.question


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BallotKind.choices, widget=forms.RadioSelect)
    question = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Options"),
        help_text=_("One per line, at least two, for example Yes and No."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), widget=DateTimeInput(), input_formats=[DATETIME_FORMAT]
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), widget=DateTimeInput(), input_formats=[DATETIME_FORMAT]
    )

    def clean_question(self):
        value = " ".join(self.cleaned_data["question"].split())
        if "\x00" in value or not value:
            raise forms.ValidationError(_("Write the question."))
        return value

    def clean_options(self):
        from .services import clean_options

        return clean_options(self.cleaned_data["options"].replace("\x00", ""))


class ReceiptCheckForm(forms.Form):
    code = forms.RegexField(
        label=_("Your receipt code"),
        regex=r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$",
        max_length=20,
        help_text=_("12 letters and digits, as shown when you voted, e.g. ABCD-EFGH-JKLM."),
        error_messages={"invalid": _("A receipt code is 12 letters and digits.")},
    )

    def clean_code(self):
        raw = self.cleaned_data["code"].upper().replace("-", "")
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
