from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import Nation
from portal.forms import DateInput

from .models import EventKind
from .services import NEEDS_MAX_LENGTH

ONLINE_CHOICES = [
    ("", _("Online or in person")),
    ("online", _("Online")),
    ("in_person", _("In person")),
]


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *EventKind.choices]
    )
    from_date = forms.DateField(
        label=_("From"), required=False, widget=DateInput(), help_text=_("For example 2027-03-01")
    )
    nation = forms.ChoiceField(
        label=_("Nation"), required=False, choices=[("", _("Any nation")), *Nation.choices]
    )
    online = forms.ChoiceField(label=_("Where"), required=False, choices=ONLINE_CHOICES)


ACTIONS = {"book", "waitlist", "cancel", "accept"}


class BookingForm(forms.Form):
    dietary = forms.CharField(
        label=_("Dietary needs"),
        required=False,
        max_length=NEEDS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Optional. Seen only by this event's organisers, deleted 30 days after the event."
        ),
    )
    access_needs = forms.CharField(
        label=_("Access needs"),
        required=False,
        max_length=NEEDS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Optional. For example step-free access, a hearing loop, a quiet room. Seen only "
            "by this event's organisers, deleted 30 days after the event."
        ),
    )

    def __init__(self, *args, ask_needs: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_needs:
            del self.fields["dietary"]
            del self.fields["access_needs"]

    def clean(self):
        data = super().clean()
        for name in ("dietary", "access_needs"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, _("Remove the unprintable character."))
        return data
