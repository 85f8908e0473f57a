"""Member pages: the list of consultations and one consultation with its form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from portal.middleware import staff_mfa_required

from . import rules, selectors, services
from .forms import ResponseForm
from .models import Phase, QuestionKind, ResponseStatus

UNKNOWN_ACTION = gettext_noop("Choose to save a draft or to submit your response.")
DRAFT_SAVED = gettext_noop(
    "Your draft is saved. Come back to finish it before the consultation closes."
)
SUBMITTED = gettext_noop(
    "Thank you: your response is submitted. You can change it until the consultation closes."
)
CHANGES_SAVED = gettext_noop("Your changes are saved.")
ACTIONS = {"save_draft", "submit"}


@require_GET
def consultation_list(request):
    context = {}
    if request.user.is_authenticated:
        context["lists"] = selectors.consultations_for_member(request.user)
        context["has_membership"] = hasattr(request.user, "membership")
    else:
        context["visitor_open"] = list(selectors.consultations_open_to_visitors())
    return render(request, "consultations/list.html", context)


def _answer_rows(questions, answers):
    """A response as the member reads it back: every question the answers showed."""
    visible = rules.visible_question_ids([nq.question for nq in questions], answers)
    rows = []
    for nq in questions:
        q = nq.question
        if q.pk not in visible:
            continue
        value = answers.get(q.pk)
        if rules.is_empty(value):
            shown = []
        elif isinstance(value, list):
            shown = [q.option_label(v) for v in value]
        else:
            shown = [
                value
                if q.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
                else q.option_label(value)
            ]
        rows.append({"nq": nq, "values": shown, "is_text": q.is_text})
    return rows


@staff_mfa_required  # staff preview drafts and consultations outside their audience
@require_http_methods(["GET", "POST"])
def consultation_detail(request, slug):
    viewer = selectors.consultation_for_viewer(request.user, slug)
    consultation = viewer.consultation
    now = timezone.now()
    phase = consultation.phase(now)
    questions = selectors.numbered_questions(consultation)
    response = selectors.member_response(request.user, consultation) if viewer.eligible else None
    can_answer = viewer.eligible and phase == Phase.OPEN
    submitted = response is not None and response.status == ResponseStatus.SUBMITTED
    form = None
    status = 200

    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        action = request.POST.get("action", "")
        if not viewer.eligible:
            messages.error(request, _(services.NOT_ELIGIBLE))
            status = 403
        elif action not in ACTIONS:
            messages.error(request, _(UNKNOWN_ACTION))
            status = 400
        elif not can_answer:
            messages.error(
                request,
                _(services.CLOSED if phase in (Phase.CLOSED, Phase.OUTCOME) else services.NOT_OPEN),
            )
            status = 400
        else:
            submitting = action == "submit" or submitted
            form = ResponseForm(
                request.POST,
                consultation=consultation,
                questions=questions,
                submitting=submitting,
            )
            if form.is_valid():
                try:
                    services.response_save(
                        consultation=consultation,
                        user=request.user,
                        answers=form.answers(),
                        quote_consent=form.cleaned_data.get("quote_consent") or "",
                        submit=submitting,
                        now=now,
                        questions=[nq.question for nq in questions],
                    )
                except services.ConsultationError as error:
                    form.add_error(None, _(error.message))
                    status = 400
                else:
                    if submitted:
                        messages.success(request, _(CHANGES_SAVED))
                    elif submitting:
                        messages.success(request, _(SUBMITTED))
                    else:
                        messages.success(request, _(DRAFT_SAVED))
                    return redirect(consultation.get_absolute_url())
            else:
                status = 400

    # The saved answers are read only for a page that shows them, not before a redirect.
    saved = selectors.response_answers(response)
    if form is None and can_answer:
        initial = selectors.form_initial(questions, saved)
        if response is not None and response.quote_consent:
            initial["quote_consent"] = response.quote_consent
        form = ResponseForm(consultation=consultation, questions=questions, initial=initial)
    context = {
        "consultation": consultation,
        "phase": phase,
        "Phase": Phase,
        "viewer": viewer,
        "questions": questions,
        "response": response,
        "submitted": submitted,
        "form": form,
        "answer_rows": _answer_rows(questions, saved) if response is not None else [],
    }
    return render(request, "consultations/detail.html", context, status=status)
