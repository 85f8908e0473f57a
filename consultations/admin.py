"""Publishers build consultations here; analysts read the results, tag answers and export.

Every change goes through `services`: the lifecycle buttons and actions, saving the form,
and the question inlines (which become read-only once anyone has answered, with a message
saying why).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify

from portal.accounts.choices import EmployerKind, Nation, Section
from portal.admin import PortalModelAdmin

from . import answer_tokens, reports, selectors, services
from .forms import ResultsFilterForm, TagForm
from .models import (
    Answer,
    Consultation,
    ConsultationEvent,
    ConsultingBody,
    Phase,
    PolicyArea,
    Question,
    QuestionKind,
    QuestionSection,
)

ANALYSE_PERMISSION = "consultations.analyse_consultation"
TEXT_PAGE_SIZE = 50
BAD_FILTER = "Choose a section, nation and employer type from the lists."
SCALE_RANGE = "The highest point of the scale must be above the lowest."
CHOICE_OPTIONS = "Give at least two options, one per line."
OPTIONS_ONLY_FOR_CHOICES = "Only choice questions have options: leave this empty."
CONDITION_BOTH = "Give both the question this depends on and the answer that shows it."
CONDITION_SELF = "A question cannot depend on itself."
CONDITION_VALUE = "That is not a possible answer to the question this depends on: {options}."
CONDITION_TEXT = "A condition can only depend on a choice, Yes/No or scale question."
OTHER_BODY_NAME = "Name the consulting body."
ANONYMOUS_TEXT_BY_GROUP = (
    "This consultation is anonymous: written answers are shown for all respondents together, "
    "never by section, nation or employer type, so that comparing groups cannot single anyone "
    "out."
)
BAD_ORDER = "That link to a list of answers is not valid: open the list again."
SEED_PATTERN = re.compile(r"[0-9a-f]{32}")


class ConsultationForm(forms.ModelForm):
    external_url = forms.URLField(
        label="Link to the external consultation",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The consulting body's own page, if there is one.",
    )
    audience_nations = forms.MultipleChoiceField(
        label="Nations",
        choices=Nation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: members in every nation.",
    )

    class Meta:
        model = Consultation
        fields = [
            "title",
            "slug",
            "summary",
            "background",
            "title_cy",
            "summary_cy",
            "background_cy",
            "policy_areas",
            "consulting_body",
            "consulting_body_other",
            "external_url",
            "opens_at",
            "closes_at",
            "audience_section",
            "audience_nations",
            "audience_employer_kind",
            "anonymous",
            "outcome",
            "government_response",
        ]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug != slugify(slug):
            raise ValidationError("Use lower-case letters, numbers and hyphens only.")
        return slug

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The closing time must be after the opening time.")
        if (
            data.get("consulting_body") == ConsultingBody.OTHER
            and not data.get("consulting_body_other", "").strip()
        ):
            self.add_error("consulting_body_other", OTHER_BODY_NAME)
        if (
            self.instance.pk
            and "anonymous" in self.changed_data
            and selectors.questions_locked(self.instance)
        ):
            self.add_error("anonymous", services.ANONYMITY_LOCKED)
        return data


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "section",
            "order",
            "kind",
            "text",
            "help_text",
            "required",
            "options",
            "scale_min",
            "scale_min_label",
            "scale_max",
            "scale_max_label",
            "text_cy",
            "help_text_cy",
            "options_cy",
            "scale_min_label_cy",
            "scale_max_label_cy",
            "condition_question",
            "condition_value",
        ]
        widgets = {"options": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        options = [line.strip() for line in (data.get("options") or "").splitlines()]
        options = [o for o in options if o]
        if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            if len(set(options)) < 2:
                self.add_error("options", CHOICE_OPTIONS)
        elif options:
            self.add_error("options", OPTIONS_ONLY_FOR_CHOICES)
        if kind == QuestionKind.SCALE and (data.get("scale_max") or 0) <= (
            data.get("scale_min") or 0
        ):
            self.add_error("scale_max", SCALE_RANGE)
        target, value = data.get("condition_question"), (data.get("condition_value") or "").strip()
        if bool(target) != bool(value):
            self.add_error("condition_value", CONDITION_BOTH)
        elif target:
            if self.instance.pk and target.pk == self.instance.pk:
                self.add_error("condition_question", CONDITION_SELF)
            elif target.is_text:
                self.add_error("condition_question", CONDITION_TEXT)
            else:
                norm = " ".join(value.split()).casefold()
                match = [o for o in target.option_list if o.casefold() == norm]
                if not match:
                    self.add_error(
                        "condition_value",
                        CONDITION_VALUE.format(options=" / ".join(target.option_list)),
                    )
                else:
                    data["condition_value"] = match[0]
        return data


class LockableInline:
    """Inlines of a consultation's questions: read-only once published or answered."""

    def _locked(self, obj) -> bool:
        return obj is not None and (obj.published_at is not None or selectors.questions_locked(obj))

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class SectionInline(LockableInline, admin.TabularInline):
    model = QuestionSection
    extra = 0
    fields = ["order", "title", "intro", "title_cy", "intro_cy"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("intro", "intro_cy"):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class QuestionInline(LockableInline, admin.StackedInline):
    model = Question
    form = QuestionForm
    extra = 0
    fk_name = "consultation"
    fieldsets = [
        (None, {"fields": [("section", "order"), "kind", "text", "help_text", "required"]}),
        ("Options", {"fields": ["options"]}),
        (
            "Cymraeg (Welsh)",
            {
                "fields": [
                    "text_cy",
                    "help_text_cy",
                    "options_cy",
                    ("scale_min_label_cy", "scale_max_label_cy"),
                ],
                "description": "Welsh options: one a line, in the same order as the English. "
                "Answers are stored as the English option. Empty: the English is shown.",
            },
        ),
        (
            "Scale",
            {"fields": [("scale_min", "scale_min_label"), ("scale_max", "scale_max_label")]},
        ),
        ("Show only if", {"fields": [("condition_question", "condition_value")]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if db_field.name == "section":
            kwargs["queryset"] = QuestionSection.objects.filter(consultation_id=object_id or 0)
        if db_field.name == "condition_question":
            kwargs["queryset"] = Question.objects.filter(consultation_id=object_id or 0).exclude(
                kind__in=[QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PolicyArea)
class PolicyAreaAdmin(PortalModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}


def _phase_badge(consultation) -> str:
    return consultation.phase().label


@admin.register(Consultation)
class ConsultationAdmin(PortalModelAdmin):
    view_on_site = True  # its public page follows the admin's rule (previews for publishers)
    form = ConsultationForm
    change_form_template = "consultations/admin/change_form.html"
    list_display = [
        "title",
        "consulting_body",
        "phase_display",
        "opens_at",
        "closes_at",
        "submitted_count",
        "results_link",
    ]
    list_filter = ["consulting_body", "policy_areas", "anonymous"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["policy_areas"]
    show_full_result_count = False
    inlines = [SectionInline, QuestionInline]
    actions = ["open_selected", "close_selected", "publish_outcome_selected"]
    readonly_fields = [
        "phase_display",
        "submitted_at",
        "submitted_by",
        "published_at",
        "opened_by",
        "outcome_published_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "background", "policy_areas"]}),
        (
            "Cymraeg (Welsh)",
            {
                "fields": ["title_cy", "summary_cy", "background_cy"],
                "description": "Shown on Welsh pages. Empty: the English is shown.",
            },
        ),
        (
            "Who is consulting",
            {"fields": ["consulting_body", "consulting_body_other", "external_url"]},
        ),
        (
            "When",
            {
                "fields": [
                    "opens_at",
                    "closes_at",
                    "phase_display",
                    ("submitted_at", "submitted_by"),
                    ("published_at", "opened_by"),
                ]
            },
        ),
        (
            "Audience",
            {
                "fields": [
                    "audience_section",
                    "audience_nations",
                    "audience_employer_kind",
                    "anonymous",
                ],
                "description": "Every condition set must match; none set means all members.",
            },
        ),
        (
            "Outcome",
            {"fields": ["outcome", "government_response", "outcome_published_at"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(submitted_total=Count("responses", filter=Q(responses__status="submitted")))
        )

    @admin.display(description="Phase")
    def phase_display(self, obj):
        return _phase_badge(obj) if obj.pk else "Draft"

    @admin.display(description="Responses", ordering="submitted_total")
    def submitted_count(self, obj):
        n = getattr(obj, "submitted_total", None)
        if n is not None and n < selectors.MIN_GROUP_SIZE:
            return f"fewer than {selectors.MIN_GROUP_SIZE}"
        return n

    @admin.display(description="Results")
    def results_link(self, obj):
        return format_html(
            '<a href="{}">Results</a>',
            reverse("admin:consultations_consultation_results", args=[obj.pk]),
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.responses.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.consultation_save(consultation=obj, by=request.user, changed=form.changed_data)

    def save_formset(self, request, form, formset, change):
        if formset.model in (Question, QuestionSection) and formset.has_changed():
            # The inlines are read-only once published or answered; a hand-made POST is
            # refused. Whoever changes the questions cannot be the one who opens it.
            services.questions_save(consultation=form.instance, by=request.user, save=formset.save)
        else:
            formset.save()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.published_at is not None:
            # What members read is frozen once a second publisher opened it.
            fields += [f for f in self.form.Meta.fields if f in services.MEMBER_FACING_FIELDS]
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return {}
        return super().get_prepopulated_fields(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = extra_context or {}
        if obj is not None:
            answered = selectors.questions_locked(obj)
            extra.update(
                {
                    "questions_locked": answered or obj.published_at is not None,
                    "questions_locked_message": services.QUESTIONS_LOCKED
                    if answered
                    else services.QUESTIONS_PUBLISHED,
                    "phase": obj.phase(),
                    "Phase": Phase,
                    "problems": services.consultation_problems(obj)
                    if obj.published_at is None
                    else [],
                    "can_analyse": request.user.has_perm(ANALYSE_PERMISSION),
                    "open_problem": services.may_open(consultation=obj, user=request.user)
                    if obj.published_at is None and obj.submitted_at is not None
                    else None,
                }
            )
        try:
            return super().change_view(request, object_id, form_url, extra_context=extra)
        except services.ConsultationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.path)

    # ------------------------------------------------------------ lifecycle

    def _lifecycle(self, request, queryset, service, done: str):
        for consultation in queryset:
            try:
                service(consultation=consultation, by=request.user)
            except services.ConsultationError as error:
                self.message_user(request, f"{consultation}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{consultation}: {done}", messages.SUCCESS)

    @admin.action(description="Open the selected consultations", permissions=["change"])
    def open_selected(self, request, queryset):
        self._lifecycle(request, queryset, services.consultation_open, "opened.")

    @admin.action(description="Close the selected consultations now", permissions=["change"])
    def close_selected(self, request, queryset):
        self._lifecycle(request, queryset, services.consultation_close, "closed.")

    @admin.action(description="Publish the outcome of the selected", permissions=["change"])
    def publish_outcome_selected(self, request, queryset):
        self._lifecycle(
            request, queryset, services.consultation_publish_outcome, "outcome published."
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = "consultations_consultation"
        return [
            path("<int:pk>/lifecycle/<str:step>/", wrap(self.lifecycle_view), name=f"{name}_step"),
            path("<int:pk>/results/", wrap(self.results_view), name=f"{name}_results"),
            path("<int:pk>/results/csv/", wrap(self.csv_view), name=f"{name}_csv"),
            path("<int:pk>/results/pdf/", wrap(self.pdf_view), name=f"{name}_pdf"),
            path(
                "<int:pk>/results/questions/<int:question_id>/",
                wrap(self.text_answers_view),
                name=f"{name}_text",
            ),
            path(
                "<int:pk>/results/answers/<str:token>/tags/",
                wrap(self.tag_view),
                name=f"{name}_tag",
            ),
            *super().get_urls(),
        ]

    STEPS = {
        "submit": (
            services.consultation_submit,
            "Submitted for review: another publisher checks it and opens it.",
        ),
        "open": (services.consultation_open, "Opened: members of its audience can answer."),
        "close": (services.consultation_close, "Closed: no more answers are accepted."),
        "publish-outcome": (
            services.consultation_publish_outcome,
            "Outcome published: members can read it.",
        ),
    }

    def lifecycle_view(self, request, pk, step):
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        consultation = self._get(request, pk)
        if not self.has_change_permission(request, consultation):
            raise PermissionDenied
        if step not in self.STEPS:
            raise Http404
        service, done = self.STEPS[step]
        try:
            service(consultation=consultation, by=request.user)
        except services.ConsultationError as error:
            for problem in error.problems or [error.message]:
                messages.error(request, problem)
        else:
            messages.success(request, done)
        return redirect("admin:consultations_consultation_change", consultation.pk)

    # ------------------------------------------------------------ results

    def _get(self, request, pk) -> Consultation:
        consultation = self.get_queryset(request).filter(pk=pk).first()
        if consultation is None:
            raise Http404
        return consultation

    def _analysable(self, request, pk) -> Consultation:
        if not request.user.has_perm(ANALYSE_PERMISSION):
            raise PermissionDenied
        return self._get(request, pk)

    def _filters(self, request):
        form = ResultsFilterForm(request.GET or None)
        if request.GET and not form.is_valid():
            return form, None
        return form, (form.filters() if form.is_bound else {})

    @staticmethod
    def _filter_labels(filters: dict) -> list[str]:
        names = {"section": Section, "nation": Nation, "employer_kind": EmployerKind}
        return [names[k](v).label for k, v in filters.items()]

    def _context(self, request, consultation, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "consultation": consultation,
            "original": consultation,
            "has_view_permission": True,
            **extra,
        }

    def results_view(self, request, pk):
        consultation = self._analysable(request, pk)
        form, filters = self._filters(request)
        if filters is None:
            messages.error(request, BAD_FILTER)
            context = self._context(
                request,
                consultation,
                title=f"Results: {consultation.title}",
                form=form,
                results=None,
            )
            return TemplateResponse(
                request, "consultations/admin/results.html", context, status=400
            )
        results = selectors.consultation_results(consultation, filters=filters)
        context = self._context(
            request,
            consultation,
            title=f"Results: {consultation.title}",
            form=form,
            results=results,
            query=request.GET.urlencode(),
            filter_labels=self._filter_labels(filters),
        )
        return TemplateResponse(request, "consultations/admin/results.html", context)

    def text_answers_view(self, request, pk, question_id):
        consultation = self._analysable(request, pk)
        question = get_object_or_404(
            Question.objects.filter(consultation=consultation), pk=question_id
        )
        if not question.is_text:
            raise Http404
        form, filters = self._filters(request)
        seed = request.GET.get("order", "")
        problem = None
        if filters is None:
            problem = BAD_FILTER
        elif consultation.anonymous and filters:
            problem = ANONYMOUS_TEXT_BY_GROUP
        elif seed and not SEED_PATTERN.fullmatch(seed):
            problem = BAD_ORDER
        if problem:
            messages.error(request, problem)
            context = self._context(
                request, consultation, form=form, page=None, question=question, items=[]
            )
            return TemplateResponse(
                request, "consultations/admin/text_answers.html", context, status=400
            )
        tag = form.cleaned_data.get("tag", "") if form.is_bound else ""
        results = selectors.consultation_results(consultation, filters=filters)
        item = next(i for i in results.questions if i.question.pk == question.pk)
        suppressed = item.suppressed
        page, items = None, []
        params = request.GET.copy()
        params.pop("page", None)
        if consultation.anonymous:
            seed = seed or selectors.new_shuffle_seed()
            params["order"] = seed
        if not suppressed:
            answers = selectors.text_answers(
                consultation, question, filters=filters, tag=tag, seed=seed
            )
            page = Paginator(answers, TEXT_PAGE_SIZE).get_page(request.GET.get("page"))
            items = [
                {
                    "answer": answer,
                    "position": page.start_index() + i,
                    "token": answer_tokens.answer_token(
                        answer_id=answer.pk, consultation_id=consultation.pk
                    ),
                }
                for i, answer in enumerate(page)
            ]
        context = self._context(
            request,
            consultation,
            title=f"{item.number}. {question.text}",
            question=question,
            number=item.number,
            form=form,
            page=page,
            items=items,
            suppressed=suppressed,
            min_group=selectors.MIN_GROUP_SIZE,
            tags=consultation.analyst_tags.all(),
            query=params.urlencode(),
            tag_form=TagForm(),
        )
        return TemplateResponse(request, "consultations/admin/text_answers.html", context)

    def tag_view(self, request, pk, token):
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        consultation = self._analysable(request, pk)
        answer_id = answer_tokens.answer_id_from_token(token, consultation_id=consultation.pk)
        if answer_id is None:
            raise Http404
        answer = get_object_or_404(
            Answer.objects.select_related("response", "question").filter(
                response__consultation=consultation, question__kind__in=["short_text", "long_text"]
            ),
            pk=answer_id,
        )
        form = TagForm(request.POST)
        back = request.POST.get("next", "")
        target = reverse(
            "admin:consultations_consultation_text", args=[consultation.pk, answer.question_id]
        )
        if back.startswith("?") and len(back) < 500:
            target += back
        position = request.POST.get("position", "")
        if position.isdigit() and len(position) < 7:
            target += f"#answer-{int(position)}"
        if form.is_valid():
            services.answer_set_tags(
                answer=answer, names=form.cleaned_data["tags"], by=request.user
            )
            messages.success(request, "Tags saved.")
            return HttpResponseRedirect(target)
        messages.error(request, "; ".join(form.errors["tags"]))
        response = self.text_answers_view(request, pk, answer.question_id)
        response.status_code = 400
        return response

    def csv_view(self, request, pk):
        consultation = self._analysable(request, pk)
        ConsultationEvent.objects.create(
            consultation=consultation, actor=request.user, action="responses exported (CSV)"
        )
        response = HttpResponse(
            "\ufeff" + reports.responses_csv(consultation), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{consultation.slug}-responses.csv"'
        )
        return response

    def pdf_view(self, request, pk):
        consultation = self._analysable(request, pk)
        form, filters = self._filters(request)
        if filters is None:
            return HttpResponse(BAD_FILTER, status=400, content_type="text/plain; charset=utf-8")
        results = selectors.consultation_results(consultation, filters=filters)
        pdf = reports.results_pdf(consultation, results, filter_labels=self._filter_labels(filters))
        ConsultationEvent.objects.create(
            consultation=consultation, actor=request.user, action="results report (PDF)"
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{consultation.slug}-results.pdf"'
        return response
