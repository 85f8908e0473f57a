"""The communications officer's admin: compose, preview the audience, send a test, approve,
send or schedule, follow the progress, pause and resume. Every button calls a service."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from portal.accounts.choices import (
    CommunicationKind,
    EmployerKind,
    JobRole,
    MembershipStatus,
    Nation,
    Section,
)
from portal.admin import PortalModelAdmin, ReadOnlyAdmin, one_related

from . import selectors, services
from .models import (
    COMPOSABLE_KINDS,
    AddressEvent,
    AddressStatus,
    Communication,
    Delivery,
    Kind,
    Status,
)
from .rendering import UNKNOWN_FIELD_ERROR, preview_for, unknown_fields

# The email preview is a document of its own, shown in a sandboxed frame on the change page:
# its inlined styles are allowed there and nowhere else; it runs nothing and loads nothing.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
SEND_CONFIRMED = "yes"
SCHEDULE_INVALID = "Enter the date and time to send, for example 2026-03-01 09:00."
UNKNOWN_ACTION = "That is not something that can be done to a communication."
BAD_SELECTION = "Choose the messages from the list."

AUDIENCE_FIELDS = [
    "sections",
    "nations",
    "regions",
    "employer_kinds",
    "job_roles",
    "employers",
    "statuses",
]


def _choices_field(choices, label, help_text="Anyone if none is ticked.", **kwargs):
    return forms.MultipleChoiceField(
        choices=choices,
        label=label,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        **kwargs,
    )


class CommunicationForm(forms.ModelForm):
    # Written by hand, so it needs consent: never a "service message" (notices.py).
    kind = forms.ChoiceField(
        choices=COMPOSABLE_KINDS,
        initial=Kind.NEWSLETTER,
        label="Kind",
        help_text=(
            "Campaigns, newsletters and the journal go only to members who opted in to them "
            "by email, and carry an unsubscribe link. Notices about members' own membership, "
            "cases, ballots and bookings are sent by the portal itself."
        ),
    )
    sections = _choices_field(Section.choices, "Sections")
    nations = _choices_field(Nation.choices, "Nations")
    employer_kinds = _choices_field(EmployerKind.choices, "Employer types")
    job_roles = _choices_field(JobRole.choices, "Job roles")
    statuses = forms.MultipleChoiceField(
        choices=MembershipStatus.choices,
        label="Membership status",
        widget=forms.CheckboxSelectMultiple,
        initial=[MembershipStatus.ACTIVE],
        help_text="Usually active members only.",
    )

    class Meta:
        model = Communication
        fields = ["kind", "subject", "body", "subject_cy", "body_cy", *AUDIENCE_FIELDS]
        widgets = {"regions": forms.CheckboxSelectMultiple}
        help_texts = {
            "regions": "Anyone if none is ticked.",
            "employers": "Members at these workplaces only; anyone if none is chosen.",
        }

    def _fields_ok(self, name):
        value = self.cleaned_data.get(name, "")
        bad = unknown_fields(value)
        if bad:
            raise forms.ValidationError(UNKNOWN_FIELD_ERROR % {"fields": ", ".join(bad)})
        return value

    def clean_subject(self):
        return self._fields_ok("subject")

    def clean_body(self):
        return self._fields_ok("body")

    def clean_subject_cy(self):
        return self._fields_ok("subject_cy")

    def clean_body_cy(self):
        return self._fields_ok("body_cy")


def describe_audience(c: Communication) -> list[str]:
    """The audience in words, for the read-only page and the preview."""

    def labels(values, choices):
        names = dict(choices)
        return ", ".join(str(names.get(v, v)) for v in values)

    lines = [f"Membership status: {labels(c.statuses, MembershipStatus.choices)}"]
    if c.sections:
        lines.append(f"Sections: {labels(c.sections, Section.choices)}")
    if c.kind == Kind.JOURNAL:
        lines.append("The journal goes to the Leadership section only.")
    if c.nations:
        lines.append(f"Nations: {labels(c.nations, Nation.choices)}")
    if c.pk and c.regions.exists():
        lines.append("Regions: " + ", ".join(r.name for r in c.regions.all()))
    if c.employer_kinds:
        lines.append(f"Employer types: {labels(c.employer_kinds, EmployerKind.choices)}")
    if c.job_roles:
        lines.append(f"Job roles: {labels(c.job_roles, JobRole.choices)}")
    if c.pk and c.employers.exists():
        lines.append("Workplaces: " + ", ".join(e.label for e in c.employers.all()))
    label = CommunicationKind(c.consent_kind).label.lower()
    lines.append(
        f"Only members who opted in to {label} by email, and whose address has not been "
        "stopped by bounces or complaints, checked again as each message goes."
    )
    return lines


# (action, label, button class, permission needed, statuses it applies to)
ACTIONS = [
    ("test", "Send a test to me", "", "change", set(Status) - {Status.CANCELLED}),
    ("submit", "Submit for approval", "", "change", {Status.DRAFT}),
    ("approve", "Approve", "", "approve", {Status.AWAITING_APPROVAL}),
    (
        "return_to_draft",
        "Return to draft",
        "secondary",
        "change_any",
        {Status.AWAITING_APPROVAL, Status.APPROVED, Status.SCHEDULED},
    ),
    ("send_now", "Send now", "", "send", {Status.APPROVED, Status.SCHEDULED}),
    ("unschedule", "Cancel the schedule", "secondary", "send", {Status.SCHEDULED}),
    ("pause", "Pause sending", "secondary", "send", {Status.SENDING}),
    ("resume", "Resume sending", "", "send", {Status.PAUSED}),
    (
        "cancel",
        "Cancel this communication",
        "danger",
        "send",
        {
            Status.DRAFT,
            Status.AWAITING_APPROVAL,
            Status.APPROVED,
            Status.SCHEDULED,
            Status.PAUSED,
        },
    ),
]


def _can(user, need: str) -> bool:
    perm = {
        "change": "communications.change_communication",
        "change_any": "communications.change_communication",
        "approve": "communications.approve_communication",
        "send": "communications.send_communication",
    }[need]
    return user.has_perm(perm)


@admin.register(Communication)
class CommunicationAdmin(PortalModelAdmin):
    form = CommunicationForm
    change_form_template = "communications/admin/change_form.html"
    list_display = [
        "subject",
        "kind",
        "status",
        "recipient_count",
        "created_by",
        "approved_by",
        "scheduled_for",
        "started_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["subject"]
    list_select_related = ["created_by", "approved_by"]
    # A plain list with a label (select2's search box has none), searchable by id.
    raw_id_fields = ["employers"]
    show_full_result_count = False
    record_fields = [
        "status",
        "created_by",
        "created_at",
        "submitted_at",
        "approved_by",
        "approved_at",
        "scheduled_for",
        "started_by",
        "started_at",
        "finished_at",
        "recipient_count",
        "edited_by",
    ]

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or obj.is_editable
        audience = AUDIENCE_FIELDS if editable else ["audience"]
        first = ["kind", "subject", "body"]
        if obj is not None and obj.kind == Kind.REP_CONTACT:
            first = ["kind", "workplace", "subject", "body"]
        sets = [
            (None, {"fields": first}),
            (
                "Cymraeg (Welsh)",
                {
                    "fields": ["subject_cy", "body_cy"],
                    "description": (
                        "Members who chose Welsh get this subject and body; leave them empty "
                        "and they get the English."
                    ),
                },
            ),
            (
                "Audience",
                {
                    "fields": audience,
                    "description": (
                        "Choose who it is for. Save, then see below how many members it "
                        "reaches and who some of them are."
                    ),
                },
            ),
        ]
        if obj is not None:
            sets.append(("Record", {"fields": self.record_fields}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.kind == Kind.REP_CONTACT:
            # A rep's message: its kind and workplace are the rep's, never changed here.
            fixed = ["kind", "workplace", *self.record_fields]
            return (
                fixed
                if obj.is_editable
                else [*fixed, "subject", "body", "subject_cy", "body_cy", "audience"]
            )
        if obj.is_editable:
            return self.record_fields
        return ["kind", "subject", "body", "subject_cy", "body_cy", "audience", *self.record_fields]

    @admin.display(description="Written by")
    def edited_by(self, obj):
        edits = obj.edits.select_related("by").order_by("at", "pk") if obj.pk else []
        items = format_html_join(
            "",
            "<li>{} — {} ({})</li>",
            (
                (
                    e.by.get_full_name() or e.by.email,
                    timezone.localtime(e.at).strftime("%-d %B %Y, %H:%M"),
                    ", ".join(e.changed) or "saved without changes",
                )
                for e in edits
            ),
        )
        return format_html("<ul>{}</ul>", items) if edits else "—"

    @admin.display(description="Audience")
    def audience(self, obj):
        items = format_html_join("", "<li>{}</li>", ((line,) for line in describe_audience(obj)))
        return format_html("<ul>{}</ul>", items)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or not obj.started_at)

    def save_model(self, request, obj, form, change):
        # One service call saves the text, the audience's regions and workplaces, and the
        # record of who edited it.
        services.communication_save(
            communication=obj,
            by=request.user,
            regions=form.cleaned_data.get("regions", []),
            employers=form.cleaned_data.get("employers", []),
        )

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the many-to-many fields were saved by the service
            self.save_formset(request, form, formset, change=change)

    def get_urls(self):
        return [
            path(
                "<int:pk>/do/<slug:action>/",
                self.admin_site.admin_view(self.action_view),
                name="communications_communication_do",
            ),
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="communications_communication_preview",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_or_change_permission(request, obj):
            extra.update(self._panel_context(request, obj))
            extra.update(self._preview_context(request, obj))
        return super().change_view(request, object_id, form_url, extra)

    # -- what members will receive, and "Send to N members?" --

    def _preview_member(self, request, obj):
        """The first member of the audience, or the officer if it has nobody yet."""
        sample = selectors.audience_sample(obj, size=1)
        return sample[0] if sample else request.user

    def _preview_context(self, request, obj):
        member = self._preview_member(request, obj)
        return {
            "preview": preview_for(obj, member=member),
            "preview_is_member": member != request.user,
            "preview_url": reverse("admin:communications_communication_preview", args=[obj.pk]),
        }

    def preview_view(self, request, pk):
        """The HTML email alone, filled in for a sample member, for the change page's frame."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        preview = preview_for(obj, member=self._preview_member(request, obj))
        response = HttpResponse(preview.html, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = PREVIEW_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Cache-Control"] = "no-store, private"
        return response

    def _confirm_send(self, request, obj, count, change_url):
        """Nothing is sent from this page: its button posts again, confirmed."""
        context = {
            **self.admin_site.each_context(request),
            "title": f"Send to {count} member{'s' if count != 1 else ''}?",
            "opts": self.model._meta,
            "original": obj,
            "count": count,
            "confirmed": SEND_CONFIRMED,
            "change_url": change_url,
        }
        return TemplateResponse(request, "communications/admin/send_confirm.html", context)

    def _panel_context(self, request, obj):
        wrote_it = request.user.pk in services.communication_editors(obj)
        context = {
            "actions_available": [
                {"name": name, "label": label, "style": style}
                for name, label, style, need, statuses in ACTIONS
                if obj.status in statuses
                and _can(request.user, need)
                and not (name == "approve" and wrote_it)
            ],
            "can_schedule": obj.status in {Status.APPROVED, Status.SCHEDULED}
            and _can(request.user, "send"),
            "audience_lines": describe_audience(obj),
            "self_approval": obj.status == Status.AWAITING_APPROVAL and wrote_it,
            "deliveries_url": reverse("admin:communications_delivery_changelist")
            + f"?communication__id__exact={obj.pk}",
        }
        if not obj.started_at and obj.status != Status.CANCELLED:
            context["audience_count"] = selectors.audience_count(obj)
            context["audience_sample"] = selectors.audience_sample(obj)
        if obj.started_at:
            context["progress"] = selectors.progress_for(obj)
            context["refreshing"] = (
                obj.status == Status.SENDING and request.GET.get("refresh") == "1"
            )
        return context

    def action_view(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        by = request.user
        change_url = reverse("admin:communications_communication_change", args=[obj.pk])
        if (
            action == "send_now"
            and request.POST.get("confirmed") != SEND_CONFIRMED
            and obj.status in {Status.APPROVED, Status.SCHEDULED}
            and _can(by, "send")
            and (count := selectors.audience_count(obj))
        ):
            return self._confirm_send(request, obj, count, change_url)
        try:
            done = self._do(request, obj, action, by)
        except services.CommunicationError as error:
            return self._action_error(request, obj, str(error), change_url)
        except PermissionDenied:
            raise
        messages.success(request, done)
        return HttpResponseRedirect(change_url)

    def _do(self, request, obj, action, by) -> str:
        if not _can(by, "change"):
            raise PermissionDenied
        if action == "test":
            delivery = services.communication_send_test(communication=obj, user=by)
            return f"A test has been sent to {delivery.email}."
        if action == "submit":
            services.communication_submit(communication=obj, by=by)
            return "Submitted. Another communications officer must approve it before it is sent."
        if action == "approve":
            services.communication_approve(communication=obj, by=by)
            return "Approved. It can now be sent or scheduled."
        if action == "return_to_draft":
            services.communication_return_to_draft(communication=obj, by=by)
            return "Returned to draft. It needs approval again before it can be sent."
        if action == "send_now":
            c = services.communication_start(communication=obj, by=by)
            return f"Sending to {c.recipient_count} recipients has started."
        if action == "schedule":
            when = _parse_when(request.POST.get("scheduled_for", ""))
            if when is None:
                raise services.CommunicationError(SCHEDULE_INVALID)
            services.communication_schedule(communication=obj, by=by, when=when)
            return f"Scheduled for {timezone.localtime(when):%-d %B %Y at %H:%M}."
        if action == "unschedule":
            services.communication_unschedule(communication=obj, by=by)
            return "The schedule is cancelled; it is approved and can be sent or scheduled."
        if action == "pause":
            services.communication_pause(communication=obj, by=by)
            return "Paused. Messages already on their way finish; no more start until resumed."
        if action == "resume":
            services.communication_resume(communication=obj, by=by)
            return "Resumed."
        if action == "cancel":
            services.communication_cancel(communication=obj, by=by)
            return "Cancelled."
        raise services.CommunicationError(UNKNOWN_ACTION)

    def _action_error(self, request, obj, message, change_url):
        context = {
            **self.admin_site.each_context(request),
            "title": "This could not be done",
            "opts": self.model._meta,
            "original": obj,
            "error": message,
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "communications/admin/action_error.html", context, status=400
        )


def _parse_when(value: str) -> datetime | None:
    value = (value or "").strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            naive = datetime.strptime(value, fmt)  # noqa: DTZ007 - made aware just below
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_current_timezone())
    return None


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The per-recipient record of every send."""

    list_display = [
        "email",
        "communication",
        "status",
        "attempts",
        "sent_at",
        "failed_at",
        "error",
        "feedback",
    ]
    list_filter = ["status", "kind", "is_test", "feedback", one_related("communication", "send")]
    search_fields = ["=email"]
    list_select_related = ["communication"]
    show_full_result_count = False
    actions = ["resend_uncertain", "mark_delivered"]
    fields = [
        "communication",
        "email",
        "kind",
        "is_test",
        "status",
        "attempts",
        "created_at",
        "claimed_at",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "error",
        "feedback",
        "feedback_at",
        "resolution",
        "resolved_by",
        "resolved_at",
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Notifications say who has a case: only administrators see them here.
        if not request.user.is_superuser:
            qs = qs.filter(communication__isnull=False)
        return qs

    def has_send_permission(self, request):
        return request.user.has_perm("communications.send_communication")

    def response_action(self, request, queryset):
        chosen = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(value.isdigit() and len(value) < 19 for value in chosen):
            return HttpResponseBadRequest(BAD_SELECTION)
        return super().response_action(request, queryset)

    def _review(self, request, queryset, service, done: str) -> None:
        chosen = list(queryset.values_list("pk", flat=True))
        try:
            count = service(delivery_ids=chosen, by=request.user)
        except services.CommunicationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        left = len(chosen) - count
        note = f" {left} chosen were not uncertain and are unchanged." if left else ""
        self.message_user(request, done.format(count=count) + note, messages.SUCCESS)

    @admin.action(
        permissions=["send"], description="Resend, knowing a duplicate is possible (uncertain)"
    )
    def resend_uncertain(self, request, queryset):
        self._review(
            request,
            queryset,
            services.deliveries_resend_uncertain,
            "{count} sent again: some members may get it twice. Recorded as resent by you.",
        )

    @admin.action(permissions=["send"], description="Mark as delivered (uncertain)")
    def mark_delivered(self, request, queryset):
        self._review(
            request,
            queryset,
            services.deliveries_mark_delivered,
            "{count} marked as delivered by you.",
        )


@admin.register(AddressStatus)
class AddressStatusAdmin(ReadOnlyAdmin):
    list_display = [
        "email",
        "suppressed",
        "hard_bounces",
        "soft_bounces",
        "complaints",
        "last_event_at",
        "last_reason",
    ]
    list_filter = ["suppressed"]
    search_fields = ["=email"]
    show_full_result_count = False


@admin.register(AddressEvent)
class AddressEventAdmin(ReadOnlyAdmin):
    list_display = ["email", "event", "reason", "at"]
    list_filter = ["event"]
    search_fields = ["=email"]
    show_full_result_count = False
