"""The member's payroll-deduction form: the employer that deducts (searched as in the join
flow) and the payroll number there."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.selectors import employers_named

from .checkoff import payroll_number_problem

EMPLOYER_REQUIRED = _("Enter the name of the employer that pays you, or choose it from the list.")
EMPLOYER_UNKNOWN = _(
    "We do not know this employer. Choose it from the list as you type; if it is not "
    "there, your employer cannot deduct subscriptions yet: pay by Direct Debit instead."
)
EMPLOYER_AMBIGUOUS = _(
    "Several employers have this name. Choose yours from the list: each shows its town."
)
CONFIRM_REQUIRED = _("Tick the box to agree to your employer deducting your subscription.")


class PayrollForm(forms.Form):
    employer = forms.CharField(
        label=_("Your employer (who pays your salary)"),
        max_length=200,
        help_text=_("Start typing to search, then choose your employer from the list."),
        error_messages={"required": EMPLOYER_REQUIRED},
        widget=forms.TextInput(
            attrs={
                "list": "employer-options",
                "autocomplete": "off",
                "data-employer-search": "/join/employers/",
            }
        ),
    )
    payroll_number = forms.CharField(
        label=_("Your payroll number"),
        max_length=20,
        help_text=_("Your employee or payroll number, as on your payslip."),
        required=False,
        widget=forms.TextInput(attrs={"class": "input-short", "autocomplete": "off"}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I agree to my employer deducting my union subscription from my pay each month "
            "and paying it to the union."
        ),
        error_messages={"required": CONFIRM_REQUIRED},
    )

    def __init__(self, *args, own_employer_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_employer_id = own_employer_id
        self.employer_obj = None

    def clean_employer(self):
        typed = " ".join((self.cleaned_data.get("employer") or "").split())
        matches = employers_named(typed, own_employer_id=self.own_employer_id)
        if len(matches) > 1:
            raise forms.ValidationError(EMPLOYER_AMBIGUOUS)
        if not matches:
            raise forms.ValidationError(EMPLOYER_UNKNOWN)
        self.employer_obj = matches[0]
        return typed

    def clean_payroll_number(self):
        value = (self.cleaned_data.get("payroll_number") or "").strip()
        problem = payroll_number_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value
