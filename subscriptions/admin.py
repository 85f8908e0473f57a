"""The membership officer's back office for subscriptions collected through the Bacs bureau:
mandates, collections, the arrears queue, the bureau's files (download, write now), its
reports (upload) and the exceptions they leave. Bank details never reach a page: a mandate
shows its account as "ending 78"; files and reports are never shown, only downloaded by an
officer with the permission (and the download recorded). Every write goes through
`subscriptions.bureau`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from portal.admin import PortalModelAdmin, ReadOnlyAdmin

from . import bureau
from .collections import money
from .models import (
    Arrears,
    BacsException,
    BacsFile,
    BacsFileDownload,
    BacsReport,
    Collection,
    CollectionStatus,
    Mandate,
)

BANK_FIELDS = ("account_holder", "sort_code", "account_number")


def pounds(pence) -> str:
    return money(pence or 0)


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin):
    """Mandates, read-only: the account shows only as its last two digits."""

    list_display = [
        "reference",
        "member_number",
        "provider",
        "status",
        "account",
        "created_at",
        "lodged_at",
        "cancelled_at",
    ]
    list_filter = ["status", "provider"]
    search_fields = ["=reference", "=membership__number"]
    list_select_related = ["membership"]
    show_full_result_count = False
    fields = [
        "reference",
        "member_number",
        "provider",
        "status",
        "account",
        "created_at",
        "first_collection_on",
        "lodged_at",
        "lodged_in",
        "cancel_requested_at",
        "cancelled_at",
        "cancelled_in",
        "end_reason",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # The bank details are never read for a page: not even decrypted.
        return super().get_queryset(request).defer(*BANK_FIELDS)

    @admin.display(description="member", ordering="membership__number")
    def member_number(self, obj):
        return obj.membership.number

    @admin.display(description="account")
    def account(self, obj):
        return f"ending {obj.account_last2}"


class ArrearsFilter(admin.SimpleListFilter):
    title = "arrears"
    parameter_name = "arrears"

    def lookups(self, request, model_admin):
        return [("yes", "Unpaid (owed)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=[CollectionStatus.UNPAID])
        return queryset


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "member_number",
        "method",
        "kind",
        "status",
        "due_on",
        "amount_shown",
        "bacs_file",
        "unpaid_reason",
    ]
    list_filter = [ArrearsFilter, "status", "kind", "method"]
    search_fields = ["=membership__number", "=mandate__reference"]
    list_select_related = ["membership", "bacs_file"]
    show_full_result_count = False
    fields = [
        "member_number",
        "method",
        "mandate",
        "kind",
        "status",
        "due_on",
        "period_start",
        "period_end",
        "amount_shown",
        "bacs_file",
        "represents",
        "unpaid_code",
        "unpaid_reason",
        "unpaid_at",
        "paid_at",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # A bureau file's content (large, encrypted) is never loaded for its name.
        return super().get_queryset(request).defer("bacs_file__content")

    @admin.display(description="member", ordering="membership__number")
    def member_number(self, obj):
        return obj.membership.number

    @admin.display(description="amount", ordering="amount_pence")
    def amount_shown(self, obj):
        return pounds(obj.amount_pence)


@admin.register(Arrears)
class ArrearsAdmin(ReadOnlyAdmin):
    """The arrears queue: members with unpaid collections, from one aggregate query."""

    list_display = ["number", "name", "owed", "oldest", "months", "last_returned"]
    list_display_links = None
    search_fields = ["=number"]
    show_full_result_count = False
    fields = ["number", "status"]
    readonly_fields = fields

    def get_queryset(self, request):
        unpaid = Q(collections__status=CollectionStatus.UNPAID)
        return (
            super()
            .get_queryset(request)
            .filter(unpaid)
            .annotate(
                owed_pence=Sum("collections__amount_pence", filter=unpaid),
                oldest_due=Min("collections__due_on", filter=unpaid),
                unpaid_count=Count("collections", filter=unpaid),
                last_returned_at=Max("collections__unpaid_at", filter=unpaid),
            )
            .select_related("user")
            .order_by("-owed_pence", "number")
        )

    @admin.display(description="member")
    def name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description="total owed", ordering="owed_pence")
    def owed(self, obj):
        return pounds(obj.owed_pence)

    @admin.display(description="oldest unpaid", ordering="oldest_due")
    def oldest(self, obj):
        return obj.oldest_due

    @admin.display(description="months unpaid", ordering="unpaid_count")
    def months(self, obj):
        return obj.unpaid_count

    @admin.display(description="last returned", ordering="last_returned_at")
    def last_returned(self, obj):
        return obj.last_returned_at


@admin.register(BacsFile)
class BacsFileAdmin(ReadOnlyAdmin):
    """The files written for the bureau. Their content (bank details) is never shown: an
    officer with the permission downloads it, and the download is recorded."""

    list_display = [
        "__str__",
        "kind",
        "serial",
        "processing_date",
        "created_at",
        "record_count",
        "total",
        "download",
    ]
    list_filter = ["kind"]
    show_full_result_count = False
    fields = [
        "kind",
        "serial",
        "processing_date",
        "created_at",
        "created_by",
        "sha256",
        "record_count",
        "total",
        "download",
        "downloaded",
    ]
    readonly_fields = fields
    change_list_template = "admin/subscriptions/bacsfile/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description="total")
    def total(self, obj):
        return pounds(obj.total_pence)

    @admin.display(description="download")
    def download(self, obj):
        # Inside the changelist's (or change page's) own form, so its CSRF token goes along.
        return format_html(
            '<button type="submit" class="button" formmethod="post" formaction="{}"'
            " formnovalidate>Download {}</button>",
            reverse("admin:subscriptions_bacsfile_download", args=[obj.pk]),
            f"{obj.serial:06d}",
        )

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if request.user.has_perm("subscriptions.download_bacsfile"):
            return shown
        return [f for f in shown if f != "download"]

    def get_fields(self, request, obj=None):
        shown = super().get_fields(request, obj)
        if request.user.has_perm("subscriptions.download_bacsfile"):
            return shown
        return [f for f in shown if f != "download"]

    @admin.display(description="downloaded by")
    def downloaded(self, obj):
        rows = obj.downloads.select_related("user")[:20]
        return (
            format_html_join(", ", "{} ({})", ((d.user, f"{d.at:%-d %b %Y %H:%M}") for d in rows))
            or "–"
        )

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/download/",
                self.admin_site.admin_view(require_POST(self.download_view)),
                name="subscriptions_bacsfile_download",
            ),
            path(
                "write/",
                self.admin_site.admin_view(require_POST(self.write_view)),
                name="subscriptions_bacsfile_write",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        extra["can_write"] = request.user.has_perm("subscriptions.write_bacsfile")
        return super().changelist_view(request, extra)

    def download_view(self, request, object_id):
        if not request.user.has_perm("subscriptions.download_bacsfile"):
            raise PermissionDenied
        bacs_file = get_object_or_404(self.get_queryset(request), pk=object_id)
        BacsFileDownload.objects.create(bacs_file=bacs_file, user=request.user)
        response = HttpResponse(bacs_file.content, content_type="text/plain; charset=us-ascii")
        name = f"{bacs_file.kind}-{bacs_file.serial:06d}-{bacs_file.processing_date:%Y%m%d}.txt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    def write_view(self, request):
        if not request.user.has_perm("subscriptions.write_bacsfile"):
            raise PermissionDenied
        written = bureau.files_write(actor=request.user)
        if written:
            self.message_user(
                request,
                "Written: " + "; ".join(f"{f} ({f.record_count} records)" for f in written) + ".",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, "Nothing to write: no instructions to lodge, no collections due."
            )
        return HttpResponseRedirect(reverse("admin:subscriptions_bacsfile_changelist"))


class ReportUploadForm(forms.Form):
    file = forms.FileField(
        label="Report file (Bacs XML: AUDDIS return, ARUDD or ADDACS)",
        help_text=f"Up to {bureau.REPORT_MAX_BYTES // (1024 * 1024)} MB. The kind is read "
        "from the file. The same file imported again changes nothing.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > bureau.REPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {bureau.REPORT_MAX_BYTES // (1024 * 1024)} MB."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


@admin.register(BacsReport)
class BacsReportAdmin(PortalModelAdmin):
    """Reports from the bureau: uploaded here (the add page), then read-only with what the
    import did and the exceptions it left."""

    list_display = [
        "__str__",
        "kind",
        "report_date",
        "filename",
        "uploaded_at",
        "uploaded_by",
        "item_count",
        "result",
        "open_exceptions",
    ]
    list_filter = ["kind"]
    list_select_related = ["uploaded_by"]
    show_full_result_count = False
    fields = [
        "kind",
        "report_date",
        "filename",
        "uploaded_at",
        "uploaded_by",
        "item_count",
        "result",
        "exception_list",
        "sha256",
    ]
    readonly_fields = fields

    @admin.display(description="exceptions")
    def exception_list(self, obj):
        """What the import could not settle, as a list (it reads on a phone)."""
        rows = obj.exceptions.select_related("resolved_by").order_by("pk")[:200]
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a>{}: {} — {}</li>',
            (
                (
                    reverse("admin:subscriptions_bacsexception_change", args=[e.pk]),
                    e.reference,
                    f" (code {e.code})" if e.code else "",
                    e.message,
                    "resolved" if e.resolved_at else "not yet resolved",
                )
                for e in rows
            ),
        )
        return format_html("<ul>{}</ul>", items) if items else "None."

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("content")
            .annotate(open_count=Count("exceptions", filter=Q(exceptions__resolved_at=None)))
        )

    @admin.display(description="result")
    def result(self, obj):
        applied = obj.applied or {}
        if not applied:
            return "nothing changed"
        return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(applied.items()))

    @admin.display(description="open exceptions", ordering="open_count")
    def open_exceptions(self, obj):
        return getattr(obj, "open_count", 0)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            form = ReportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    outcome = bureau.report_import(
                        actor=request.user, data=upload.read(), filename=upload.name
                    )
                except bureau.BureauError as error:
                    form.add_error("file", error.message)
                else:
                    report = outcome.report
                    if outcome.created:
                        self.message_user(
                            request,
                            f"Imported {report}: {self.result(report)}.",
                            messages.SUCCESS,
                        )
                    else:
                        self.message_user(
                            request,
                            f"{outcome.already_imported_message} Nothing was changed.",
                            messages.WARNING,
                        )
                    return HttpResponseRedirect(
                        reverse("admin:subscriptions_bacsreport_change", args=[report.pk])
                    )
            status = 400
        else:
            form = ReportUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a report from the bureau",
            "form": form,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(
            request, "admin/subscriptions/bacsreport/upload.html", context, status=status
        )


class ResolvedFilter(admin.SimpleListFilter):
    title = "resolved"
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", "Not yet resolved"), ("yes", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(resolved_at=None)
        if self.value() == "yes":
            return queryset.exclude(resolved_at=None)
        return queryset


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="How was it resolved?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. the member set up a new Direct Debit; the bureau corrected the "
        "reference. Never bank details.",
    )


@admin.register(BacsException)
class BacsExceptionAdmin(PortalModelAdmin):
    """Report items the portal could not settle on its own, for the officer to resolve."""

    list_display = ["pk", "reference", "code", "message", "report", "resolved_at", "resolved_by"]
    list_filter = [ResolvedFilter, "code"]
    search_fields = ["=reference"]
    list_select_related = ["report", "resolved_by"]
    show_full_result_count = False
    actions = ["resolve"]
    fields = [
        "report",
        "reference",
        "code",
        "message",
        "mandate",
        "collection",
        "resolved_at",
        "resolved_by",
        "resolution",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Only through the "resolve" action; the change page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(
        description="Resolve the selected exceptions (with a note)", permissions=["change"]
    )
    def resolve(self, request, queryset):
        form = ResolveForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for exception in queryset.filter(resolved_at=None):
                bureau.exception_resolve(
                    actor=request.user, exception=exception, note=form.cleaned_data["note"]
                )
                done += 1
            self.message_user(request, f"{done} exception(s) resolved.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Resolve exceptions",
            "form": form,
            "exceptions": queryset,
            "opts": self.model._meta,
            "action": "resolve",
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(
            request,
            "admin/subscriptions/bacsexception/resolve.html",
            context,
            status=400 if form.errors else 200,
        )


from . import checkoff_admin  # noqa: E402, F401  (check-off schedules: the membership officer's)
