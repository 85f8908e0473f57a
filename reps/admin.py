"""The regional office's view of reps: volunteers to confirm or decline (the caseworkers of
the member's region), roles held, training, and workplaces to verify (accounts' admin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Workplace
from portal.admin import PortalModelAdmin, ReadOnlyInline
from portal.forms import DateInput

from . import access, services
from .models import RepMessage, RepRole, RepStatus, RepSupport, RepTraining

DECISIONS = [("", "—"), ("confirm", _("Confirm")), ("decline", _("Decline"))]


class RepRoleDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, required=False)

    class Meta:
        model = RepRole
        fields = ["elected_on", "accredited_until", "election_result"]
        widgets = {"elected_on": DateInput(), "accredited_until": DateInput()}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "confirm":
            problem = services.confirm_problem(accredited_until=cleaned.get("accredited_until"))
            if problem:
                self.add_error("accredited_until", problem)
        elif cleaned.get("decision") == "":
            raise ValidationError(_("Choose to confirm or decline."))
        return cleaned


class SupportInline(ReadOnlyInline):
    model = RepSupport
    fields = ["supporter", "at"]
    readonly_fields = fields
    extra = 0


@admin.register(RepRole)
class RepRoleAdmin(PortalModelAdmin):
    form = RepRoleDecisionForm
    list_display = ["membership", "kind", "workplace", "status", "contested", "volunteered_at"]
    list_filter = ["status", "kind"]
    search_fields = ["=membership__number", "workplace__name"]
    list_select_related = ["membership__user", "workplace"]
    ordering = ["status", "-volunteered_at"]
    show_full_result_count = False
    inlines = [SupportInline]
    readonly_fields = [
        "membership",
        "workplace",
        "kind",
        "status",
        "contested",
        "volunteered_at",
        "confirmed_by",
        "confirmed_at",
    ]

    def get_queryset(self, request):
        return access.reps_region_scope(request.user).select_related(
            "membership__user", "workplace"
        )

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status == RepStatus.VOLUNTEERED:
            return self.readonly_fields + [
                "decision",
                "elected_on",
                "accredited_until",
                "election_result",
            ]
        return self.readonly_fields + ["elected_on", "accredited_until", "election_result"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == RepStatus.VOLUNTEERED:
            return self.readonly_fields
        return self.readonly_fields + ["elected_on", "accredited_until", "election_result"]

    @admin.display(description=_("contested"), boolean=True)
    def contested(self, obj):
        return services.contested(obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        try:
            if decision == "confirm":
                services.rep_role_confirm(
                    role=obj,
                    by=request.user,
                    accredited_until=form.cleaned_data["accredited_until"],
                    elected_on=form.cleaned_data.get("elected_on"),
                    election_result=form.cleaned_data.get("election_result") or "",
                )
            elif decision == "decline":
                services.rep_role_decline(role=obj, by=request.user)
        except services.RepRuleError as error:
            messages.error(request, error.message)


@admin.register(RepTraining)
class RepTrainingAdmin(PortalModelAdmin):
    list_display = ["membership", "title", "completed_on"]
    search_fields = ["=membership__number", "title"]
    list_select_related = ["membership__user"]
    autocomplete_fields = ["membership"]
    show_full_result_count = False
    formfield_overrides = {}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["completed_on"].widget = DateInput()
        return form


@admin.register(Workplace)
class WorkplaceAdmin(PortalModelAdmin):
    """Workplaces: those named by people joining wait, unverified, for an officer."""

    list_display = ["name", "employer", "postcode", "town", "verified", "created_at"]
    list_filter = ["verified"]
    search_fields = ["name", "postcode", "employer__name"]
    list_select_related = ["employer"]
    autocomplete_fields = ["employer"]
    show_full_result_count = False
    actions = ["mark_verified"]

    @admin.action(description=_("Mark the chosen workplaces verified"), permissions=["change"])
    def mark_verified(self, request, queryset):
        changed = services.workplaces_verify(ids=list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(n)d workplaces verified.") % {"n": changed})


MESSAGE_DECISIONS = [
    ("", _("Choose")),
    ("approve", _("Approve and send")),
    ("return", _("Return to the rep, not sent")),
]


class RepMessageDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=MESSAGE_DECISIONS, required=False)

    class Meta:
        model = RepMessage
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "":
            raise ValidationError(_("Choose to approve or return the message."))
        return cleaned


@admin.register(RepMessage)
class RepMessageAdmin(PortalModelAdmin):
    """The regional office reads a rep's message and approves it (it is then sent) or
    returns it; the rep can never approve their own."""

    form = RepMessageDecisionForm
    list_display = ["subject", "workplace", "created_by", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["subject"]
    list_select_related = ["workplace", "created_by"]
    ordering = ["-created_at"]
    show_full_result_count = False
    readonly_fields = [
        "subject",
        "body",
        "workplace",
        "created_by",
        "created_at",
        "status",
        "approved_by",
        "approved_at",
        "recipient_count",
    ]

    def get_queryset(self, request):
        return access.rep_messages_scope(request.user).select_related("workplace", "created_by")

    def get_fields(self, request, obj=None):
        from portal.communications.models import Status

        if obj is not None and obj.status == Status.AWAITING_APPROVAL:
            return self.readonly_fields + ["decision"]
        return self.readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        try:
            if decision == "approve":
                services.rep_message_approve(message=obj, by=request.user)
            elif decision == "return":
                services.rep_message_return(message=obj, by=request.user)
        except services.RepRuleError as error:
            messages.error(request, error.message)
