"""A conference's pages for members: its agenda (accepted motions and composites), the
motions a member's branch or section submitted and the form to submit one before the
deadline, and the voting-delegate registration that only elected delegates see. Each page
finds the conference through `events.access.get_event_for` (outside the audience: 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.choices import Section

from . import access, conference_selectors, conference_services
from .conference_forms import MotionForm
from .models import EventKind
from .services import EventRuleError


def _conference(user, slug):
    event = access.get_event_for(user, slug)
    if event.kind != EventKind.CONFERENCE:
        raise Http404
    return event


@login_required
@require_GET
def agenda(request, slug):
    event = _conference(request.user, slug)
    return render(
        request,
        "events/agenda.html",
        {
            "event": event,
            "agenda": conference_selectors.agenda_for(event),
            "panel": conference_selectors.panel_for(event, request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def motions(request, slug):
    event = _conference(request.user, slug)
    membership = access.membership_of(request.user)
    names = {
        "branch_name": membership.workplace.name if membership and membership.workplace else "",
        "section_name": Section(membership.section).label if membership else "",
    }
    problem = conference_services.motions_problem(event)
    status = 200
    form = MotionForm(**names)
    if request.method == "POST":
        form = MotionForm(request.POST, **names)
        if form.is_valid():
            try:
                motion = conference_services.motion_submit(
                    user=request.user, event_id=event.pk, **form.cleaned_data
                )
            except EventRuleError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Motion %(number)s is submitted. "
                        "The standing orders committee will rule on it."
                    )
                    % {"number": motion.number},
                )
                return redirect("events:motions", slug=event.slug)
        status = 400
    context = {
        "event": event,
        "form": form,
        "problem": problem,
        "submitted": conference_selectors.motions_from(event, membership),
    }
    return render(request, "events/motions.html", context, status=status)


@login_required
@require_POST
def delegate_register(request, slug):
    event = _conference(request.user, slug)
    if not conference_selectors.is_delegate(event, request.user):
        raise Http404
    try:
        conference_services.delegate_register(user=request.user, event_id=event.pk)
    except EventRuleError as error:
        messages.error(request, error.message)
        return render(
            request,
            "events/agenda.html",
            {
                "event": event,
                "agenda": conference_selectors.agenda_for(event),
                "panel": conference_selectors.panel_for(event, request.user),
                "problem": error.message,
            },
            status=400,
        )
    messages.success(request, _("You are registered as a voting delegate."))
    return redirect(event.get_absolute_url())
