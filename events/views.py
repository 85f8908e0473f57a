"""Member pages: the events a member may book, one event with its booking form, and the
booked member's calendar file. Thin: access.py decides who sees what, services.py writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.middleware import staff_mfa_required

from . import access, selectors, services
from .forms import ACTIONS, BookingForm, EventFilterForm
from .ics import booking_ics
from .models import BookingStatus

PER_PAGE = 20
UNKNOWN_ACTION = _("Choose what to do: book, join the waiting list, accept or cancel.")
DONE = {
    "book": _("Your place is booked. We have emailed you the details and a calendar file."),
    "waitlist": _(
        "You are on the waiting list. If a place is freed, we offer it to you by email "
        "and hold it for 48 hours."
    ),
    "cancel": _("Cancelled. If you had a place, it goes to the next person waiting."),
    "accept": _("The place is yours. We have emailed you the details and a calendar file."),
}


@login_required
@require_GET
def event_list(request):
    form = EventFilterForm(request.GET or None)
    context = {"form": form, "has_membership": access.membership_of(request.user) is not None}
    if request.GET and not form.is_valid():
        return render(request, "events/list.html", context, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    events = selectors.events_list(
        user=request.user,
        kind=filters.get("kind", ""),
        from_date=filters.get("from_date"),
        nation=filters.get("nation", ""),
        online=filters.get("online", ""),
    )
    paginator = Paginator(events, PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404 from error
    items = list(page.object_list)
    ids = [e.pk for e in items]
    mine = selectors.my_bookings(request.user, ids)
    counts = selectors.place_counts(ids)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        page=page,
        rows=[
            {
                "event": e,
                "booking": mine.get(e.pk),
                "free": e.capacity - counts.get(e.pk, {}).get("taken", 0),
                "waiting": counts.get(e.pk, {}).get("waiting", 0),
            }
            for e in items
        ],
        query=query.urlencode(),
    )
    return render(request, "events/list.html", context)


def _detail(request, event, *, form=None, status=200, problem=None):
    state = selectors.event_state(event, request.user)
    membership = access.membership_of(request.user)
    context = {
        "event": event,
        "sessions": list(event.sessions.all()),
        "state": state,
        "form": form or BookingForm(ask_needs=event.ask_needs),
        "problem": problem,
        "booking_problem": services.booking_problem(event=event, user=request.user),
        "in_audience": access.is_in_audience(event, membership),
        "holds_place": state.booking is not None and state.booking.holds_place,
        "offered": state.booking is not None and state.booking.status == BookingStatus.OFFERED,
    }
    return render(request, "events/detail.html", context, status=status)


@staff_mfa_required  # organisers open events outside their own audience
@login_required
@require_http_methods(["GET", "POST"])
def event_detail(request, slug):
    event = access.get_event_for(request.user, slug)
    if request.method == "GET":
        return _detail(request, event)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _detail(request, event, status=400, problem=UNKNOWN_ACTION)
    form = BookingForm(request.POST, ask_needs=event.ask_needs)
    if action != "cancel" and not form.is_valid():
        return _detail(request, event, form=form, status=400)
    data = form.cleaned_data if action != "cancel" else {}
    needs = {"dietary": data.get("dietary", ""), "access_needs": data.get("access_needs", "")}
    try:
        if action == "book":
            services.booking_book(user=request.user, event_id=event.pk, **needs)
        elif action == "waitlist":
            services.waiting_list_join(user=request.user, event_id=event.pk, **needs)
        elif action == "accept":
            services.offer_accept(user=request.user, event_id=event.pk, **needs)
        else:
            services.booking_cancel(user=request.user, event_id=event.pk)
    except services.EventRuleError as error:
        return _detail(request, event, form=form, status=400, problem=error.message)
    messages.success(request, DONE[action])
    return redirect(event.get_absolute_url())


@login_required
@require_GET
def event_calendar(request, slug):
    """The .ics for a member with a place; anyone else: not found."""
    event = access.get_event_for(request.user, slug)
    booking = selectors.my_bookings(request.user, [event.pk]).get(event.pk)
    if booking is None or not booking.holds_place:
        raise Http404
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response
