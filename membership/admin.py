"""The membership officer's admin: the fee schedule, the evidence queue for reduced rates,
changes members made that lower their own rate, members' histories, resignations, and the
retention report. Every write goes through `services`; HTML lives in templates."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.admin import PortalModelAdmin, ReadOnlyAdmin
from portal.forms import DateInput
from portal.tasks import enqueue_on_commit

from . import reports, services, tasks
from .models import (
    FeeRate,
    LifeEvent,
    MembershipChange,
    Reduction,
    ReductionStatus,
    Resignation,
)


class FeeRateForm(forms.ModelForm):
    class Meta:
        model = FeeRate
        fields = ["band", "frequency", "amount", "effective_from"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        problem = services.fee_rate_problem(
            amount=cleaned.get("amount"),
            effective_from=cleaned.get("effective_from"),
            existing=self.instance if self.instance.pk else None,
        )
        if problem:
            self.add_error(problem[0], problem[1])
        return cleaned


class BulkRateForm(forms.Form):
    percent = forms.DecimalField(
        label="Change by (per cent)",
        max_digits=5,
        decimal_places=2,
        min_value=-100,
        max_value=100,
        help_text="E.g. 3 for a 3% rise, -2 for a 2% cut, from each band's rate on that day.",
    )
    effective_from = forms.DateField(label="From", widget=DateInput())


@admin.register(FeeRate)
class FeeRateAdmin(PortalModelAdmin):
    """The fee schedule: a rate per band and frequency from a date. A rate that applies, or
    whose members have been told, is never changed: a new one is added."""

    form = FeeRateForm
    list_display = ["band", "frequency", "amount", "effective_from", "notices_sent_at"]
    list_filter = ["band", "frequency"]
    ordering = ["-effective_from", "band", "frequency"]
    readonly_fields = ["created_by", "created_at", "notices_sent_at"]
    actions = ["change_rates_in_bulk"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and (
            obj.effective_from <= timezone.localdate() or obj.notices_sent_at is not None
        ):
            return ["band", "frequency", "amount", "effective_from", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (
            obj.effective_from <= timezone.localdate() or obj.notices_sent_at is not None
        ):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            services.fee_rate_save(actor=request.user, rate=obj)
        except services.MembershipRuleError as error:  # the form asked first: a race
            raise PermissionDenied(error.message) from error

    @admin.action(
        description="Change the selected rates by a percentage from a date", permissions=["add"]
    )
    def change_rates_in_bulk(self, request, queryset):
        form = BulkRateForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                made = services.fee_rates_change_bulk(
                    actor=request.user,
                    rates=queryset,
                    percent=form.cleaned_data["percent"],
                    effective_from=form.cleaned_data["effective_from"],
                )
            except services.MembershipRuleError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                # The notices go out through communications as service messages.
                enqueue_on_commit(tasks.send_rate_notices)
                self.message_user(
                    request,
                    f"{len(made)} new rate(s) from {form.cleaned_data['effective_from']:%-d %B %Y}."
                    " Members whose rate changes are told by a service notice before it"
                    " applies.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Change rates in bulk",
            "form": form,
            "rates": queryset,
            "opts": self.model._meta,
            "action": "change_rates_in_bulk",
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(
            request,
            "admin/membership/feerate/bulk_change.html",
            context,
            status=400 if form.errors else 200,
        )


class ReductionForm(forms.ModelForm):
    class Meta:
        model = Reduction
        fields = ["starts_on", "ends_on"]


@admin.register(Reduction)
class ReductionAdmin(PortalModelAdmin):
    """The evidence queue: reduced rates waiting for a membership officer. An officer may
    correct a request's dates, but then another officer decides it."""

    form = ReductionForm
    list_display = [
        "membership",
        "kind",
        "status",
        "starts_on",
        "ends_on",
        "requested_at",
        "decided_by",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=membership__number"]
    list_select_related = ["membership__user", "decided_by"]
    ordering = ["status", "requested_at"]
    show_full_result_count = False
    fields = [
        "membership",
        "kind",
        "status",
        "starts_on",
        "ends_on",
        "detail",
        "evidence_note",
        "requested_by",
        "requested_at",
        "editor_list",
        "decided_by",
        "decided_at",
        "decision_reason",
    ]
    readonly = [f for f in fields if f not in ("starts_on", "ends_on")]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == ReductionStatus.PENDING:
            return self.readonly
        return self.fields

    @admin.display(description="changed by")
    def editor_list(self, obj):
        return ", ".join(str(u) for u in obj.editors.all()) or "–"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        own = [path("<int:object_id>/decide/", decide, name="membership_reduction_decide")]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reduction = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if reduction is not None and reduction.status == ReductionStatus.PENDING:
            extra["decide_url"] = reverse("admin:membership_reduction_decide", args=[reduction.pk])
            extra["decide_problem"] = services.reduction_decide_problem(
                actor=request.user, reduction=reduction
            )
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        try:
            services.reduction_edit(
                actor=request.user,
                reduction=obj,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except services.MembershipRuleError as error:
            raise PermissionDenied(error.message) from error

    def save_related(self, request, form, formsets, change):
        pass  # editors are recorded by the service

    def decide_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        reduction = get_object_or_404(self.get_queryset(request), pk=object_id)
        decision = request.POST.get("decision")
        if decision not in ("approve", "refuse"):
            raise Http404
        try:
            services.reduction_decide(
                actor=request.user,
                reduction=reduction,
                approve=decision == "approve",
                reason=request.POST.get("reason", ""),
            )
        except services.MembershipRuleError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            reduction.refresh_from_db()
            self.message_user(
                request, f"{reduction}: {reduction.get_status_display()}.", messages.SUCCESS
            )
        return HttpResponseRedirect(
            reverse("admin:membership_reduction_change", args=[reduction.pk])
        )


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "needs review"
    parameter_name = "needs_review"

    def lookups(self, request, model_admin):
        return [("yes", "Lowered their own rate: not yet reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(flagged=True, reviewed_at=None)
        return queryset


@admin.register(LifeEvent)
class LifeEventAdmin(ReadOnlyAdmin):
    """Life events members recorded; those that lowered a member's own rate are flagged
    for a membership officer to review."""

    list_display = [
        "membership",
        "kind",
        "effective_on",
        "applied_at",
        "flagged",
        "flag_reason",
        "reviewed_by",
    ]
    list_filter = [NeedsReviewFilter, "kind", "flagged"]
    search_fields = ["=membership__number"]
    list_select_related = ["membership__user", "reviewed_by"]
    actions = ["mark_reviewed"]
    show_full_result_count = False

    def has_review_permission(self, request):
        return request.user.has_perm("membership.decide_reduction")

    @admin.action(description="Mark the selected changes as reviewed", permissions=["review"])
    def mark_reviewed(self, request, queryset):
        done, refused = 0, 0
        for event in queryset.select_related("membership"):
            try:
                done += services.life_event_review(actor=request.user, event=event)
            except services.MembershipRuleError:
                refused += 1
        self.message_user(request, f"{done} change(s) marked reviewed.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} change(s) are your own: another officer reviews them.",
                messages.WARNING,
            )


@admin.register(MembershipChange)
class MembershipChangeAdmin(ReadOnlyAdmin):
    """Members' histories: every change to a membership, who made it and when."""

    list_display = ["at", "membership", "field", "old_value", "new_value", "actor", "source"]
    list_filter = ["source", "field"]
    search_fields = ["=membership__number", "=membership__user__email"]
    list_select_related = ["membership__user", "actor"]
    show_full_result_count = False

    def get_urls(self):
        view = self.admin_site.admin_view(self.retention_view)
        own = [path("retention/", view, name="membership_retention")]
        return own + super().get_urls()

    def retention_view(self, request):
        if not request.user.has_perm("membership.view_retention_report"):
            raise PermissionDenied
        report = reports.retention_report(months=12)
        context = {
            **self.admin_site.each_context(request),
            "title": "Retention",
            "report": report,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/membership/retention.html", context)


@admin.register(Resignation)
class ResignationAdmin(ReadOnlyAdmin):
    list_display = ["membership", "reason", "given_on", "effective_on", "applied_at"]
    list_filter = ["reason"]
    search_fields = ["=membership__number"]
    list_select_related = ["membership__user"]
    show_full_result_count = False
