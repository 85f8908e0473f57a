"""Publishers' admin: documents, editions (with their standards), the workflow steps,
good-practice examples, the diff between editions and the list of documents due for review.

Every save and every workflow step goes through `services`, which re-checks the rules."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from portal.accounts.choices import Nation
from portal.admin import PortalModelAdmin, ReadOnlyAdmin

from . import selectors, services
from .diff import edition_diff, has_changes
from .models import (
    NATION_FIELDS,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Audience,
    Document,
    DocumentDueForReview,
    Edition,
    EditionEvent,
    EditionStatus,
    GoodPracticeExample,
    ItemLabel,
    Standard,
)

# --- Documents ---------------------------------------------------------------------------


# The Welsh text is part of the edition: reviewed and approved with the English.
WELSH_HELP = (
    "The Welsh text of this edition, reviewed and approved with the English. Leave a field "
    "empty and Welsh pages show the English."
)


class DocumentCreateForm(forms.ModelForm):
    """Adding a document writes its first draft edition at the same time."""

    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences shown in the list and under the title.",
    )
    audience = forms.ChoiceField(label="Who it is for", choices=Audience.choices)
    item_label = forms.ChoiceField(
        label="Items are called", choices=ItemLabel.choices, initial=ItemLabel.STANDARD
    )
    nations = forms.MultipleChoiceField(
        label="Applies to",
        choices=Nation.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": services.NO_NATION},
    )

    class Meta:
        model = Document
        fields = ["slug", "review_by"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Document.objects.filter(slug=slug).exists():
            raise forms.ValidationError(services.SLUG_TAKEN)
        return slug


class EditionLinkInline(admin.TabularInline):
    model = Edition
    fields = ["edition_link", "status", "published_at", "superseded_at", "change_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "Editions"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="edition")
    def edition_link(self, obj):
        url = reverse("admin:standards_edition_change", args=[obj.pk])
        return format_html('<a href="{}">Edition {}: {}</a>', url, obj.number, obj.title)


@admin.register(Document)
class DocumentAdmin(PortalModelAdmin):
    view_on_site = True  # its public page follows the admin's rule (previews for publishers)
    list_display = ["title", "slug", "current", "in_progress", "review_by", "review_due"]
    search_fields = ["slug", "editions__title"]
    list_select_related = ["current_edition"]
    show_full_result_count = False
    inlines = [EditionLinkInline]
    change_form_template = "standards/admin/document_change_form.html"

    def get_queryset(self, request):
        from django.db.models import Prefetch

        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "editions",
                    queryset=Edition.objects.filter(status__in=OPEN_STATUSES).only(
                        "pk", "document_id", "number", "status", "title"
                    ),
                    to_attr="open_editions",
                )
            )
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = DocumentCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "title",
                "slug",
                "summary",
                "audience",
                "item_label",
                "nations",
                "review_by",
            ]
        return ["slug", "review_by", "public_page"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.editions.filter(status__in=PUBLIC_STATUSES).exists():
            return ["slug", "public_page"]
        return ["public_page"]

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="title")
    def title(self, obj):
        edition = obj.current_edition or (obj.open_editions[0] if obj.open_editions else None)
        return edition.title if edition else obj.slug

    @admin.display(description="current edition")
    def current(self, obj):
        edition = obj.current_edition
        return f"Edition {edition.number}, {edition.published_at:%d %b %Y}" if edition else "—"

    @admin.display(description="in progress")
    def in_progress(self, obj):
        if not obj.open_editions:
            return "—"
        edition = obj.open_editions[0]
        url = reverse("admin:standards_edition_change", args=[edition.pk])
        return format_html(
            '<a href="{}">Edition {} ({})</a>', url, edition.number, edition.get_status_display()
        )

    @admin.display(description="review")
    def review_due(self, obj):
        if not obj.current_edition_id or not obj.review_by:
            return "—"
        return "Due now" if obj.review_by <= timezone.localdate() else "Not yet due"

    @admin.display(description="public page")
    def public_page(self, obj):
        url = obj.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    def save_model(self, request, obj, form, change):
        if change:
            if "review_by" in form.changed_data and obj.review_by:
                services.document_set_review_by(document=obj, review_by=obj.review_by)
            if "slug" in form.changed_data:
                if obj.editions.filter(status__in=PUBLIC_STATUSES).exists():
                    raise PermissionDenied
                obj.save(update_fields=["slug"])
            return
        data = form.cleaned_data
        document = services.document_create(
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            audience=data["audience"],
            item_label=data["item_label"],
            nations=data["nations"],
            review_by=data.get("review_by"),
            by=request.user,
        )
        obj.pk = document.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        edition = obj.editions.get()
        self.message_user(
            request,
            "Document added. Now write its standards: this is the draft of edition 1.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:standards_edition_change", args=[edition.pk]))

    def get_urls(self):
        return [
            path(
                "<int:pk>/new-edition/",
                self.admin_site.admin_view(self.new_edition_view),
                name="standards_document_new_edition",
            ),
        ] + super().get_urls()

    def new_edition_view(self, request, pk):
        document = get_object_or_404(Document.objects.select_related("current_edition"), pk=pk)
        if not request.user.has_perm("standards.add_edition"):
            raise PermissionDenied
        error = None
        if request.method == "POST":
            try:
                edition = services.edition_start_new(document=document, by=request.user)
            except services.WorkflowError as problem:
                error = str(problem)
            else:
                self.message_user(
                    request,
                    f"Edition {edition.number} started as a draft, copied from the current "
                    "edition. Change what needs changing, then submit it for review.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:standards_edition_change", args=[edition.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Start a new edition",
            "document": document,
            "error": error,
        }
        return TemplateResponse(
            request,
            "standards/admin/new_edition.html",
            context,
            status=400 if error else 200,
        )


@admin.register(DocumentDueForReview)
class DocumentDueForReviewAdmin(ReadOnlyAdmin):
    view_on_site = True  # its public page follows the admin's rule (previews for publishers)
    list_display = ["title", "review_by", "current", "open_document"]
    list_select_related = ["current_edition"]
    ordering = ["review_by"]

    def get_queryset(self, request):
        due = selectors.documents_due_for_review(today=timezone.localdate())
        return DocumentDueForReview.objects.filter(pk__in=due.values("pk")).select_related(
            "current_edition"
        )

    @admin.display(description="title")
    def title(self, obj):
        return obj.current_edition.title

    @admin.display(description="current edition")
    def current(self, obj):
        edition = obj.current_edition
        return f"Edition {edition.number}, published {edition.published_at:%d %b %Y}"

    @admin.display(description="")
    def open_document(self, obj):
        url = reverse("admin:standards_document_change", args=[obj.pk])
        return format_html('<a href="{}">Review: set a new date or start a new edition</a>', url)


# --- Editions ----------------------------------------------------------------------------


class AwaitingMyReviewFilter(admin.SimpleListFilter):
    """`?review=mine`: the editions in review that I may approve (another publisher wrote
    them). Linked from the standards section of the admin and from the review notice."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("mine", "Awaiting my review")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value != "mine":
            raise DisallowedModelAdminLookup(f"Unknown review filter {value!r}.")
        mine = selectors.editions_awaiting_review_by(user=request.user)
        return queryset.filter(pk__in=mine.values("pk"))


SUBMIT = "_submit"  # the name of the change form's "Save and submit for review" button


class EditionForm(forms.ModelForm):
    """A draft's fields, and the note for the reviewer when the publisher saves and submits
    it for review in one step (the edits are saved and submitted together, or neither)."""

    review_note = forms.CharField(
        label="Note for the reviewer",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to submit for review. Who reads this: other publishers, in the "
        "edition's workflow history.",
    )
    submitting = False  # set by EditionAdmin.get_form when the submit button was pressed

    class Meta:
        model = Edition
        fields = [
            "title",
            "summary",
            "title_cy",
            "summary_cy",
            "audience",
            "item_label",
            *NATION_FIELDS.values(),
            "change_note",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.submitting:
            nations = [f for f in NATION_FIELDS.values() if cleaned.get(f)]
            problems = services.submit_problems(
                note=cleaned.get("review_note", ""),
                change_note=cleaned.get("change_note", ""),
                nations=nations,
            )
            for field, message in problems.items():
                self.add_error("review_note" if field == "note" else field, message)
        return cleaned


class StandardInline(admin.StackedInline):
    model = Standard
    fields = ["number", "heading", "body", "indicators", "heading_cy", "body_cy", "indicators_cy"]
    ordering = ["number"]
    verbose_name = "standard (or principle)"
    verbose_name_plural = "Standards (or principles), in order"

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None and obj.standards.exists() else 1

    def _editable(self, obj):
        return obj is None or obj.status == EditionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class EditionEventInline(admin.TabularInline):
    model = EditionEvent
    fields = ["at", "action", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Workflow history (who, when, note)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Edition)
class EditionAdmin(PortalModelAdmin):
    view_on_site = True  # its public page follows the admin's rule (previews for publishers)
    list_display = ["title", "number", "document_slug", "status", "published_at", "scheduled_for"]
    list_filter = [AwaitingMyReviewFilter, "status", "audience"]
    search_fields = ["title", "document__slug"]
    list_select_related = ["document"]
    show_full_result_count = False
    form = EditionForm
    inlines = [StandardInline, EditionEventInline]
    change_form_template = "standards/admin/edition_change_form.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "document",
                    "number",
                    "status_text",
                    "title",
                    "summary",
                    "audience",
                    "item_label",
                ]
            },
        ),
        (
            "Cymraeg (Welsh)",
            {
                "fields": ["title_cy", "summary_cy"],
                "description": WELSH_HELP,
            },
        ),
        ("Applies to", {"fields": list(NATION_FIELDS.values())}),
        ("This edition", {"fields": ["change_note", "people", "dates"]}),
    ]
    readonly_fields = ["document", "number", "status_text", "people", "dates"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("document", "created_by", "submitted_by", "approved_by")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != EditionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != EditionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        return {}

    @admin.display(description="document", ordering="document__slug")
    def document_slug(self, obj):
        return obj.document.slug

    @admin.display(description="status")
    def status_text(self, obj):
        text = obj.get_status_display()
        if obj.status == EditionStatus.SCHEDULED and obj.scheduled_for:
            text += f" for {timezone.localtime(obj.scheduled_for):%d %B %Y %H:%M}"
        return text

    @admin.display(description="people")
    def people(self, obj):
        rows = [
            ("Written by", obj.created_by),
            ("Submitted by", obj.submitted_by),
            ("Approved by", obj.approved_by),
        ]
        return format_html_join(
            "", "<div>{}: {}</div>", ((label, user) for label, user in rows if user)
        )

    @admin.display(description="dates")
    def dates(self, obj):
        rows = [
            ("Started", obj.created_at),
            ("Published", obj.published_at),
            ("Superseded", obj.superseded_at),
        ]
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            ((label, f"{timezone.localtime(at):%d %B %Y %H:%M}") for label, at in rows if at),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.submitting = request.method == "POST" and SUBMIT in request.POST
        return form

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f != "review_note"]
        if fields:
            services.edition_update(edition=obj, by=request.user, fields=fields)

    def save_formset(self, request, form, formset, change):
        if formset.model is Standard and formset.has_changed():
            services.standards_save(edition=form.instance, by=request.user, save=formset.save)
        else:
            formset.save()  # nothing to save; sets what the admin's change message reads

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if getattr(form, "submitting", False):
            # In the change form's transaction: the edits just saved and the submission
            # stand or fall together (a refusal rolls both back, see _changeform_view).
            services.edition_submit(
                edition=form.instance, by=request.user, note=form.cleaned_data["review_note"]
            )

    def response_change(self, request, obj):
        if SUBMIT in request.POST:
            obj.refresh_from_db()
            self.message_user(
                request,
                f"Edition {obj.number}: saved and submitted for review. The publishers who "
                "may approve it have been told.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:standards_edition_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except services.WorkflowError as error:
            transaction.set_rollback(True)
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_model(self, request, obj):
        services.edition_discard(edition=obj, by=request.user)

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(request, f"Draft “{obj_display}” discarded.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:standards_document_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        edition = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if edition is not None:
            previous = (
                Edition.objects.filter(document_id=edition.document_id, number__lt=edition.number)
                .order_by("-number")
                .only("pk", "number")
                .first()
            )
            extra.update(
                {
                    "edition": edition,
                    "previous_edition": previous,
                    "can_submit": edition.status == EditionStatus.DRAFT
                    and request.user.has_perm("standards.change_edition"),
                    "can_approve": edition.status == EditionStatus.IN_REVIEW
                    and request.user.has_perm("standards.approve_edition"),
                    "approve_problem": services.may_approve(edition=edition, user=request.user)
                    if edition.status == EditionStatus.IN_REVIEW
                    else None,
                    "can_return": edition.status
                    in (EditionStatus.IN_REVIEW, EditionStatus.SCHEDULED)
                    and request.user.has_perm("standards.change_edition"),
                    "can_start_new": edition.status == EditionStatus.PUBLISHED
                    and request.user.has_perm("standards.add_edition")
                    and not Edition.objects.filter(
                        document_id=edition.document_id, status__in=OPEN_STATUSES
                    ).exists(),
                }
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/workflow/<str:step>/",
                view(self.workflow_view),
                name="standards_edition_workflow",
            ),
            path("<int:pk>/diff/", view(self.diff_view), name="standards_edition_diff"),
        ] + super().get_urls()

    # The workflow steps: a page with the change note (and, to approve, an optional time).

    STEPS = {
        "submit": ("Submit for review", "standards.change_edition"),
        "approve": ("Approve and publish", "standards.approve_edition"),
        "return": ("Return to draft", "standards.change_edition"),
    }

    def workflow_view(self, request, pk, step):
        if step not in self.STEPS:
            raise Http404("No such step.")
        title, permission = self.STEPS[step]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        edition = get_object_or_404(Edition.objects.select_related("document"), pk=pk)
        form_class = ApproveForm if step == "approve" else StepForm
        form = form_class(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    self._run_step(step, edition, request.user, form.cleaned_data)
                except services.WorkflowError as error:
                    form.add_error(None, str(error))
                else:
                    edition.refresh_from_db()
                    self.message_user(
                        request,
                        f"Edition {edition.number}: {edition.get_status_display().lower()}.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:standards_edition_change", args=[edition.pk])
                    )
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{title}: {edition.title}, edition {edition.number}",
            "step": step,
            "step_title": title,
            "edition": edition,
            "form": form,
            "approve_problem": services.may_approve(edition=edition, user=request.user)
            if step == "approve"
            else None,
        }
        return TemplateResponse(
            request, "standards/admin/workflow_step.html", context, status=status
        )

    @staticmethod
    def _run_step(step, edition, user, data):
        if step == "submit":
            services.edition_submit(edition=edition, by=user, note=data["note"])
        elif step == "approve":
            services.edition_approve(
                edition=edition, by=user, note=data["note"], publish_at=data.get("publish_at")
            )
        else:
            services.edition_return_to_draft(edition=edition, by=user, note=data["note"])

    def diff_view(self, request, pk):
        if not request.user.has_perm("standards.view_edition"):
            raise PermissionDenied
        new = get_object_or_404(Edition.objects.select_related("document"), pk=pk)
        others = Edition.objects.filter(document_id=new.document_id).exclude(pk=new.pk)
        against = request.GET.get("against", "")
        if against:
            if not against.isdigit():
                raise Http404("No such edition.")
            old = get_object_or_404(others, pk=int(against))
        else:
            old = others.filter(number__lt=new.number).order_by("-number").first()
            if old is None:
                raise Http404("This is the first edition: there is nothing to compare.")
        lines = edition_diff(old, new)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Changes from edition {old.number} to edition {new.number}",
            "old": old,
            "new": new,
            "lines": lines,
            "has_changes": has_changes(lines),
            "others": others.order_by("-number").only("pk", "number"),
        }
        return TemplateResponse(request, "standards/admin/diff.html", context)


NOTE_HELP = "Who reads this: other publishers, in the edition's workflow history."


class StepForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=NOTE_HELP,
        error_messages={"required": services.NOTE_REQUIRED},
    )


class ApproveForm(StepForm):
    publish_at = forms.DateTimeField(
        label="Publish at (optional)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to publish now. UK time. A scheduled task publishes it then.",
    )

    def clean_publish_at(self):
        value = self.cleaned_data.get("publish_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(services.SCHEDULE_IN_PAST)
        return value


# --- Good practice -----------------------------------------------------------------------


class StandardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        edition = obj.edition
        return (
            f"{edition.title} (edition {edition.number}, {edition.get_status_display().lower()})"
            f" – {edition.item_label} {obj.number}: {obj.heading}"
        )


@admin.register(GoodPracticeExample)
class GoodPracticeExampleAdmin(PortalModelAdmin):
    """Examples are part of an edition's text: they are added, changed and removed only in
    a draft edition, and reach the public page when another publisher approves it."""

    list_display = ["title", "standard_label", "edition_status", "organisation_type", "date"]
    list_filter = ["organisation_type"]
    search_fields = ["title", "text"]
    list_select_related = ["standard__edition"]
    date_hierarchy = None
    show_full_result_count = False
    fields = ["standard", "title", "text", "organisation_type", "date"]

    @admin.display(description="standard")
    def standard_label(self, obj):
        return (
            f"{obj.standard.edition.title}: {obj.standard.edition.item_label} {obj.standard.number}"
        )

    @admin.display(description="edition")
    def edition_status(self, obj):
        edition = obj.standard.edition
        return f"Edition {edition.number}, {edition.get_status_display().lower()}"

    @staticmethod
    def _in_draft(obj) -> bool:
        return obj is None or obj.standard.edition.status == EditionStatus.DRAFT

    def has_change_permission(self, request, obj=None):
        return self._in_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._in_draft(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "standard":
            kwargs["queryset"] = (
                Standard.objects.filter(edition__status=EditionStatus.DRAFT)
                .select_related("edition")
                .order_by("edition__title", "-edition__number", "number")
            )
            kwargs["form_class"] = StandardChoiceField
            kwargs["help_text"] = (
                "A standard of a draft edition. To add an example to a published document, "
                "start its new edition: the example is published when another publisher "
                "approves that edition."
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.example_save(example=obj, by=request.user)

    def delete_model(self, request, obj):
        services.example_delete(example=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        drafts = queryset.filter(standard__edition__status=EditionStatus.DRAFT)
        frozen = queryset.count() - drafts.count()
        for example in drafts.select_related("standard__edition"):
            services.example_delete(example=example, by=request.user)
        if frozen:
            self.message_user(request, services.EXAMPLE_NOT_IN_DRAFT, messages.WARNING)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except services.WorkflowError as error:
            transaction.set_rollback(True)
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except services.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:standards_goodpracticeexample_changelist"))
