"""The member's motion form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .conference import SubmittedFor

TITLE_REQUIRED = _("Give the motion a short title.")
TEXT_REQUIRED = _("Write the motion: what conference notes, believes and resolves.")
FOR_REQUIRED = _("Choose who the motion is from.")
FOR_INVALID = _("Choose your branch or your section.")


class MotionForm(forms.Form):
    submitted_for = forms.ChoiceField(
        label=_("Who is the motion from?"),
        choices=SubmittedFor.choices,
        widget=forms.RadioSelect,
        error_messages={"required": FOR_REQUIRED, "invalid_choice": FOR_INVALID},
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": TITLE_REQUIRED}
    )
    text = forms.CharField(
        label=_("The motion"),
        max_length=5000,
        help_text=_("Up to 5,000 characters: what conference notes, believes and resolves."),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": TEXT_REQUIRED},
    )

    def __init__(self, *args, branch_name: str = "", section_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submitted_for"].choices = [
            (
                SubmittedFor.BRANCH,
                _("My branch: %(name)s") % {"name": branch_name}
                if branch_name
                else _("My branch (you have no workplace on your membership)"),
            ),
            (SubmittedFor.SECTION, _("My section: %(name)s") % {"name": section_name}),
        ]
