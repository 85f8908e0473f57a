"""The life-event, resignation and officer forms. Each asks the services whether the change
is allowed (`services.life_event_plan`), so that a refusal shows at its field and nothing is
saved."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.forms import WorkplaceForm
from portal.forms import DateInput

from . import rules, services
from .models import LifeEventKind, ResignationReason
from .rules import FULL_TIME_HOURS

LEAVE_KINDS = [
    ("maternity", _("Maternity leave")),
    ("adoption", _("Adoption leave")),
    ("shared_parental", _("Shared parental leave")),
]
RESIGN_CONFIRM_REQUIRED = _("Tick the box to confirm that you want to resign.")
REJOIN_CONFIRM_REQUIRED = _("Tick the box to confirm that you want to rejoin.")


def date_field(label, help_text="", required=True) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        widget=DateInput(),
    )


# Per kind: the label of the date it takes effect, and the reduction it asks for (if any).
EFFECTIVE_LABEL = {
    LifeEventKind.HOURS: _("From"),
    LifeEventKind.LEAVE: _("First day of your leave"),
    LifeEventKind.RETURNING: _("The day you go back to work"),
    LifeEventKind.RETIRING: _("The day you retire"),
    LifeEventKind.MOVING: _("From"),
    LifeEventKind.LEAVING: _("The first day you are not working"),
    LifeEventKind.CAREER_BREAK: _("First day of your career break"),
    LifeEventKind.STUDENT: _("The day your course starts (or today, if it has started)"),
    LifeEventKind.ECT: _("The first day of your induction"),
}
END_LABEL = {
    LifeEventKind.LEAVE: _("Last day of your leave"),
    LifeEventKind.CAREER_BREAK: _("Last day of your career break"),
    LifeEventKind.STUDENT: _("The day your course ends"),
}


class LifeEventFields(forms.Form):
    """The fields every life event shares; `plan` is set once the change is allowed."""

    kind: str = ""
    plan = None

    def add_event_fields(self):
        kind = self.kind
        self.fields["effective_on"] = date_field(EFFECTIVE_LABEL[kind])
        if kind == LifeEventKind.HOURS:
            self.fields["contracted_hours"] = forms.DecimalField(
                label=_("Your contracted hours a week"),
                help_text=_(
                    "A full-time week is %(hours)s hours: enter %(hours)s or more if you go "
                    "back to full time."
                )
                % {"hours": rules.normal(FULL_TIME_HOURS)},
                min_value=0,
                max_value=99,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.5", "class": "input-short"}),
            )
        if kind == LifeEventKind.LEAVE:
            self.fields["leave_kind"] = forms.ChoiceField(
                label=_("Which leave?"), choices=LEAVE_KINDS, widget=forms.RadioSelect
            )
        if kind in END_LABEL:
            months = rules.REDUCED_RATES[services.REDUCTION_FOR_EVENT[kind]].max_months
            hint = (
                _("The reduced rate can last up to %(months)s months.") % {"months": months}
                if months
                else ""
            )
            self.fields["ends_on"] = date_field(END_LABEL[kind], hint)
        reduction = services.REDUCTION_FOR_EVENT.get(kind)
        if reduction and rules.REDUCED_RATES[reduction].needs_evidence:
            self.fields["evidence_note"] = forms.CharField(
                label=_("How you can show it"),
                help_text=_(
                    "A membership officer needs to see %(evidence)s before the reduced rate "
                    "starts. Tell us what you have; they will contact you."
                )
                % {"evidence": rules.REDUCED_RATES[reduction].evidence},
                max_length=300,
                required=False,
            )

    def plan_change(self, cleaned, membership, extra=None):
        if self.errors:
            return
        data = {
            "effective_on": cleaned.get("effective_on"),
            "ends_on": cleaned.get("ends_on"),
            "contracted_hours": cleaned.get("contracted_hours"),
            "leave_kind": cleaned.get("leave_kind", ""),
            "evidence_note": cleaned.get("evidence_note", ""),
            **(extra or {}),
        }
        try:
            self.plan = services.life_event_plan(membership=membership, kind=self.kind, data=data)
        except services.MembershipRuleError as error:
            name = error.field if error.field in self.fields else None
            self.add_error(name, error.message)


class LifeEventForm(LifeEventFields):
    def __init__(self, *args, kind: str, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.membership = kind, membership
        self.add_event_fields()

    def clean(self):
        cleaned = super().clean()
        self.plan_change(cleaned, self.membership)
        return cleaned


class MovingForm(LifeEventFields, WorkplaceForm):
    """Moving employer, workplace or role: the join form's workplace questions."""

    def __init__(self, *args, kind: str, membership, **kwargs):
        super().__init__(
            *args,
            own_employer_id=membership.employer_id,
            own_workplace_id=membership.workplace_id,
            **kwargs,
        )
        self.kind, self.membership = kind, membership
        del self.fields["hours"]
        self.add_event_fields()
        self.order_fields(
            ["effective_on", "employer", "employer_kind", "employer_town", "workplace", "job_role"]
        )

    def clean(self):
        cleaned = super().clean()  # the workplace checks
        if self.errors:
            return cleaned
        self.plan_change(
            cleaned,
            self.membership,
            {
                "employer": cleaned["employer_obj"],
                "workplace": cleaned.get("workplace_obj"),
                "job_role": cleaned["job_role"],
                "workplace_postcode": cleaned["workplace_postcode"],
                "nation": cleaned["nation"],
                "region_id": cleaned["region_obj"].pk,
            },
        )
        return cleaned


def form_for(kind: str):
    return MovingForm if kind == LifeEventKind.MOVING else LifeEventForm


class ResignForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you leaving?"),
        choices=ResignationReason.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("You do not have to tell us. It helps us to do better."),
    )
    confirm = forms.BooleanField(
        label=_("I want to resign from the union"),
        error_messages={"required": RESIGN_CONFIRM_REQUIRED},
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership

    def clean(self):
        cleaned = super().clean()
        problem = services.resign_problem(self.membership)
        if problem:
            self.add_error(None, problem)
        return cleaned


class RejoinForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I want to rejoin the union"),
        error_messages={"required": REJOIN_CONFIRM_REQUIRED},
    )
