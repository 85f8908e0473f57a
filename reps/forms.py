from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
