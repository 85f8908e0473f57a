"""The card payment form: the whole arrears, or a one-off amount the member enters."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .card import AMOUNT_RANGE, MAX_PENCE, MIN_PENCE
from .collections import money

AMOUNT_FORMAT = _("Enter an amount in pounds and pence, like 25.50.")
CHOOSE = _("Choose what you want to pay.")
ENTER_AMOUNT = _("Enter the amount you want to pay.")
_MONEY = re.compile(r"^£?\s*(\d{1,7}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?$")


def parse_pence(text: str) -> int | None:
    """Pence from "25", "25.5", "£1,000.00"; None when it is not an amount of money."""
    text = (text or "").strip()
    match = _MONEY.match(text)
    if not match:
        return None
    try:
        value = Decimal(text.lstrip("£").strip().replace(",", ""))
    except InvalidOperation:
        return None
    return int(value * 100)


class PayForm(forms.Form):
    what = forms.ChoiceField(
        label=_("What do you want to pay?"),
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
    )
    amount = forms.CharField(
        label=_("If another amount: how much, in pounds"),
        required=False,
        max_length=20,
        help_text=_("Between £1.00 and £1,000.00, for example 25.50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, arrears_pence: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrears_pence = arrears_pence
        choices = []
        if arrears_pence > 0:
            everything = _("Everything I owe: %(total)s") % {"total": money(arrears_pence)}
            choices.append(("all", everything))
        choices.append(("other", _("Another amount")))
        self.fields["what"].choices = choices
        if len(choices) == 1:
            self.fields["what"].initial = "other"

    def clean(self):
        data = super().clean()
        if data.get("what") != "other":
            return data
        text = data.get("amount", "")
        if not text.strip():
            self.add_error("amount", ENTER_AMOUNT)
            return data
        value = parse_pence(text)
        if value is None:
            self.add_error("amount", AMOUNT_FORMAT)
        elif not MIN_PENCE <= value <= MAX_PENCE:
            self.add_error("amount", AMOUNT_RANGE)
        else:
            data["amount_pence"] = value
        return data

    @property
    def amount_pence(self) -> int | None:
        """None: the whole arrears."""
        if self.cleaned_data.get("what") == "all":
            return None
        return self.cleaned_data["amount_pence"]
