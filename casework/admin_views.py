"""The case screen's pages of their own in the admin: write a letter, "My deadlines",
saving a view of the queue. Each is a thin view over the services; the access rule is
casework.access."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, deadlines, selectors, services
from .forms import (
    LetterChooseForm,
    LetterFileForm,
)
from .letters import letter_text
from .models import (
    FollowUp,
)
from .queue import (
    TRIBUNAL_FLAG_DAYS,
)
from .queue_views import clean_query, queue_view_delete, queue_view_save
from .selectors import (
    officer_deadlines,
)


def queue_views_view(model_admin, request):
    """Save the queue's current filters as a named view, or delete a saved view."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not access.is_case_officer(request.user):
        raise PermissionDenied
    queue = reverse("admin:casework_case_changelist")
    if request.POST.get("action") == "delete":
        if not queue_view_delete(officer=request.user, view_id=request.POST.get("view")):
            raise Http404(_("No saved view found."))
        messages.success(request, _("The view is deleted."))
        return HttpResponseRedirect(queue)
    query = request.POST.get("query", "")
    try:
        view = queue_view_save(
            officer=request.user,
            name=request.POST.get("name", ""),
            query=query,
            allowed=model_admin.queue_parameters(),
        )
    except ValidationError as error:
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("The view was not saved"),
            "errors": [str(e) for words in error.message_dict.values() for e in words],
            "back_url": f"{queue}?{clean_query(query, model_admin.queue_parameters())}",
        }
        return TemplateResponse(
            request, "admin/casework/case/queue_view_error.html", context, status=400
        )
    messages.success(request, _("View “%s” saved.") % view.name)
    return HttpResponseRedirect(f"{queue}?{view.query}")


def letter_view(model_admin, request, object_id):
    """Write a letter from a template: GET chooses the template and shows its text filled
    in from the case, to edit; POST files it (services.case_file_letter). Bad input is
    answered 400 with the form's errors, and nothing is filed."""
    case = access.get_case_for_officer(request.user, object_id)
    try:
        services.check_officer_can_work(request.user, case)
    except PermissionDenied:
        raise Http404(access.NOT_FOUND) from None
    status = 200
    file_form = None
    template = None
    if request.method == "POST":
        file_form = LetterFileForm(request.POST)
        choose_form = LetterChooseForm(auto_id="choose_%s")
        if file_form.is_valid():
            c = file_form.cleaned_data
            template = c["template"]
            try:
                services.case_file_letter(
                    case=case,
                    by=request.user,
                    template=template,
                    body=c["body"],
                    share=c["share"],
                    request=request,
                )
            except ValidationError as error:
                for step, words in error.message_dict.items():
                    for word in words:
                        file_form.add_error(step if step in file_form.fields else None, word)
            else:
                model_admin.message_user(
                    request, f"The letter “{template.title}” is filed on the timeline."
                )
                return HttpResponseRedirect(reverse("admin:casework_case_change", args=[case.pk]))
        template = file_form.cleaned_data.get("template")
        status = 400
    elif "template" in request.GET:
        choose_form = LetterChooseForm(request.GET, auto_id="choose_%s")
        if choose_form.is_valid():
            template = choose_form.cleaned_data["template"]
            try:
                body = letter_text(case=case, officer=request.user, body=template.body)
            except ValidationError as error:
                choose_form.add_error("template", error)
                status = 400
            else:
                file_form = LetterFileForm(initial={"template": template, "body": body})
        else:
            status = 400
    else:
        choose_form = LetterChooseForm(auto_id="choose_%s")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Write a letter",
        "subtitle": case.reference,
        "opts": model_admin.model._meta,
        "case": case,
        "case_url": reverse("admin:casework_case_change", args=[case.pk]),
        "letter_url": reverse("admin:casework_case_letter", args=[case.pk]),
        "choose_form": choose_form,
        "file_form": file_form,
        "template": template,
    }
    return TemplateResponse(request, "admin/casework/case/letter.html", context, status=status)


def deadlines_view(model_admin, request):
    """The officer's next 60 days (hearings, follow-ups, tribunal limits) and their
    calendar feed. POST: tick off a follow-up, or create, reset or revoke the feed."""
    if not access.is_case_officer(request.user):
        raise PermissionDenied
    url = reverse("admin:casework_case_deadlines")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "feed_reset":
            services.calendar_feed_reset(user=request.user)
            model_admin.message_user(
                request, "Your calendar link is ready: the old one (if any) no longer works."
            )
        elif action == "feed_revoke":
            services.calendar_feed_revoke(user=request.user)
            model_admin.message_user(request, "Your calendar link no longer works.")
        elif action == "follow_up_done":
            follow_up_id = request.POST.get("follow_up", "")
            follow_up = None
            if follow_up_id.isdigit():
                # The officer's own open follow-ups only; anything else is not found.
                follow_up = FollowUp.objects.filter(
                    pk=int(follow_up_id), officer=request.user, done_at__isnull=True
                ).first()
            if follow_up is None:
                raise Http404(access.NOT_FOUND)
            case = access.get_case_for_officer(request.user, follow_up.case_id)
            services.follow_up_mark_done(case=case, follow_up_id=follow_up.pk, by=request.user)
            model_admin.message_user(request, f"Follow-up on {case.reference} done.")
        else:
            return HttpResponse("Unknown action.", status=400, content_type="text/plain")
        return HttpResponseRedirect(url)
    today = timezone.localdate()
    items = officer_deadlines(request.user, today=today, days=60)
    feed = getattr(request.user, "calendar_feed", None)
    if feed is not None and feed.revoked_at is not None:
        feed = None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "My deadlines",
        "opts": model_admin.model._meta,
        "today": today,
        "rows": [
            {
                "item": item,
                "left": deadlines.days_left_words(item.on, today),
                "soon": (item.on - today).days <= TRIBUNAL_FLAG_DAYS,
            }
            for item in items
        ],
        "capped": any(
            n >= selectors.DEADLINES_PER_KIND for n in Counter(i.kind for i in items).values()
        ),
        "per_kind": selectors.DEADLINES_PER_KIND,
        "feed_url": request.build_absolute_uri(reverse("casework_calendar_feed", args=[feed.token]))
        if feed
        else None,
        "queue_url": reverse("admin:casework_case_changelist"),
    }
    return TemplateResponse(request, "admin/casework/case/deadlines.html", context)
