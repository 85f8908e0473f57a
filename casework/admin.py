"""Officers' triage queue and case screen. Every queryset goes through casework.access, so a
case an officer may not see does not exist for them anywhere in the admin."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Value
from django.db.models.functions import Upper
from django.forms import Script
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from portal.accounts.models import Membership, User
from portal.accounts.roles import is_administrator
from portal.admin import CappedPaginationMixin, PortalModelAdmin, ReadOnlyAdmin, one_related

from . import access, admin_views, deadlines, scanning, services
from .admin_reports import reports_view
from .bundle import case_bundle_pdf
from .collective_admin import collective_panel, collective_view
from .files import attachment_response
from .forms import (
    LetterTemplateForm,
)
from .intake import intake_view
from .models import (
    AccessAction,
    Case,
    CaseAccess,
    CaseAttachment,
    FollowUp,
    LetterTemplate,
    SavedReply,
    Status,
)
from .queue import (
    REFERENCE_PATTERN,
    SELECT_FOR_ACTION,
    TRIBUNAL_FLAG_DAYS,
    AgeFilter,
    AssignedFilter,
    FlagFilter,
    HearingFilter,
    OpenFilter,
    QueueChangeList,
    QueuePaginator,
    TribunalLimitFilter,
)
from .queue_views import clean_query, queue_views_for
from .selectors import (
    officer_timeline,
    open_follow_ups,
)
from .templatetags.casework_admin import UNSCANNED_WARNING
from .work_form import (
    DEADLINE_FIELDS,
    FILES_NOT_KEPT,
    WORK_STEP_FIELDS,
    CaseAdminForm,
)
from .workdays import working_days_until


def _panel(name: str, **context) -> str:
    """One read-only part of the case screen, from its template."""
    return render_to_string(f"admin/casework/case/panels/{name}", context)


def _arrears_rows(membership) -> list[tuple[str, str]]:
    """The "In arrears: £x since <date>" row beside the status (one query). Information
    only: help is never refused for arrears."""
    from subscriptions.arrears import arrears_for

    arrears = arrears_for(membership)
    if not arrears:
        return []
    return [("In arrears", f"{arrears.total} since {arrears.oldest_due_on:%d %B %Y}")]


@admin.register(Case)
class CaseAdmin(CappedPaginationMixin, PortalModelAdmin):
    form = CaseAdminForm
    change_list_template = "admin/casework/case/change_list.html"
    capped_paginator = QueuePaginator
    list_display = [
        "reference",
        "flags",
        "age",
        "category",
        "region",
        "hearing",
        "deadlines",
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
        TribunalLimitFilter,
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
        "letters_panel",
        "deadlines_panel",
        "collective_and_links",
        "complaints_panel",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "waiting_on", "urgency", "priority"]}),
        (
            "Assignment and status",
            {"fields": ["assign_to", "new_status", "outcome", "outcome_note", "legal_reason"]},
        ),
        ("Member", {"fields": ["member_details"]}),
        ("Request", {"fields": ["request_details", "files_list"]}),
        ("Timeline", {"classes": ["case-main"], "fields": ["timeline"]}),
        (
            "Correct the facts",
            {
                "classes": ["case-facts-form"],
                "description": "Each change is recorded on the timeline with the old and new "
                "value, and saved with the rest of this form or not at all.",
                "fields": [
                    "category",
                    "hearing_date",
                    "employer",
                    "employer_kind",
                    "other_party_name",
                    "other_party_number",
                ],
            },
        ),
        (
            "Reply to the member",
            {
                "classes": ["case-composer", "case-reply", "case-main"],
                "description": "The member sees this reply and the files attached to it.",
                "fields": ["saved_reply", "message", "message_files", "await_reply"],
            },
        ),
        (
            "Internal note — only officers see this",
            {
                "classes": ["case-composer", "case-note", "case-main"],
                "description": "Never shown or sent to the member, nor its files.",
                "fields": ["note", "note_files"],
            },
        ),
        ("Access", {"fields": ["restrict_to"]}),
        ("Records", {"fields": ["access_links"]}),
        ("Letters", {"fields": ["letters_panel"]}),
        (
            "Deadlines",
            {
                "classes": ["case-deadlines"],
                "fields": [
                    "deadlines_panel",
                    "claim_type",
                    "act_on",
                    "acas_started_on",
                    "acas_certificate_on",
                    "follow_up_on",
                    "follow_up_what",
                    "follow_ups_done",
                ],
            },
        ),
        ("Collective and linked cases", {"fields": ["collective_and_links"]}),
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
        # "Add case" is phone and walk-in intake: an officer opens a case for a member.
        return access.is_case_officer(request.user)

    def add_view(self, request, form_url="", extra_context=None):
        return intake_view(self, request)

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
        # Only the form's Meta fields are bound to the case (for their initial values);
        # the corrected facts and the rest are declared fields, and everything is applied
        # by the services (save_model), never by the ModelForm itself.
        kwargs["fields"] = list(CaseAdminForm.Meta.fields)
        form = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not FollowUp.objects.filter(case=obj, done_at__isnull=True).exists():
            # Nothing to tick off: no empty list of boxes.
            fieldsets = [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != "follow_ups_done"]})
                for name, opts in fieldsets
            ]
        if obj is not None and obj.collective:
            fieldsets = [
                (
                    name,
                    {**opts, "fields": ["message_for", *opts["fields"]]}
                    if "message" in opts["fields"]
                    else opts,
                )
                for name, opts in fieldsets
            ]
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

    def action_checkbox(self, obj, label=None):
        """Django's checkbox, written directly rather than through the form renderer (the
        same HTML; the renderer was a third of the queue's time for 50 rows). `label` is
        its translated label, when the queue has translated it once for the page."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(label or _(SELECT_FOR_ACTION), str(obj)),
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
        if obj.collective:
            parts.append(("flag", "Collective"))
        elif obj.colleagues_affected:
            parts.append(("flag", "Colleagues affected"))
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

    @admin.display(description="Tribunal limit", ordering="tribunal_limit_on")
    def deadlines(self, obj):
        if not obj.tribunal_limit_on:
            return "—"
        today = timezone.localdate()
        left = deadlines.days_left_words(obj.tribunal_limit_on, today)
        words = f"{obj.tribunal_limit_on:%d %b} ({left})"
        if (obj.tribunal_limit_on - today).days <= TRIBUNAL_FLAG_DAYS:
            return format_html('<span class="flag flag-urgent">{}</span>', words)
        return words

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
        return _panel("facts.html", rows=rows)

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
        return _panel("facts.html", rows=rows, prewrap=True)

    @admin.display(description="timeline")
    def timeline(self, obj):
        events = officer_timeline(obj.viewer, obj)
        if not events:
            return "—"
        rows = [
            {
                "when": timezone.localtime(event.created_at).replace(microsecond=0),
                "who": event.author.get_full_name() if event.author else "System",
                "what": event.get_kind_display()
                + (f": {event.get_new_status_display()}" if event.new_status else "")
                + (f" (with {event.for_member.get_full_name()} only)" if event.for_member else ""),
                "internal": not event.visible_to_member,
                "side": "member"
                if event.author_id and event.author_id == obj.member_id
                else ("officer" if event.author_id else "system"),
                "body": event.body,
                "files": ", ".join(a.name for a in event.attachments.all()),
            }
            for event in events
        ]
        return render_to_string("admin/casework/case/timeline.html", {"rows": rows})

    @admin.display(description="files")
    def files_list(self, obj):
        files = [(a, a.size // 1024 or 1) for a in obj.attachments.all()]
        return _panel("files.html", case=obj, files=files)

    @admin.display(description="tribunal limit and follow-ups")
    def deadlines_panel(self, obj):
        facts = deadlines.DeadlineFacts(
            obj.claim_type, obj.act_on, obj.acas_started_on, obj.acas_certificate_on
        )
        result = deadlines.tribunal_limit(facts)
        today = timezone.localdate()
        return render_to_string(
            "admin/casework/case/deadlines_panel.html",
            {
                "case": obj,
                "result": result,
                "left": deadlines.days_left_words(obj.tribunal_limit_on, today)
                if obj.tribunal_limit_on
                else "",
                "rule": deadlines.RULE,
                "follow_ups": open_follow_ups(obj),
                "today": today,
            },
        )

    @admin.display(description="records")
    def access_links(self, obj):
        return _panel(
            "records.html",
            case=obj,
            access_log=obj.viewer.has_perm("casework.view_case_access_log"),
        )

    @admin.display(description="letters")
    def letters_panel(self, obj):
        return _panel("letters.html", case=obj, letters=services.case_letters(obj))

    @admin.display(description="collective and linked cases")
    def collective_and_links(self, obj):
        return collective_panel(obj, obj.viewer)

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
        if any(value == "" for value in request.GET.values()):
            # The filter bar sends every menu; "All" is an empty value, which the queue
            # drops rather than filtering on it.
            kept = [(k, v) for k, v in request.GET.items() if v != ""]
            return HttpResponseRedirect(f"{request.path}?{urlencode(kept)}" if kept else "?")
        if set(request.GET) == {"q"} and REFERENCE_PATTERN.fullmatch(term):
            pk = self.get_queryset(request).filter(reference=term).values_list("pk", flat=True)
            if pk := pk.first():
                return HttpResponseRedirect(reverse("admin:casework_case_change", args=[pk]))
        current_view = clean_query(request.GET.urlencode(), self.queue_parameters())
        views = queue_views_for(request.user, current_view)
        extra_context = {
            **(extra_context or {}),
            "summary_url": reverse("admin:casework_reports")
            if request.user.has_perm("casework.view_casework_reports")
            else None,
            "intake_url": reverse("admin:casework_case_add"),
            "queue_views": views,
            "current_view": current_view,
            "current_view_saved": any(v["current"] for v in views),
            "queue_views_url": reverse("admin:casework_case_views"),
            "deadlines_url": reverse("admin:casework_case_deadlines"),
        }
        if is_administrator(request.user) and not scanning.is_configured():
            messages.warning(request, UNSCANNED_WARNING)
        return super().changelist_view(request, extra_context)

    def queue_parameters(self) -> set[str]:
        """The query parameters of the queue's filters (what a saved view may hold)."""
        names = {"o"}
        for spec in self.list_filter:
            if isinstance(spec, type) and issubclass(spec, admin.SimpleListFilter):
                names.add(spec.parameter_name)
                continue
            field = Case._meta.get_field(spec)
            names.add(f"{spec}__id__exact" if field.is_relation else f"{spec}__exact")
        return names

    def queue_views_view(self, request):
        return admin_views.queue_views_view(self, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = access.get_case_for_officer(request.user, object_id)
        if request.method == "GET":
            services.case_log_access(
                case=case, user=request.user, action=AccessAction.VIEW, request=request
            )
        extra_context = {
            **(extra_context or {}),
            **self._screen_context(request, case),
            "show_save_and_add_another": False,
        }
        return super().change_view(request, str(case.pk), form_url, extra_context)

    def _saved_replies(self):
        return {str(r.pk): r.body for r in SavedReply.objects.all()}

    def _screen_context(self, request, case) -> dict:
        """What the case screen shows beside the admin's form: the saved replies for the
        reply box, whether "Take this case" is offered, and the other actions' links."""
        user = request.user
        return {
            "saved_replies": self._saved_replies(),
            "can_take": case.assigned_to_id is None
            and case.is_open
            and user.has_perm("casework.take_case")
            and access.officer_may_be_assigned(user, case),
            "case_action_links": self.case_action_links(request, case),
        }

    def case_action_links(self, request, case) -> list[dict]:
        """Links to the case's other actions (each part of the case screen adds its own)."""
        return [
            {
                "url": reverse("admin:casework_case_letter", args=[case.pk]),
                "label": _("Write a letter"),
                "shortcut": "l",
            },
            {
                "url": reverse("admin:casework_case_bundle", args=[case.pk]),
                "label": _("Case bundle PDF"),
                "shortcut": "",
            },
        ]

    def history_view(self, request, object_id, extra_context=None):
        access.get_case_for_officer(request.user, object_id)
        return super().history_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        """One service for the whole form: all of it is saved, or none of it and the
        refusal is shown next to its field (see response_change)."""
        c = form.cleaned_data
        try:
            services.case_officer_update(
                case=obj,
                officer=request.user,
                priority=c.get("priority") if "priority" in form.changed_data else None,
                assign_to=request.user if "_take" in request.POST else c.get("assign_to"),
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
                facts=form.facts() if form.facts_changed else None,
                deadline_facts=deadlines.DeadlineFacts(
                    c.get("claim_type") or "",
                    c.get("act_on"),
                    c.get("acas_started_on"),
                    c.get("acas_certificate_on"),
                )
                if set(DEADLINE_FIELDS) & set(form.changed_data)
                else None,
                follow_up_on=c.get("follow_up_on"),
                follow_up_what=c.get("follow_up_what") or "",
                follow_ups_done=[f.pk for f in c.get("follow_ups_done") or []],
                message_for=User.objects.filter(pk=c.get("message_for")).first()
                if c.get("message_for")
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
        if form is None and "_take" in request.POST:
            messages.success(request, _("You have taken case %s.") % obj.reference)
            return HttpResponseRedirect(reverse("admin:casework_case_change", args=[obj.pk]))
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
            **self._screen_context(request, obj),
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
                "views/",
                self.admin_site.admin_view(self.queue_views_view),
                name="casework_case_views",
            ),
            path(
                "<path:object_id>/letter/",
                self.admin_site.admin_view(self.letter_view),
                name="casework_case_letter",
            ),
            path(
                "<path:object_id>/collective/",
                self.admin_site.admin_view(self.collective_view),
                name="casework_case_collective",
            ),
            path(
                "summary/",
                self.admin_site.admin_view(self.summary_view),
                name="casework_case_summary",
            ),
            path(
                "deadlines/",
                self.admin_site.admin_view(self.deadlines_view),
                name="casework_case_deadlines",
            ),
        ]
        return mine + urls

    def collective_view(self, request, object_id):
        return collective_view(self, request, object_id)

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

    def letter_view(self, request, object_id):
        return admin_views.letter_view(self, request, object_id)

    def bundle_view(self, request, object_id):
        case = access.get_case_for_officer(request.user, object_id)
        pdf = case_bundle_pdf(case, request.user)
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

    def deadlines_view(self, request):
        return admin_views.deadlines_view(self, request)

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


@admin.register(LetterTemplate)
class LetterTemplateAdmin(PortalModelAdmin):
    """Letter templates, kept by the casework managers. A field a letter may not name is
    refused when the template is saved (casework.letters.LETTER_FIELDS)."""

    form = LetterTemplateForm
    list_display = ["title", "kind", "active", "updated_at", "updated_by"]
    list_filter = ["kind", "active"]
    search_fields = ["title"]
    readonly_fields = ["updated_at", "updated_by"]
    list_select_related = ["updated_by"]

    def get_fields(self, request, obj=None):
        return ["title", "kind", "active", "body", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


# Complaints about case handling: their own admin, in their own module.
from . import admin_complaints  # noqa: E402, F401
