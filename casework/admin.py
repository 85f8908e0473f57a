"""Officers' triage queue and case screen. Every queryset goes through casework.access, so a
case an officer may not see does not exist for them anywhere in the admin."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Upper
from django.forms import Script
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.accounts.models import Membership, User
from portal.admin import PortalModelAdmin, ReadOnlyAdmin, one_related
from portal.pdf import html_to_pdf

from . import access, scanning, services
from .admin_reports import reports_view
from .files import check_files, limits_text
from .forms import MultipleFileField, MultipleFileInput
from .models import (
    QUEUE_ORDER,
    AccessAction,
    Case,
    CaseAccess,
    CaseAttachment,
    Outcome,
    SavedReply,
    Status,
)
from .selectors import officer_timeline, replies_waiting
from .templatetags.casework_admin import UNSCANNED_WARNING, is_administrator
from .views import attachment_response
from .workdays import working_days_until

STATUS_ORDER = list(QUEUE_ORDER)


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "To me"), ("none", "Unassigned"), ("others", "To someone else")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        if self.value() == "others":
            return queryset.exclude(assigned_to=request.user).exclude(assigned_to__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = "open or closed"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.exclude(status=Status.CLOSED)
        if self.value() == "closed":
            return queryset.filter(status=Status.CLOSED)
        return queryset


class HearingFilter(admin.SimpleListFilter):
    title = "hearing"
    parameter_name = "hearing"

    def lookups(self, request, model_admin):
        return [
            ("7", "Within a week"),
            ("28", "Within four weeks"),
            ("any", "Has a date"),
            ("none", "No date"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value in ("7", "28"):
            return queryset.filter(
                hearing_date__gte=today, hearing_date__lte=today + timedelta(days=int(value))
            )
        if value == "any":
            return queryset.filter(hearing_date__isnull=False)
        if value == "none":
            return queryset.filter(hearing_date__isnull=True)
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BANDS = {"week": (0, 7), "month": (7, 28), "quarter": (28, 91), "older": (91, None)}

    def lookups(self, request, model_admin):
        return [
            ("week", "Under a week"),
            ("month", "1 to 4 weeks"),
            ("quarter", "1 to 3 months"),
            ("older", "Over 3 months"),
        ]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if band is None:
            return queryset
        now = timezone.now()
        low, high = band
        queryset = queryset.filter(submitted_at__lte=now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(submitted_at__gt=now - timedelta(days=high))
        return queryset


class FlagFilter(admin.SimpleListFilter):
    title = "flags"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [
            ("urgent", "Urgent"),
            ("overdue", "Overdue"),
            ("eligibility", "Eligibility"),
            ("restricted", "Restricted"),
            ("complaint", "Complaint"),
            ("collective", "Colleagues affected"),
            ("replied", "Reply waiting"),
        ]

    def queryset(self, request, queryset):
        filters = {
            "urgent": {"urgent": True},
            "overdue": {"overdue": True},
            "restricted": {"restricted": True},
            "complaint": {"complaint_open": True},
            "collective": {"colleagues_affected": True},
        }
        if self.value() == "eligibility":
            return queryset.exclude(eligibility_concern="")
        if self.value() == "replied":
            return replies_waiting(queryset)
        if self.value() in filters:
            return queryset.filter(**filters[self.value()])
        return queryset


# A case reference as the portal writes them (services.next_reference).
REFERENCE_PATTERN = re.compile(r"CW-\d{4}-\d{6}")


class QueuePaginator(Paginator):
    """Counts no further than the officer can page: up to `ahead` pages past the one asked
    for (and at least `floor` rows). The queue's cost then follows the page asked for, not
    the number of cases; past the cap the page says "more than"."""

    floor = 1000
    ahead = 10

    def __init__(self, object_list, per_page, *, page=1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = max(self.floor, (page + self.ahead) * per_page)

    @cached_property
    def count(self):
        # Unordered: which rows are counted up to the cap does not matter, and without the
        # queue's order the planner may count a search's matches from its own index
        # rather than walk the queue's order past every case that does not match.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


# What the queue's rows show: the case's text (encrypted, and long) is never read for them.
QUEUE_COLUMNS = [
    "reference",
    "urgent",
    "overdue",
    "eligibility_concern",
    "restricted",
    "complaint_open",
    "colleagues_affected",
    "submitted_at",
    "category",
    "region",
    "nation",
    "section",
    "hearing_date",
    "assigned_to",
    "waiting_on",
    "status",
]


class QueueChangeList(ChangeList):
    """The page's cases in two steps: their ids first, in the queue's order (a walk of one
    index that holds what the access rule and the usual filters read, so that a deep page
    does not visit the table for every case it passes), then the rows of those ids only,
    with only the columns the rows show."""

    def get_results(self, request):
        super().get_results(request)
        rows = self.result_list
        if rows.query.is_sliced:
            ids = list(rows.values_list("pk", flat=True))
            # Through the access rule again (not the filters and search: the ids came
            # through them already).
            rows = self.apply_select_related(
                self.root_queryset.filter(pk__in=ids).order_by(*self.queryset.query.order_by)
            )
        self.result_list = rows.only(*QUEUE_COLUMNS)


def queue_rows(cl):
    """The queue's rows, cell for cell what Django's `items_for_result` writes for them (a
    test compares the two), without its per-cell lookups: a tenth of the queue's time."""
    model_admin, opts = cl.model_admin, cl.opts
    empty = model_admin.get_empty_value_display()
    cells = []
    for name in cl.list_display:
        if name == "action_checkbox":
            cells.append(("action", name, "action-checkbox", None))
            continue
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            cells.append(("method", getattr(model_admin, name), f"field-{name}", None))
            continue
        if field.is_relation:
            cells.append(("related", name, f"field-{name} nowrap", field))
        else:
            nowrap = " nowrap" if isinstance(field, (models.DateField, models.TimeField)) else ""
            cells.append(("field", field.attname, f"field-{name}{nowrap}", field))
    cells = [(kind, what, escape(classes), field) for kind, what, classes, field in cells]
    links = set(cl.list_display_links or ())
    # The link of every row is the same but for the case's id: reversed, and given the
    # queue's filters to come back to, once for the page.
    preserved = {"preserved_filters": cl.preserved_filters, "opts": opts}
    link = escape(
        add_preserved_filters(
            preserved,
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[_PK_PLACEHOLDER],
                current_app=model_admin.admin_site.name,
            ),
        )
    )
    rows = []
    for obj in cl.result_list:
        row = []
        for kind, what, classes, field in cells:
            if kind == "action":
                row.append(_cell("td", classes, model_admin.action_checkbox(obj)))
                continue
            if kind == "method":
                value = what(obj)
                text = display_for_value(
                    "" if isinstance(value, str) and not value.strip() else value, empty
                )
            elif kind == "related":
                value = getattr(obj, what)
                text = empty if value is None else value
            else:
                value = getattr(obj, what)
                if isinstance(value, str) and not value.strip():
                    value = ""
                text = display_for_field(value, field, empty, avoid_link=field.name in links)
            name = field.name if field is not None else what.__name__
            if name in links:
                url = link.replace(_PK_PLACEHOLDER, escape(quote(obj.pk)))
                row.append(_cell("th", classes, f'<a href="{url}">{conditional_escape(text)}</a>'))
            else:
                row.append(_cell("td", classes, conditional_escape(text)))
        rows.append(row)
    return rows


def _cell(tag: str, classes: str, inner: str) -> SafeString:
    """One cell of a queue row; `classes` and `inner` are escaped by the caller."""
    return SafeString(f'<{tag} class="{classes}">{inner}</{tag}>')  # nosec B703


# Stands for the case's id in the link reversed once per page (no id looks like it).
_PK_PLACEHOLDER = "pk-placeholder"


def _files_field(label: str, help_text: str) -> MultipleFileField:
    return MultipleFileField(
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.doc,.docx,.jpg,.jpeg,.png,.gif,.txt,text/plain"}
        ),
        label=label,
        help_text=help_text + " " + limits_text(),
    )


class CaseAdminForm(forms.ModelForm):
    """The officer's work on a case. The form only reads what was typed and checks the
    files; the rules are the service's (services.case_apply_work), which the admin calls
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

    class Meta:
        model = Case
        fields = ["priority"]

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
        if user.has_perm("casework.restrict_case"):
            self.fields["restrict_to"].queryset = officers
            self.fields["restrict_to"].initial = list(case.restricted_to.all())
        else:
            del self.fields["restrict_to"]

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
        saved = cleaned.get("saved_reply")
        if saved and not (cleaned.get("message") or "").strip():
            # Without JavaScript: fill the reply in and ask for it to be checked.
            data = self.data.copy()
            data["message"] = saved.body
            self.data = data
            self.add_error("message", "Check and edit the saved reply, then save again.")
        return cleaned


FILES_NOT_KEPT = "Nothing was saved, so these files were not kept: choose them again."

# The service's step names that differ from the form's field names.
WORK_STEP_FIELDS = {"status": "new_status"}


def _arrears_rows(membership) -> list[tuple[str, str]]:
    """The "In arrears: £x since <date>" row beside the status (one query). Information
    only: help is never refused for arrears."""
    from subscriptions.arrears import arrears_for

    arrears = arrears_for(membership)
    if not arrears:
        return []
    return [("In arrears", f"{arrears.total} since {arrears.oldest_due_on:%d %B %Y}")]


@admin.register(Case)
class CaseAdmin(PortalModelAdmin):
    form = CaseAdminForm
    change_list_template = "admin/casework/case/change_list.html"
    list_display = [
        "reference",
        "flags",
        "age",
        "category",
        "region",
        "section",
        "hearing",
        "assigned_to",
        "waiting_on",
        "status",
    ]
    list_filter = [
        OpenFilter,
        "status",
        AssignedFilter,
        FlagFilter,
        HearingFilter,
        AgeFilter,
        "category",
        "nation",
        "region",
        "section",
        "waiting_on",
        "priority",
    ]
    search_fields = [
        "=reference",
        "member__first_name",
        "member__last_name",
        "=member__membership__number",
    ]
    list_select_related = ["region", "assigned_to"]
    show_full_result_count = False
    list_per_page = 50
    view_on_site = False
    actions = ["take_cases", "mark_in_progress", "mark_waiting_member", "assign_cases"]
    readonly_fields = [
        "reference",
        "status",
        "waiting_on",
        "urgency",
        "member_details",
        "request_details",
        "timeline",
        "files_list",
        "access_links",
        "complaints_panel",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "waiting_on", "urgency", "priority"]}),
        ("Member", {"fields": ["member_details"]}),
        ("Request", {"fields": ["request_details", "files_list"]}),
        ("Timeline", {"fields": ["timeline"]}),
        (
            "Assignment and status",
            {"fields": ["assign_to", "new_status", "outcome", "outcome_note", "legal_reason"]},
        ),
        (
            "Reply to the member",
            {
                "classes": ["case-composer", "case-reply"],
                "description": "The member sees this reply and the files attached to it.",
                "fields": ["saved_reply", "message", "message_files", "await_reply"],
            },
        ),
        (
            "Internal note — only officers see this",
            {
                "classes": ["case-composer", "case-note"],
                "description": "Never shown or sent to the member, nor its files.",
                "fields": ["note", "note_files"],
            },
        ),
        ("Access", {"fields": ["restrict_to"]}),
        ("Records", {"fields": ["access_links"]}),
        # Managers only (see get_fieldsets): complaints about the case's handling.
        ("Complaints", {"fields": ["complaints_panel"]}),
    ]

    class Media:
        # Deferred: the script looks for the form, which comes after the page's head.
        js = [Script("casework/admin.js", defer=True)]
        css = {"all": ["casework/admin.css"]}

    # --- What an officer may see -------------------------------------------------------

    def get_queryset(self, request):
        return access.cases_visible_to(request.user)

    def get_ordering(self, request):
        return ["-urgent", "status_rank", "submitted_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return access.is_case_officer(request.user) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return access.is_case_officer(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(access.NOT_FOUND)

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        page = request.GET.get("p", "1")
        return QueuePaginator(
            queryset,
            per_page,
            page=int(page) if page.isdigit() else 1,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
        )

    def get_search_results(self, request, queryset, search_term):
        """Reference, membership number, or words of the member's name: each served by an
        index (the name words by the trigram index on the case's copy of the member's name,
        which the database keeps, so that the words, the filters and the queue's order are
        served by the case table's indexes together)."""
        term = search_term.strip()[:100]
        if not term:
            return queryset, False
        if term.upper().startswith("CW-"):
            return queryset.filter(reference=term.upper()), False
        if term.replace(" ", "").isdigit():
            return queryset.filter(member__membership__number=term.replace(" ", "")), False
        for word in term.split()[:4]:
            queryset = queryset.filter(member_search__contains=Upper(Value(word)))
        return queryset, False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not access.complaints_may_be_seen_by(request.user):
            fieldsets = [f for f in fieldsets if f[1]["fields"] != ["complaints_panel"]]
        if request.user.has_perm("casework.restrict_case"):
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "restrict_to"]})
            for name, opts in fieldsets
            if opts["fields"] != ["restrict_to"]
        ]

    def get_object(self, request, object_id, from_field=None):
        case = super().get_object(request, object_id, from_field)
        if case is not None:
            case.viewer = request.user  # what the read-only parts may show depends on it
        return case

    # --- Columns ------------------------------------------------------------------------

    def action_checkbox(self, obj):
        """Django's checkbox, written directly rather than through the form renderer (the
        same HTML; the renderer was a third of the queue's time for 50 rows)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    @admin.display(description="")
    def flags(self, obj):
        parts = []
        if obj.urgent:
            parts.append(("flag flag-urgent", "Urgent"))
        if obj.overdue:
            parts.append(("flag flag-overdue", "Overdue"))
        if obj.eligibility_concern:
            parts.append(("flag", "Eligibility"))
        if obj.restricted:
            parts.append(("flag", "Restricted"))
        if obj.complaint_open:
            parts.append(("flag", "Complaint"))
        if obj.colleagues_affected:
            parts.append(("flag", "Collective"))
        return format_html_join(" ", '<span class="{}">{}</span>', parts)

    @admin.display(description="age", ordering="submitted_at")
    def age(self, obj):
        if not obj.submitted_at:
            return "—"
        days = (timezone.now() - obj.submitted_at).days
        return f"{days} day{'s' if days != 1 else ''}"

    @admin.display(description="hearing", ordering="hearing_date")
    def hearing(self, obj):
        if not obj.hearing_date:
            return "—"
        today = timezone.localdate()
        if obj.hearing_date < today:
            return f"{obj.hearing_date:%d %b} (past)"
        days = working_days_until(today, obj.hearing_date, obj.nation)
        return f"{obj.hearing_date:%d %b} (in {days} working day{'s' if days != 1 else ''})"

    # --- Read-only parts of the case screen ---------------------------------------------

    @admin.display(description="urgency")
    def urgency(self, obj):
        notes = []
        if obj.urgent:
            notes.append("Urgent: the meeting or hearing is within the urgent period.")
        if obj.overdue:
            notes.append("Overdue: not touched within the agreed time.")
        if obj.eligibility_concern:
            notes.append("Eligibility: " + obj.eligibility_concern)
        if obj.restricted:
            notes.append(
                "Restricted: this case is about another person"
                + (f" ({obj.other_party_name})" if obj.other_party_name else "")
                + "."
            )
        if obj.complaint_open:
            notes.append("The member has complained about how the case is handled.")
        if not notes:
            return "—"
        return format_html_join("", "<p>{}</p>", ((n,) for n in notes))

    @admin.display(description="membership")
    def member_details(self, obj):
        membership = (
            Membership.objects.filter(user_id=obj.member_id)
            .select_related("user", "employer", "region")
            .first()
        )
        if membership is None:
            return "No membership record."
        rows = [
            ("Name", membership.user.get_full_name()),
            ("Email", membership.user.email),
            ("Membership number", membership.number),
            ("Status", membership.get_status_display()),
            *_arrears_rows(membership),
            ("Section", membership.get_section_display()),
            ("Job role", membership.get_job_role_display()),
            ("Employer", membership.employer.label),
            ("Region", membership.region.name),
            ("Member since", f"{membership.joined_on:%d %B %Y}"),
        ]
        return format_html(
            '<dl class="case-summary">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        )

    @admin.display(description="what the member told us")
    def request_details(self, obj):
        rows = [
            ("Category", obj.get_category_display()),
            ("Employer", obj.employer.label if obj.employer else "—"),
            ("What happened", obj.what_happened),
            ("Outcome wanted", obj.desired_outcome),
            (
                "Problem started",
                f"{obj.problem_started_on:%d %B %Y}" if obj.problem_started_on else "—",
            ),
            ("Meeting or hearing", f"{obj.hearing_date:%d %B %Y}" if obj.hearing_date else "—"),
            ("Colleagues affected", "Yes" if obj.colleagues_affected else "No"),
            ("About another person", obj.other_party_name or "—"),
            ("Outcome", obj.get_outcome_display() if obj.outcome else "—"),
            ("Legal escalation", obj.legal_reason or "—"),
        ]
        return format_html(
            '<dl class="case-summary">{}</dl>',
            format_html_join("", '<dt>{}</dt><dd class="prewrap">{}</dd>', rows),
        )

    @admin.display(description="timeline")
    def timeline(self, obj):
        events = officer_timeline(obj.viewer, obj)
        if not events:
            return "—"
        rows = [
            {
                "when": timezone.localtime(event.created_at),
                "who": event.author.get_full_name() if event.author else "System",
                "what": event.get_kind_display()
                + (f": {event.get_new_status_display()}" if event.new_status else ""),
                "internal": not event.visible_to_member,
                "body": event.body,
                "files": ", ".join(a.name for a in event.attachments.all()),
            }
            for event in events
        ]
        return render_to_string("admin/casework/case/timeline.html", {"rows": rows})

    @admin.display(description="files")
    def files_list(self, obj):
        files = list(obj.attachments.all())
        if not files:
            return "—"
        rows = [
            (
                reverse("admin:casework_case_file", args=[obj.pk, a.pk]),
                a.name,
                a.size // 1024 or 1,
                "" if a.shared_with_member else " (internal)",
            )
            for a in files
        ]
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li><a href="{}">{}</a> ({} KB){}</li>', rows),
        )

    @admin.display(description="records")
    def access_links(self, obj):
        links = [(reverse("admin:casework_case_bundle", args=[obj.pk]), "Case bundle (PDF)")]
        if obj.viewer.has_perm("casework.view_case_access_log"):
            links.append(
                (
                    reverse("admin:casework_caseaccess_changelist") + f"?case__id__exact={obj.pk}",
                    "Who viewed and changed this case",
                )
            )
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description="complaints")
    def complaints_panel(self, obj):
        rows = [
            (
                reverse("admin:casework_complaint_change", args=[c.pk]),
                f"{timezone.localtime(c.raised_at):%d %b %Y}",
                c.stage().capitalize() + (f": {c.get_outcome_display()}" if c.outcome else ""),
            )
            for c in access.complaints_visible_to(obj.viewer).filter(case=obj)
        ]
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a>: {}</li>', rows)
        )

    # --- Views --------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        # A whole reference typed in the search box opens that case, if the officer may see
        # it (the queue's own queryset, so the same access rule); otherwise the list says
        # nothing matches, as for any search.
        term = request.GET.get("q", "").strip().upper()
        if set(request.GET) == {"q"} and REFERENCE_PATTERN.fullmatch(term):
            pk = self.get_queryset(request).filter(reference=term).values_list("pk", flat=True)
            if pk := pk.first():
                return HttpResponseRedirect(reverse("admin:casework_case_change", args=[pk]))
        extra_context = {
            **(extra_context or {}),
            "my_cases_url": reverse("admin:casework_case_changelist") + "?assigned=me&open=open",
            "unassigned_url": reverse("admin:casework_case_changelist")
            + "?assigned=none&open=open",
            "summary_url": reverse("admin:casework_reports")
            if request.user.has_perm("casework.view_casework_reports")
            else None,
        }
        if is_administrator(request.user) and not scanning.is_configured():
            messages.warning(request, UNSCANNED_WARNING)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = access.get_case_for_officer(request.user, object_id)
        if request.method == "GET":
            services.case_log_access(
                case=case, user=request.user, action=AccessAction.VIEW, request=request
            )
        extra_context = {**(extra_context or {}), "saved_replies": self._saved_replies()}
        return super().change_view(request, str(case.pk), form_url, extra_context)

    def _saved_replies(self):
        return {str(r.pk): r.body for r in SavedReply.objects.all()}

    def history_view(self, request, object_id, extra_context=None):
        access.get_case_for_officer(request.user, object_id)
        return super().history_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        """One service for the whole form: all of it is saved, or none of it and the
        refusal is shown next to its field (see response_change)."""
        c = form.cleaned_data
        try:
            services.case_apply_work(
                case=obj,
                officer=request.user,
                priority=c.get("priority") if "priority" in form.changed_data else None,
                assign_to=c.get("assign_to"),
                status=c.get("new_status") or "",
                outcome=c.get("outcome") or "",
                outcome_note=c.get("outcome_note") or "",
                legal_reason=c.get("legal_reason") or "",
                message=c.get("message") or "",
                message_files=c.get("message_files") or [],
                await_reply=c.get("await_reply", False),
                note=c.get("note") or "",
                note_files=c.get("note_files") or [],
                restrict_to=list(c.get("restrict_to") or [])
                if "restrict_to" in form.fields
                else None,
                request=request,
            )
        except ValidationError as error:
            for step, words in error.message_dict.items():
                field = WORK_STEP_FIELDS.get(step, step)
                for words_ in words:
                    form.add_error(field if field in form.fields else None, words_)
            for name in ("message_files", "note_files"):
                if c.get(name) and name not in form.errors:
                    form.add_error(name, FILES_NOT_KEPT)
            request.case_work_refused = form
            return
        obj.refresh_from_db()

    def log_change(self, request, obj, message):
        if getattr(request, "case_work_refused", None) is None:
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        form = getattr(request, "case_work_refused", None)
        if form is None:
            return super().response_change(request, obj)
        return self._render_refused(request, obj, form)

    def _render_refused(self, request, obj, form):
        """The change page again, with the officer's input and the refusal next to its
        field: what Django's change view shows for a form that did not validate. The
        read-only parts show the case as saved, not the refused input."""
        obj = self.get_object(request, str(obj.pk))
        form.instance = obj
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = admin.helpers.AdminForm(
            form, list(fieldsets), {}, self.get_readonly_fields(request, obj), model_admin=self
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change {self.opts.verbose_name}",
            "subtitle": str(obj),
            "adminform": admin_form,
            "object_id": str(obj.pk),
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": admin.helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "saved_replies": self._saved_replies(),
        }
        return self.render_change_form(request, context, change=True, obj=obj)

    def save_related(self, request, form, formsets, change):
        """Nothing is saved from the form directly: save_model went through the services."""

    def construct_change_message(self, request, form, formsets, add=False):
        changed = [f for f in form.changed_data if f not in ("message_files", "note_files")]
        return [{"changed": {"fields": changed}}] if changed else []

    def get_urls(self):
        urls = super().get_urls()
        mine = [
            path(
                "<path:object_id>/files/<int:attachment_id>/",
                self.admin_site.admin_view(self.file_view),
                name="casework_case_file",
            ),
            path(
                "<path:object_id>/bundle/",
                self.admin_site.admin_view(self.bundle_view),
                name="casework_case_bundle",
            ),
            path(
                "summary/",
                self.admin_site.admin_view(self.summary_view),
                name="casework_case_summary",
            ),
        ]
        return mine + urls

    def file_view(self, request, object_id, attachment_id):
        case = access.get_case_for_officer(request.user, object_id)
        attachment = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
        if attachment is None:
            raise Http404(access.NOT_FOUND)
        services.case_log_access(
            case=case,
            user=request.user,
            action=AccessAction.DOWNLOAD,
            request=request,
            detail=f"file {attachment.pk}",
        )
        return attachment_response(attachment)

    def bundle_view(self, request, object_id):
        case = access.get_case_for_officer(request.user, object_id)
        membership = (
            Membership.objects.filter(user_id=case.member_id)
            .select_related("user", "employer", "region")
            .first()
        )
        html = render_to_string(
            "casework/bundle.html",
            {
                "case": case,
                "membership": membership,
                "events": officer_timeline(request.user, case),
                "attachments": list(case.attachments.all()),
                "generated_by": request.user,
                "generated_at": timezone.now(),
            },
        )
        pdf = html_to_pdf(html)
        services.case_log_access(
            case=case, user=request.user, action=AccessAction.BUNDLE, request=request
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{case.reference}-bundle.pdf"'
        return response

    def summary_view(self, request):
        """The old summary's address: the reports page has its figures now."""
        return HttpResponseRedirect(reverse("admin:casework_reports"))

    def get_site_urls(self):
        """Served at /admin/casework/reports/ (see portal.admin.PortalAdminSite.get_urls)."""
        return [
            path(
                "casework/reports/",
                self.admin_site.admin_view(self.reports_view),
                name="casework_reports",
            )
        ]

    def reports_view(self, request):
        return reports_view(request, self.admin_site)

    # --- Bulk actions -------------------------------------------------------------------

    def _bulk(self, request, queryset, fn, done):
        ok, problems = 0, []
        for case in queryset:
            try:
                fn(case)
                ok += 1
            except (ValidationError, PermissionDenied) as error:
                problems.append(
                    f"{case.reference}: {' '.join(getattr(error, 'messages', [str(error)]))}"
                )
        if ok:
            self.message_user(request, f"{ok} case(s) {done}.", messages.SUCCESS)
        for problem in problems[:20]:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description="Take the selected unassigned cases")
    def take_cases(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda c: services.case_assign(case=c, officer=request.user, by=request.user),
            "taken",
        )

    @admin.action(description="Mark the selected cases in progress")
    def mark_in_progress(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda c: services.case_change_status(
                case=c, new_status=Status.IN_PROGRESS, by=request.user
            ),
            "marked in progress",
        )

    @admin.action(description="Mark the selected cases waiting on the member")
    def mark_waiting_member(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda c: services.case_change_status(
                case=c, new_status=Status.WAITING_MEMBER, by=request.user
            ),
            "marked waiting on the member",
        )

    @admin.action(description="Assign the selected cases to an officer…")
    def assign_cases(self, request, queryset):
        if not request.user.has_perm("casework.assign_case"):
            self.message_user(request, services.CANNOT_ASSIGN, messages.ERROR)
            return None
        officers = services.casework_officers()
        if "officer" in request.POST:
            officer = officers.filter(pk=request.POST.get("officer")).first()
            if officer is None:
                self.message_user(request, "Choose an officer.", messages.ERROR)
            else:
                self._bulk(
                    request,
                    queryset,
                    lambda c: services.case_assign(case=c, officer=officer, by=request.user),
                    f"assigned to {officer.get_full_name()}",
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign cases",
            "cases": queryset,
            "officers": officers,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/casework/case/assign.html", context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("casework.assign_case"):
            actions.pop("assign_cases", None)
        if not request.user.has_perm("casework.take_case"):
            actions.pop("take_cases", None)
        return actions


@admin.register(CaseAccess)
class CaseAccessAdmin(ReadOnlyAdmin):
    """The access record: read-only, for managers; nobody can change or delete it here."""

    list_display = ["at", "case", "user", "action", "detail", "ip"]
    fields = ["at", "case", "user", "action", "detail", "ip"]
    readonly_fields = fields
    list_filter = ["action", one_related("case", "case")]
    search_fields = ["=case__reference"]
    list_select_related = ["case", "user"]
    show_full_result_count = False

    def get_queryset(self, request):
        visible = access.cases_visible_to(request.user)
        return super().get_queryset(request).filter(case__in=visible)

    def has_module_permission(self, request):
        return request.user.has_perm("casework.view_case_access_log")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("casework.view_case_access_log")

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(access.NOT_FOUND)


@admin.register(SavedReply)
class SavedReplyAdmin(PortalModelAdmin):
    list_display = ["title", "category"]
    list_filter = ["category"]
    search_fields = ["title", "body"]


# Complaints about case handling: their own admin, in their own module.
from . import admin_complaints  # noqa: E402, F401
