"""The case screen's work form: what the officer typed and chose, checked as input; the
rules are the services' (services.case_officer_update)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from portal.accounts.forms import clean_employer_choice, employer_kind_field
from portal.accounts.membership import membership_number_is_valid
from portal.accounts.models import User
from portal.forms import DateInput

from . import services
from .files import check_files, limits_text
from .forms import (
    NUMBER_INVALID,
    MultipleFileField,
    MultipleFileInput,
)
from .models import (
    QUEUE_ORDER,
    Case,
    Category,
    ClaimType,
    FollowUp,
    Outcome,
    SavedReply,
)

STATUS_ORDER = list(QUEUE_ORDER)


def _files_field(label: str, help_text: str) -> MultipleFileField:
    return MultipleFileField(
        required=False,
        widget=MultipleFileInput(
            attrs={
                "accept": ".pdf,.doc,.docx,.jpg,.jpeg,.png,.gif,.txt,text/plain",
                # after a refusal elsewhere, "not kept" here: focus goes to the refusal
                "data-error-follows": "",
            }
        ),
        label=label,
        help_text=help_text + " " + limits_text(),
    )


class CaseAdminForm(forms.ModelForm):
    """The officer's work on a case. The form only reads what was typed and checks the
    files; the rules are the service's (services.case_officer_update), which the admin calls
    once per submission and whose refusals it shows next to the field they concern."""

    assign_to = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Assign to"
    )
    new_status = forms.ChoiceField(required=False, label="Change status to")
    outcome = forms.ChoiceField(
        required=False, choices=[("", "—")] + Outcome.choices, label="Outcome (to close)"
    )
    outcome_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Outcome note"
    )
    legal_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for escalating to legal",
    )
    saved_reply = forms.ModelChoiceField(
        queryset=SavedReply.objects.all(),
        required=False,
        label="Start from a saved reply",
        help_text="Fills in the reply below for you to edit before sending.",
    )
    message = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Message",
        help_text="The member reads this on their case page and is emailed that a message "
        "is waiting; the email never contains it.",
    )
    message_files = _files_field("Files for the member", "Sent to the member with the reply above.")
    await_reply = forms.BooleanField(required=False, label="Waiting for the member's reply")
    # On a collective case: the reply goes to everyone on it, or to one member alone.
    message_for = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Send the reply to"
    )
    note = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Internal note",
        help_text="Only officers see this. Never shown or sent to the member.",
    )
    note_files = _files_field(
        "Internal files", "Kept with the internal note; the member never sees them."
    )
    restrict_to = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Restrict to these officers",
        widget=forms.CheckboxSelectMultiple,
    )
    # Correct the facts: each change is a timeline entry (services.case_correct_facts).
    category = forms.ChoiceField(choices=Category.choices, label="Category", required=False)
    hearing_date = forms.DateField(
        required=False,
        label="Meeting or hearing date",
        help_text="A new date re-evaluates urgency at once.",
        widget=DateInput(),
    )
    employer = forms.CharField(
        required=False,
        max_length=200,
        label="Employer",
        help_text="As the employer is known to the portal (name, or “name, town”).",
    )
    employer_kind = employer_kind_field()
    other_party_name = forms.CharField(
        required=False, max_length=200, label="Other party (a person the case is about)"
    )
    other_party_number = forms.CharField(
        required=False,
        max_length=12,
        label="Other party's membership number",
        help_text="If they are a member: they can never see the case, and an officer "
        "acting for them cannot see or take it.",
    )

    FACT_FIELDS = (
        "category",
        "hearing_date",
        "employer",
        "employer_kind",
        "other_party_name",
        "other_party_number",
    )

    claim_type = forms.ChoiceField(
        required=False,
        choices=[("", "No claim")] + ClaimType.choices,
        label="Tribunal claim",
        help_text="A possible employment tribunal claim: its time limit is worked out for you.",
    )
    act_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Date of the act complained of",
    )
    acas_started_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="ACAS early conciliation started (Day A)",
    )
    acas_certificate_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="ACAS certificate issued (Day B)",
    )
    follow_up_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Follow up by",
    )
    follow_up_what = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        label="Follow-up",
        help_text="For example “chase the employer for the investigation report”. Only "
        "officers see it; you are reminded on the day.",
    )
    follow_ups_done = forms.ModelMultipleChoiceField(
        queryset=FollowUp.objects.none(),
        required=False,
        label="Mark follow-ups done",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Case
        fields = ["priority", "claim_type", "act_on", "acas_started_on", "acas_certificate_on"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        user = request.user
        case = self.instance
        officers = services.casework_officers()
        if user.has_perm("casework.assign_case"):
            self.fields["assign_to"].queryset = officers
        else:
            self.fields["assign_to"].queryset = officers.filter(pk=user.pk)
            self.fields["assign_to"].label = "Take this case"
        moves = services.ALLOWED_MOVES.get(case.status, set())
        # Any status is accepted by the field, so that a move outside the workflow gets the
        # workflow's own message; the menu offers only the allowed ones.
        self.fields["new_status"].choices = [("", "—")] + [(s.value, s.label) for s in STATUS_ORDER]
        self.fields["new_status"].widget.choices = [("", "—")] + [
            (s.value, s.label) for s in STATUS_ORDER if s in moves
        ]
        self.fields["follow_ups_done"].queryset = FollowUp.objects.filter(
            case=case, done_at__isnull=True
        ).select_related("officer")
        self.fields["follow_ups_done"].label_from_instance = lambda f: (
            f"{f.due_on:%d %b %Y}: {f.what} ({f.officer.get_full_name()})"
        )
        if case.pk and case.collective:
            self.fields["message_for"].choices = [("", "Everyone on the case")] + [
                (person.pk, f"{person.get_full_name()} only")
                for person in services.collective_recipients(case)
            ]
        else:
            del self.fields["message_for"]
        if user.has_perm("casework.restrict_case"):
            self.fields["restrict_to"].queryset = officers
            self.fields["restrict_to"].initial = list(case.restricted_to.all())
        else:
            del self.fields["restrict_to"]
        other = getattr(case.other_party, "membership", None) if case.other_party_id else None
        self.fields["category"].initial = case.category
        self.fields["hearing_date"].initial = case.hearing_date
        self.fields["employer"].initial = case.employer.label if case.employer_id else ""
        self.fields["other_party_name"].initial = case.other_party_name
        self.fields["other_party_number"].initial = other.number if other else ""

    def _fact_changed(self, name: str) -> bool:
        # A submission without the field (another client than the case screen) leaves
        # that fact as it is.
        return self.add_prefix(name) in self.data and name in self.changed_data

    @property
    def facts_changed(self) -> bool:
        return any(self._fact_changed(name) for name in self.FACT_FIELDS)

    def clean_other_party_number(self):
        value = (self.cleaned_data.get("other_party_number") or "").replace(" ", "")
        if value and not membership_number_is_valid(value):
            raise ValidationError(NUMBER_INVALID)
        return value

    def facts(self) -> services.CaseFacts:
        c = self.cleaned_data
        case = self.instance
        initial = {
            name: self.get_initial_for_field(self.fields[name], name)
            for name in ("hearing_date", "other_party_name", "other_party_number")
        }

        def value(name):
            return c.get(name) if self._fact_changed(name) else initial[name]

        employer = case.employer
        if self._fact_changed("employer") or self._fact_changed("employer_kind"):
            employer = c.get("employer_obj")
        return services.CaseFacts(
            hearing_date=value("hearing_date"),
            category=(c.get("category") if self._fact_changed("category") else "") or case.category,
            employer=employer,
            other_party_name=value("other_party_name") or "",
            other_party_number=value("other_party_number") or "",
        )

    def _check_files(self, name: str, other: str):
        files = self.cleaned_data.get(name) or []
        others = len(self.files.getlist(other)) if hasattr(self.files, "getlist") else 0
        return check_files(files, already_on_case=self.instance.attachments.count() + others)

    def clean_message_files(self):
        return self._check_files("message_files", "note_files")

    def clean_note_files(self):
        return self._check_files("note_files", "message_files")

    def clean(self):
        cleaned = super().clean()
        if self._fact_changed("employer") or self._fact_changed("employer_kind"):
            clean_employer_choice(self, cleaned)
        saved = cleaned.get("saved_reply")
        if saved and not (cleaned.get("message") or "").strip():
            # Without JavaScript: fill the reply in and ask for it to be checked.
            data = self.data.copy()
            data["message"] = saved.body
            self.data = data
            self.add_error("message", "Check and edit the saved reply, then save again.")
        return cleaned


FILES_NOT_KEPT = "Nothing was saved, so these files were not kept: choose them again."

# The work form's fields of the tribunal claim (services.case_set_deadlines).
DEADLINE_FIELDS = ("claim_type", "act_on", "acas_started_on", "acas_certificate_on")

# The service's step names that differ from the form's field names.
WORK_STEP_FIELDS = {"status": "new_status"}
