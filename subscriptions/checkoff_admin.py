"""The membership officer's check-off screens (admin: Subscriptions › Check-off schedules):
schedules per employer and month, building a month's schedules, downloading an employer's
CSV (`download_checkoffschedule`, each download recorded) and uploading the employer's
return to reconcile it. Every write is one call to `subscriptions.checkoff`; HTML lives in
templates. Imported from `subscriptions/admin.py`."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.admin import PortalModelAdmin, ReadOnlyAdmin

from . import checkoff
from .collections import money
from .models import CheckOffDownload, CheckOffReconciliation, CheckOffSchedule

MONTH_INVALID = "Enter a month as YYYY-MM, like 2026-11."


class BuildForm(forms.Form):
    month = forms.CharField(label="Month (YYYY-MM)", max_length=7)

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        try:
            year, month = (int(p) for p in value.split("-"))
            return date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(MONTH_INVALID) from None


class ReturnForm(forms.Form):
    file = forms.FileField(label="The employer's return (CSV)")


@admin.register(CheckOffSchedule)
class CheckOffScheduleAdmin(PortalModelAdmin):
    list_display = ["employer", "month_label", "line_count", "total", "reconciled", "paid"]
    list_filter = ["month"]
    list_select_related = ["employer"]
    search_fields = ["employer__name"]
    show_full_result_count = False
    fields = ["employer", "month", "line_count", "total", "reconciled", "paid", "lines"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Month", ordering="month")
    def month_label(self, obj):
        return f"{obj.month:%B %Y}"

    @admin.display(description="To deduct")
    def total(self, obj):
        return money(obj.total_pence)

    @admin.display(description="Reconciled")
    def reconciled(self, obj):
        return f"{obj.reconciled_at:%d %b %Y}" if obj.reconciled_at else "waiting"

    @admin.display(description="Deducted")
    def paid(self, obj):
        return money(obj.paid_pence) if obj.paid_pence is not None else "—"

    @admin.display(description="Lines")
    def lines(self, obj):
        return render_to_string(
            "admin/subscriptions/checkoff_lines.html",
            {
                "schedule": obj,
                "lines": checkoff.schedule_lines(obj),
                "reconciliation": getattr(obj, "reconciliation", None),
                "can_download": self._may_download(self._request),
                "can_reconcile": self.has_change_permission(self._request, obj),
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._request = request
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):  # nothing is edited here
        return None

    @staticmethod
    def _may_download(request) -> bool:
        return request.user.has_perm("subscriptions.download_checkoffschedule")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path(
                "build/",
                wrap(require_http_methods(["GET", "POST"])(self.build_view)),
                name="subscriptions_checkoffschedule_build",
            ),
            path(
                "<int:object_id>/download/",
                wrap(self.download_view),
                name="subscriptions_checkoffschedule_download",
            ),
            path(
                "<int:object_id>/reconcile/",
                wrap(require_http_methods(["GET", "POST"])(self.reconcile_view)),
                name="subscriptions_checkoffschedule_reconcile",
            ),
        ]
        return own + super().get_urls()

    def _schedule(self, request, object_id) -> CheckOffSchedule:
        schedule = self.get_queryset(request).filter(pk=object_id).first()
        if schedule is None:
            raise Http404
        return schedule

    def build_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            form = BuildForm(request.POST)
            if form.is_valid():
                made = checkoff.checkoff_schedules_build(
                    month=form.cleaned_data["month"], actor=request.user
                )
                self.message_user(
                    request, f"{len(made)} schedule(s) for {form.cleaned_data['month']:%B %Y}."
                )
                return redirect("admin:subscriptions_checkoffschedule_changelist")
            status = 400
        else:
            form = BuildForm(initial={"month": f"{timezone.localdate():%Y-%m}"})
        context = {
            **self.admin_site.each_context(request),
            "title": "Build check-off schedules",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/subscriptions/checkoff_build.html", context, status=status
        )

    def download_view(self, request, object_id):
        if request.method != "GET":
            raise PermissionDenied
        if not self._may_download(request):
            raise PermissionDenied
        schedule = self._schedule(request, object_id)
        content = checkoff.checkoff_csv(schedule)
        checkoff.checkoff_download_record(
            actor=request.user, schedule=schedule, ip=request.META.get("REMOTE_ADDR")
        )
        response = HttpResponse(content.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        name = f"check-off-{schedule.employer_id}-{schedule.month:%Y-%m}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    def reconcile_view(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        schedule = self._schedule(request, object_id)
        status, result, errors = 200, None, []
        if request.method == "POST":
            form = ReturnForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read(checkoff.MAX_RETURN_BYTES + 1)
                try:
                    result = checkoff.checkoff_reconcile(
                        actor=request.user, schedule=schedule, data=data
                    )
                except checkoff.CheckOffError as error:
                    errors = [str(line) for line in error.lines]
                    form.add_error("file", str(error.message))
                    status = 400
                else:
                    if result.already_reconciled:
                        self.message_user(
                            request,
                            "This schedule was already reconciled: nothing changed.",
                            messages.WARNING,
                        )
                    schedule.refresh_from_db()
            else:
                status = 400
        else:
            form = ReturnForm()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reconcile {schedule}",
            "schedule": schedule,
            "total": money(schedule.total_pence),
            "form": form,
            "errors": errors,
            "result": result,
            "reconciliation": CheckOffReconciliation.objects.filter(schedule=schedule).first(),
            "opts": self.model._meta,
            "back": reverse("admin:subscriptions_checkoffschedule_change", args=[schedule.pk]),
        }
        return TemplateResponse(
            request, "admin/subscriptions/checkoff_reconcile.html", context, status=status
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_change_permission(request):
            extra_context["build_url"] = reverse("admin:subscriptions_checkoffschedule_build")
        return super().changelist_view(request, extra_context)


@admin.register(CheckOffDownload)
class CheckOffDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "schedule", "downloaded_by", "ip"]
    list_select_related = ["schedule__employer", "downloaded_by"]
    show_full_result_count = False
