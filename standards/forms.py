from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import Nation

from .models import Audience

QUERY_TOO_LONG = _("Search for at most 100 characters.")


class SearchForm(forms.Form):
    """The public list's search and filters (a GET form)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        error_messages={"max_length": QUERY_TOO_LONG},
        help_text=_("Words from the title or the text, for example “independence”."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    audience = forms.ChoiceField(
        label=_("Who it is for"), required=False, choices=[("", _("Anyone"))] + Audience.choices
    )
    nation = forms.ChoiceField(
        label=_("Applies to"), required=False, choices=[("", _("Any nation"))] + Nation.choices
    )

    # Not a field of the form a reader fills in: the list's page links carry it.
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=100_000,
        error_messages={
            "invalid": _("The page number must be a whole number, such as 2."),
            "min_value": _("The page number must be 1 or more."),
            "max_value": _("There is no page with that number."),
        },
        widget=forms.HiddenInput,
    )

    def clean_q(self):
        # Control characters (e.g. NUL) have no place in a search and upset PostgreSQL.
        value = self.cleaned_data["q"]
        return "".join(ch for ch in value if ch.isprintable()).strip()
