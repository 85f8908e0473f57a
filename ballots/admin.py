"""Ballots in the admin: officers write them, someone else approves them (an admin action
that calls `services.ballot_approve`), the beat task opens them. Results appear on the
change page only after the close. The statutory register export is its own page, behind
`ballots.export_register`, and every export is recorded."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.choices import Nation, Section
from portal.accounts.models import Employer, Workplace
from portal.admin import PortalModelAdmin, ReadOnlyAdmin
from portal.forms import PortalFormRenderer
from portal.pdf import html_to_pdf

from . import access, selectors, services
from .forms import DATETIME_FORMAT, DateTimeInput
from .models import Audience, Ballot, BallotStatus, Phase, RegisterExport


class BallotForm(forms.ModelForm):
    options_text = forms.CharField(
        label=gettext_lazy("Options"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line, at least two (for example Yes and No)."),
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Opens at"), widget=DateTimeInput(), input_formats=[DATETIME_FORMAT]
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes at"), widget=DateTimeInput(), input_formats=[DATETIME_FORMAT]
    )

    class Meta:
        model = Ballot
        fields = [
            "kind",
            "question",
            "options_text",
            "audience",
            "audience_workplace",
            "audience_employer",
            "audience_section",
            "audience_nation",
            "opens_at",
            "closes_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options_text"].initial = "\n".join(
                self.instance.options.values_list("label", flat=True)
            )

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.status == BallotStatus.OPEN:
            raise forms.ValidationError(services.OPENED_FROZEN)
        options = services.clean_options(data.get("options_text") or "")
        data["options"] = options
        draft = Ballot(
            **{f: data.get(f) for f in self.Meta.fields if f != "options_text" and f in data}
        )
        problems = services.ballot_problems(ballot=draft, options=options)
        for field, message in problems.items():
            target = field if field in self.fields else None
            if field == "options":
                target = "options_text"
            if target is None or target not in self.errors:
                self.add_error(target, message)
        return data


@admin.register(Ballot)
class BallotAdmin(PortalModelAdmin):
    form = BallotForm
    list_display = ["question", "kind", "audience", "opens_at", "closes_at", "status"]
    list_filter = ["status", "kind", "audience"]
    search_fields = ["question"]
    raw_id_fields = ["audience_workplace", "audience_employer"]
    actions = ["approve_selected"]
    show_full_result_count = False
    readonly_fields = [
        "status",
        "created_by",
        "updated_by",
        "approved_by",
        "approved_at",
        "opened_at",
        "electorate",
        "results",
    ]

    def get_fieldsets(self, request, obj=None):
        main = (
            BallotForm.Meta.fields
            if obj is None or self._editable(obj)
            else [
                "kind",
                "question",
                "audience",
                "audience_workplace",
                "audience_employer",
                "audience_section",
                "audience_nation",
                "opens_at",
                "closes_at",
            ]
        )
        sets = [(None, {"fields": main})]
        if obj is not None:
            sets.append((_("Approval and opening"), {"fields": self.readonly_fields}))
        return sets

    def get_queryset(self, request):
        return access.ballots_for_officer(request.user).select_related(
            "created_by", "updated_by", "approved_by"
        )

    @staticmethod
    def _editable(obj) -> bool:
        return obj.status != BallotStatus.OPEN

    def has_add_permission(self, request):
        return request.user.has_perm("ballots.add_ballot")

    def has_change_permission(self, request, obj=None):
        if not request.user.has_perm("ballots.change_ballot"):
            return False
        return obj is None or self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        if not request.user.has_perm("ballots.delete_ballot"):
            return False
        return obj is None or self._editable(obj)

    def has_approve_permission(self, request):
        return request.user.has_perm("ballots.approve_ballot")

    def save_model(self, request, obj, form, change):
        services.ballot_save(ballot=obj, by=request.user, options=form.cleaned_data["options"])

    def save_related(self, request, form, formsets, change):
        pass  # the options are written by services.ballot_save

    @admin.display(description=gettext_lazy("Results"))
    def results(self, obj):
        if obj.phase() != Phase.CLOSED:
            return _("Results appear after the ballot closes.")
        results = selectors.ballot_results(obj)
        return format_html(
            "{}<br>{} · <a href='{}'>{}</a> · <a href='{}'>{}</a> · <a href='{}'>{}</a>",
            _("Turnout %(t)s of %(e)s") % {"t": results.turnout, "e": results.electorate},
            "; ".join(f"{c.label}: {c.votes}" for c in results.options),
            reverse("ballots:detail", args=[obj.pk]),
            _("Results page"),
            reverse("ballots:results_pdf", args=[obj.pk]),
            "PDF",
            reverse("ballots:results_csv", args=[obj.pk]),
            "CSV",
        )

    @admin.action(description=gettext_lazy("Approve the selected ballots"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        for ballot in queryset:
            try:
                services.ballot_approve(ballot=ballot, by=request.user)
            except services.BallotError as error:
                self.message_user(request, f"{ballot}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("Approved: %(b)s") % {"b": ballot}, messages.SUCCESS)


class RegisterForm(forms.Form):
    default_renderer = PortalFormRenderer

    audience = forms.ChoiceField(label=gettext_lazy("Who is balloted"), choices=Audience.choices)
    workplace = forms.ModelChoiceField(
        label=gettext_lazy("Workplace"), queryset=Workplace.objects.all(), required=False
    )
    employer = forms.ModelChoiceField(
        label=gettext_lazy("Employer"), queryset=Employer.objects.all(), required=False
    )
    section = forms.ChoiceField(
        label=gettext_lazy("Section"), choices=[("", "—"), *Section.choices], required=False
    )
    nation = forms.ChoiceField(
        label=gettext_lazy("Nation"), choices=[("", "—"), *Nation.choices], required=False
    )
    purpose = forms.CharField(
        label=gettext_lazy("Purpose"),
        max_length=200,
        help_text=gettext_lazy("The ballot and the scrutineer it is for."),
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("csv", "CSV"), ("pdf", "PDF")]
    )

    NEEDS = {
        Audience.WORKPLACE: "workplace",
        Audience.EMPLOYER: "employer",
        Audience.SECTION: "section",
        Audience.NATION: "nation",
    }

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        for kind, field in self.NEEDS.items():
            if audience == kind and not data.get(field):
                self.add_error(field, _("Choose who this register is for."))
            elif audience and audience != kind and data.get(field):
                self.add_error(field, _("Leave this empty for the audience chosen."))
        if "\x00" in (data.get("purpose") or ""):
            self.add_error("purpose", _("Write the purpose in plain text."))
        return data

    def label(self) -> str:
        data = self.cleaned_data
        value = data.get(self.NEEDS.get(data["audience"], ""), "")
        named = dict(Audience.choices)[data["audience"]]
        if isinstance(value, str) and value:
            value = dict(Section.choices).get(value) or dict(Nation.choices).get(value) or value
        return f"{named}: {value}" if value else str(named)


@admin.register(RegisterExport)
class RegisterExportAdmin(ReadOnlyAdmin):
    list_display = ["at", "by", "audience", "purpose", "file_format", "electors"]
    date_hierarchy = "at"
    show_full_result_count = False

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="ballots_registerexport_export",
            )
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_export": _may_export(request.user)}
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        if not _may_export(request.user):
            raise PermissionDenied
        form = RegisterForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                return _register_file(request, form)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export a statutory ballot register"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/ballots/register_export.html", context, status=status
        )


def _may_export(user) -> bool:
    return user.is_staff and user.has_perm("ballots.export_register")


def _register_file(request, form: RegisterForm) -> HttpResponse:
    data = form.cleaned_data
    members = selectors.register_members(
        audience=data["audience"],
        workplace=data.get("workplace"),
        employer=data.get("employer"),
        section=data.get("section") or "",
        nation=data.get("nation") or "",
    )
    label = form.label()
    register = selectors.statutory_register(members, label)
    services.register_export_record(
        by=request.user,
        audience=label[:300],
        purpose=data["purpose"],
        file_format=data["file_format"],
        electors=len(register.entries),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if data["file_format"] == "pdf":
        html = render_to_string(
            "ballots/register_pdf.html",
            {"register": register, "purpose": data["purpose"], "generated_at": timezone.now()},
        )
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="register-{stamp}.pdf"'
        return response
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["membership_number", "name", "address", "workplace"])
    for entry in register.entries:
        writer.writerow([entry.number, entry.name, ", ".join(entry.address), entry.workplace])
    writer.writerow([])
    writer.writerow(["workplace", "electors"])
    for name, count in register.per_workplace:
        writer.writerow([name, count])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-{stamp}.csv"'
    return response
