"""The standing orders committee's admin: each motion of a conference accepted, ruled out
of order with a reason, or composited with others into one composite; and the organisers'
record of each conference's elected delegates. One service call per action
(`events.conference_services`); the submitting member is never shown, only their branch
or section."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from portal.admin import PortalModelAdmin, one_related
from portal.forms import DateInput

from . import conference_services as services
from .conference import Composite, Delegate, Motion, MotionStatus
from .models import Event, EventKind
from .services import EventRuleError

COMPOSITE_TITLE_REQUIRED = _("Give the composite a title.")
COMPOSITE_TEXT_REQUIRED = _("Write the composite motion.")


class ConferenceFilter(admin.SimpleListFilter):
    title = _("conference")
    parameter_name = "conference"

    def lookups(self, request, model_admin):
        return [
            (str(e.pk), e.title)
            for e in Event.objects.filter(kind=EventKind.CONFERENCE).order_by("-starts_at")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(event_id=int(value))


class MotionRulingForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Ruling"),
        choices=[
            (MotionStatus.SUBMITTED, _("Not ruled yet")),
            (MotionStatus.ACCEPTED, _("Accept")),
            (MotionStatus.OUT_OF_ORDER, _("Rule out of order")),
        ],
        help_text=_("To composite motions, choose them in the list and use the action."),
    )

    class Meta:
        model = Motion
        fields = ["status", "reason"]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == MotionStatus.SUBMITTED:
            return data
        problem = services.ruling_problem(
            motion=Motion.objects.get(pk=self.instance.pk),
            status=status,
            reason=data.get("reason") or "",
        )
        if problem:
            self.add_error(problem[0], problem[1])
        return data


class CompositeForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": COMPOSITE_TITLE_REQUIRED}
    )
    text = forms.CharField(
        label=_("Composite motion"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
        error_messages={"required": COMPOSITE_TEXT_REQUIRED},
    )


@admin.register(Motion)
class MotionAdmin(PortalModelAdmin):
    form = MotionRulingForm
    list_display = ["number", "title", "event", "submitted_from", "status", "submitted_at"]
    list_display_links = ["number", "title"]
    list_filter = ["status", ConferenceFilter]
    search_fields = ["title"]
    ordering = ["event", "number"]
    actions = ["accept_selected", "composite_selected"]
    readonly_fields = [
        "event",
        "number",
        "title",
        "text",
        "submitted_from",
        "submitted_at",
        "composite",
        "ruled_at",
    ]
    fields = [*readonly_fields, "status", "reason"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event", "branch", "composite")

    @admin.display(description=_("from"))
    def submitted_from(self, obj):
        return obj.submitted_by_label

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # As stored: a refused ruling has already been copied onto `obj` by the form.
        if obj is not None and not (
            Motion.objects.filter(pk=obj.pk, status=MotionStatus.SUBMITTED).exists()
        ):
            return [*self.readonly_fields, "status", "reason"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        status = form.cleaned_data.get("status")
        if status == MotionStatus.SUBMITTED:
            return
        services.motion_rule(
            motion=obj, by=request.user, status=status, reason=form.cleaned_data.get("reason", "")
        )

    @admin.action(description=_("Accept the selected motions"), permissions=["change"])
    def accept_selected(self, request, queryset):
        done = 0
        for motion in queryset.filter(status=MotionStatus.SUBMITTED):
            services.motion_rule(motion=motion, by=request.user, status=MotionStatus.ACCEPTED)
            done += 1
        self.message_user(request, _("%(n)s motions accepted.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Composite the selected motions"), permissions=["composite"])
    def composite_selected(self, request, queryset):
        motions = list(queryset.select_related("event", "branch"))
        events = {m.event_id for m in motions}
        event = motions[0].event if len(events) == 1 else None
        problem = (
            services.composite_problem(event=event, motions=motions)
            if event is not None
            else services.COMPOSITE_OTHER_CONFERENCE
        )
        if problem:
            self.message_user(request, problem, messages.ERROR)
            return None
        form = CompositeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                composite = services.motion_composite(
                    event=event,
                    motion_ids=[m.pk for m in motions],
                    by=request.user,
                    **form.cleaned_data,
                )
            except EventRuleError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(
                request,
                _("Composite %(n)s made of %(count)s motions.")
                % {"n": composite.number, "count": len(motions)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "title": _("Composite motions"),
            "opts": self.model._meta,
            "motions": motions,
            "event": event,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        status = 400 if "apply" in request.POST else 200
        return TemplateResponse(
            request, "admin/events/motion/composite.html", context, status=status
        )

    def has_composite_permission(self, request):
        return request.user.has_perm("events.add_composite") and request.user.has_perm(
            "events.change_motion"
        )


@admin.register(Composite)
class CompositeAdmin(PortalModelAdmin):
    list_display = ["number", "title", "event", "created_at"]
    list_filter = [ConferenceFilter]
    search_fields = ["title"]
    fields = ["event", "number", "title", "text", "motion_list"]
    readonly_fields = ["event", "number", "motion_list"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")

    @admin.display(description=_("made of"))
    def motion_list(self, obj):
        return ", ".join(f"{m.number} ({m.submitted_by_label})" for m in obj.motions.all())

    def has_add_permission(self, request):
        return False  # made from the motions list ("Composite the selected motions")

    def has_delete_permission(self, request, obj=None):
        return False


class DelegateForm(forms.ModelForm):
    elected_on = forms.DateField(label=_("Elected on"), widget=DateInput())

    class Meta:
        model = Delegate
        fields = ["event", "user", "elected_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "event" in self.fields:
            self.fields["event"].queryset = Event.objects.filter(kind=EventKind.CONFERENCE)

    def clean(self):
        data = super().clean()
        event, user = data.get("event"), data.get("user")
        if event is not None and user is not None:
            problem = services.delegate_problem(event=event, user=user)
            if problem:
                self.add_error("user", problem)
        return data


@admin.register(Delegate)
class DelegateAdmin(PortalModelAdmin):
    form = DelegateForm
    list_display = ["member", "event", "branch", "elected_on", "registered_at"]
    list_filter = [one_related("event", _("conference"))]
    autocomplete_fields = ["user"]
    readonly_fields = ["branch", "recorded_by", "recorded_at", "registered_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event", "user", "branch")

    @admin.display(description=_("member"))
    def member(self, obj):
        return obj.user.get_full_name() or obj.user.email

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["event", "user", "elected_on"]
        return ["event", "user", "elected_on", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.delegate_record(
            event=data["event"], user=data["user"], elected_on=data["elected_on"], by=request.user
        )
        obj.pk = saved.pk
