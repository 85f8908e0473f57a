"""Complaints about case handling, in the admin: for casework managers only, open ones
first with missed deadlines flagged. Every action is one service of casework.complaints,
posted to /admin/casework/complaint/<id>/act/."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from portal.admin import PortalModelAdmin

from . import access, complaints
from .models import Complaint, ComplaintOutcome

ACTIONS = ("take", "acknowledge", "respond", "close")
NOT_AN_ACTION = "Choose take, acknowledge, respond or close."
DONE = {
    "take": "You own this complaint now.",
    "acknowledge": "The complaint is acknowledged; the member is told.",
    "respond": "Your response is on the member's case page; the member is told.",
    "close": "The complaint is closed.",
}


class ComplaintStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("overdue", "Overdue"), ("mine", "Mine"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.filter(closed_at__isnull=True)
        if value == "overdue":
            return queryset.filter(access.complaints_overdue_q(timezone.localdate()))
        if value == "mine":
            return queryset.filter(owner=request.user, closed_at__isnull=True)
        if value == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


class ComplaintActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    response = forms.CharField(required=False, max_length=20000, widget=forms.Textarea)
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), *ComplaintOutcome.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["invalid_choice"] = NOT_AN_ACTION
        self.fields["action"].error_messages["required"] = NOT_AN_ACTION


@admin.register(Complaint)
class ComplaintAdmin(PortalModelAdmin):
    list_display = [
        "reference",
        "flag",
        "stage_display",
        "owner",
        "raised_at",
        "acknowledge_by",
        "respond_by",
    ]
    list_display_links = ["reference"]
    list_filter = [ComplaintStateFilter]
    list_select_related = ["case", "owner"]
    show_full_result_count = False
    view_on_site = False
    change_form_template = "admin/casework/complaint/change_form.html"
    fields = [
        "reference",
        "stage_display",
        "flag",
        "raised_at",
        "body",
        "about_officer",
        "owner",
        "acknowledge_by",
        "acknowledged_at",
        "respond_by",
        "responded_at",
        "response",
        "outcome",
        "closed_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            access.complaints_visible_to(request.user)
            .select_related("case", "owner", "about_officer")
            .order_by(F("closed_at").asc(nulls_first=True), "respond_by", "id")
        )

    def get_ordering(self, request):
        return [F("closed_at").asc(nulls_first=True), "respond_by", "id"]  # open ones first

    def has_module_permission(self, request):
        return access.complaints_may_be_seen_by(request.user)

    def has_view_permission(self, request, obj=None):
        return access.complaints_may_be_seen_by(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # changed only through the actions (services), never the model form

    def has_add_permission(self, request):
        return False  # complaints come from members (services.case_complain)

    def has_delete_permission(self, request, obj=None):
        return False

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(access.NOT_FOUND)

    @admin.display(description="case")
    def reference(self, obj):
        return obj.case.reference

    @admin.display(description="stage")
    def stage_display(self, obj):
        stage = obj.stage()
        if stage == "closed":
            return f"Closed: {obj.get_outcome_display()}"
        return stage.capitalize()

    @admin.display(description="deadline")
    def flag(self, obj):
        missed = obj.overdue_for(timezone.localdate())
        if not missed:
            return "—"
        return format_html(
            '<span class="flag flag-overdue">Overdue: {}</span>', complaints.DEADLINE_WORDS[missed]
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = self.get_object(request, object_id)
        if complaint is None:
            raise Http404(access.NOT_FOUND)
        user = request.user
        problem = complaints.complaint_handling_problem(complaint, user)
        extra_context = {
            **(extra_context or {}),
            "complaint": complaint,
            "problem": problem,
            "act_url": reverse("admin:casework_complaint_act", args=[complaint.pk]),
            "case_url": reverse("admin:casework_case_change", args=[complaint.case_id]),
            "outcomes": ComplaintOutcome.choices,
            "action_form": getattr(request, "complaint_action_form", None),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/act/",
                self.admin_site.admin_view(self.act_view),
                name="casework_complaint_act",
            ),
            *super().get_urls(),
        ]

    def act_view(self, request, object_id):
        return require_POST(self._act)(request, object_id)

    def _act(self, request, object_id):
        complaint = (
            self.get_object(request, object_id) if self.has_view_permission(request) else None
        )
        if complaint is None:
            raise Http404(access.NOT_FOUND)
        form = ComplaintActionForm(request.POST)
        if not form.is_valid():
            return self._refused(request, object_id, form, " ".join(sum(form.errors.values(), [])))
        action, by = form.cleaned_data["action"], request.user
        try:
            if action == "take":
                complaints.complaint_take(complaint=complaint, by=by)
            elif action == "acknowledge":
                complaints.complaint_acknowledge(complaint=complaint, by=by)
            elif action == "respond":
                complaints.complaint_respond(
                    complaint=complaint, by=by, response=form.cleaned_data["response"]
                )
            else:
                complaints.complaint_close(
                    complaint=complaint, by=by, outcome=form.cleaned_data["outcome"]
                )
        except PermissionDenied:
            raise Http404(access.NOT_FOUND) from None
        except ValidationError as error:
            return self._refused(request, object_id, form, " ".join(error.messages))
        self.message_user(request, DONE[action], messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:casework_complaint_change", args=[object_id]))

    def _refused(self, request, object_id, form, words: str):
        """The complaint's page again with the refusal and what was typed: a 400."""
        self.message_user(request, words, messages.ERROR)
        request.complaint_action_form = form
        request.method = "GET"
        response = self.change_view(request, str(object_id))
        response.status_code = 400
        return response
