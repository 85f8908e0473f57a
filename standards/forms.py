from __future__ import annotations

from django import forms

from portal.accounts.choices import Nation

from .models import Audience

QUERY_TOO_LONG = "Search for at most 100 characters."


class SearchForm(forms.Form):
    """The public list's search and filters (a GET form)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        error_messages={"max_length": QUERY_TOO_LONG},
        help_text="Words from the title or the text, for example “independence”.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    audience = forms.ChoiceField(
        label="Who it is for", required=False, choices=[("", "Anyone")] + Audience.choices
    )
    nation = forms.ChoiceField(
        label="Applies to", required=False, choices=[("", "Any nation")] + Nation.choices
    )

    def clean_q(self):
        # Control characters (e.g. NUL) have no place in a search and upset PostgreSQL.
        value = self.cleaned_data["q"]
        return "".join(ch for ch in value if ch.isprintable()).strip()
