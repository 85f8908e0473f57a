"""The member's Direct Debit form. Formats are checked here so that each mistake shows at
its field; whether the sort code and account number belong together (the modulus check) is
the service's rule (`mandates.bank_details_clean`), asked from `clean()` so that a refusal
shows at its field too and nothing is saved."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import mandates

CONFIRM_REQUIRED = _(
    "Tick the box to confirm that you are the account holder and the only person needed "
    "to authorise Direct Debits from this account."
)
HOLDER_REQUIRED = _("Enter the name of the account holder, as your bank shows it.")
HOLDER_TOO_LONG = _("The account holder's name must be 60 characters or fewer.")


class BankNumberInput(forms.TextInput):
    """A sort code or account number is never written back into a page: after a refusal the
    member types it again (bank details are shown to no one, the member included)."""

    def format_value(self, value):
        return None


class DirectDebitForm(forms.Form):
    account_holder = forms.CharField(
        label=_("Name of the account holder"),
        max_length=60,
        help_text=_("As it appears on your bank statement."),
        error_messages={"required": HOLDER_REQUIRED, "max_length": HOLDER_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    sort_code = forms.CharField(
        label=_("Sort code"),
        max_length=20,
        help_text=_("6 digits, for example 12-34-56."),
        error_messages={"required": mandates.SORT_CODE_REQUIRED},
        widget=BankNumberInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-short"}
        ),
    )
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=20,
        help_text=_("Usually 8 digits (6 to 10 at some banks)."),
        error_messages={"required": mandates.ACCOUNT_REQUIRED},
        widget=BankNumberInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-short"}
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "I am the account holder and the only person needed to authorise debits from "
            "this account"
        ),
        error_messages={"required": CONFIRM_REQUIRED},
    )

    def clean_account_holder(self):
        value = " ".join(self.cleaned_data["account_holder"].split())
        if not value:
            raise forms.ValidationError(HOLDER_REQUIRED)
        return value

    def clean_sort_code(self):
        try:
            return mandates.sort_code_clean(self.cleaned_data["sort_code"])
        except mandates.MandateError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        cleaned = super().clean()
        sort_code, account = cleaned.get("sort_code"), cleaned.get("account_number")
        if sort_code and account:
            try:
                cleaned["sort_code"], cleaned["account_number"] = mandates.bank_details_clean(
                    sort_code, account
                )
            except mandates.MandateError as error:
                self.add_error(error.field, error.message)
        return cleaned
