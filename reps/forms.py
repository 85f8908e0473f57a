from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import DateInput

from .models import RepKind


class VolunteerForm(forms.Form):
    workplace = forms.TypedChoiceField(
        label=_("Workplace"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose your own workplace.")},
    )
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=RepKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose one of the roles listed."),
            "required": _("Choose the role you volunteer for."),
        },
    )

    def __init__(self, *args, workplaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workplace"].choices = [(w.pk, w.label) for w in workplaces]
        if len(workplaces) == 1:
            self.fields["workplace"].initial = workplaces[0].pk


class WorkplaceIssueForm(forms.Form):
    workplace = forms.TypedChoiceField(
        label=_("Workplace"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of your workplaces.")},
    )
    category = forms.ChoiceField(
        label=_("What is it about?"),
        error_messages={
            "invalid_choice": _("Choose one of the subjects listed."),
            "required": _("Choose what the issue is about."),
        },
    )
    what_happened = forms.CharField(
        label=_("What is happening at your workplace?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Say what is happening.")},
    )
    desired_outcome = forms.CharField(
        label=_("What would members like to happen?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what members would like to happen.")},
    )

    def __init__(self, *args, workplaces, **kwargs):
        from casework.models import Category

        from .services import ISSUE_CATEGORIES

        super().__init__(*args, **kwargs)
        self.fields["workplace"].choices = [(w.pk, w.name) for w in workplaces]
        self.fields["category"].choices = [("", _("Choose a subject"))] + [
            (c.value, c.label) for c in Category if c.value in ISSUE_CATEGORIES
        ]


class RepMessageForm(forms.Form):
    """A message to colleagues at one of the rep's workplaces who agreed to rep contact."""

    workplace = forms.TypedChoiceField(
        label=_("Workplace"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of your workplaces.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        error_messages={"required": _("Give your message a subject.")},
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Plain text; you may write {first_name} for each colleague's first name. The "
            "regional office reads it before it is sent."
        ),
        error_messages={"required": _("Write your message.")},
    )

    def __init__(self, *args, workplaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workplace"].choices = [(w.pk, w.name) for w in workplaces]

    def clean(self):
        cleaned = super().clean()
        for name in ("subject", "body"):
            value = cleaned.get(name)
            if value and any(not (ch.isprintable() or ch in "\r\n\t") for ch in value):
                self.add_error(name, _("Remove the control characters from the text."))
        return cleaned


class HeadcountForm(forms.Form):
    workplace = forms.TypedChoiceField(
        label=_("Workplace"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of your workplaces.")},
    )
    counted_on = forms.DateField(
        label=_("Date of the count"),
        widget=DateInput(),
        error_messages={
            "invalid": _("Enter a real date."),
            "required": _("Enter the date of the count."),
        },
    )

    def __init__(self, *args, workplaces, **kwargs):
        from portal.accounts.choices import Section

        from .density import MAX_HEADCOUNT

        super().__init__(*args, **kwargs)
        self.fields["workplace"].choices = [(w.pk, w.name) for w in workplaces]
        for section in Section:
            self.fields[f"count_{section.value}"] = forms.IntegerField(
                label=section.label,
                required=False,
                min_value=0,
                max_value=MAX_HEADCOUNT,
                widget=forms.NumberInput(attrs={"class": "input-short", "inputmode": "numeric"}),
                error_messages={
                    "invalid": _("Enter a whole number."),
                    "min_value": _("A headcount cannot be negative."),
                    "max_value": _("Enter a headcount of at most %(limit_value)s."),
                },
            )

    def clean_counted_on(self):
        from django.utils import timezone

        from .density import FUTURE_DATE

        day = self.cleaned_data["counted_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(FUTURE_DATE)
        return day

    def clean(self):
        from portal.accounts.choices import Section

        from .density import NOTHING_ENTERED

        cleaned = super().clean()
        names = [f"count_{s}" for s in Section.values]
        if not any(cleaned.get(n) is not None for n in names) and not any(
            self.errors.get(n) for n in names
        ):
            self.add_error(names[0], NOTHING_ENTERED)
        return cleaned

    def counts(self) -> dict[str, int | None]:
        from portal.accounts.choices import Section

        return {s: self.cleaned_data.get(f"count_{s}") for s in Section.values}
