"""Who may see, book and organise which event: the one place that decides it.

The audience means what it means for consultations (`consultations.rules.is_in_audience`)
and communications (`communications.selectors.audience_for`): an *active* membership that
matches every condition that is set (section, nation, region, reps only); no condition
means every active member. `is_in_audience` answers for one member in Python,
`audience_q` is the same rule as SQL for the list, and `audience_members` for the admin's
counts; tests/events/test_access.py checks that the three agree for every demo member.

An event outside a member's audience does not exist for them: the same 404 as an unknown
slug. Organisers (the role's `events.view_event`) see every event in the admin; the
dietary and access needs of a booking only the organisers named on that event.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership, User

from .models import Booking, BookingNeeds, Event, EventStatus


def membership_of(user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def is_in_audience(event: Event, membership: Membership | None) -> bool:
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return False
    if event.audience_section and membership.section != event.audience_section:
        return False
    if event.audience_nation and membership.nation != event.audience_nation:
        return False
    if event.audience_region_id and membership.region_id != event.audience_region_id:
        return False
    return not (event.audience_reps_only and not membership.is_rep)


def audience_q(membership: Membership | None, prefix: str = "") -> Q:
    """The events whose audience includes this member, as a filter on Event."""
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return Q(pk__in=[])

    def f(name, value):
        return Q(**{f"{prefix}{name}": value})

    q = (f("audience_section", "") | f("audience_section", membership.section)) & (
        f("audience_nation", "") | f("audience_nation", membership.nation)
    )
    q &= f("audience_region__isnull", True) | f("audience_region", membership.region_id)
    if not membership.is_rep:
        q &= f("audience_reps_only", False)
    return q


def audience_members(event: Event) -> QuerySet[Membership]:
    """Every membership in the event's audience (the admin's count)."""
    members = Membership.objects.filter(status=MembershipStatus.ACTIVE, user__is_active=True)
    if event.audience_section:
        members = members.filter(section=event.audience_section)
    if event.audience_nation:
        members = members.filter(nation=event.audience_nation)
    if event.audience_region_id:
        members = members.filter(region_id=event.audience_region_id)
    if event.audience_reps_only:
        members = members.filter(is_rep=True)
    return members


def is_organiser(user, event: Event | None = None) -> bool:
    """An events organiser (the role's permission); for one event's needs and register,
    also named among that event's organisers."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return False
    if not user.has_perm("events.view_event"):
        return False
    if event is None:
        return True
    return event.organisers.filter(pk=user.pk).exists()


def events_for_member(user) -> QuerySet[Event]:
    """Events a member may see and book: scheduled and in their audience (any date)."""
    membership = membership_of(user)
    return Event.objects.filter(audience_q(membership), status=EventStatus.SCHEDULED)


def get_event_for(user, slug: str) -> Event:
    """The event at this slug if this person may see it: in their audience (a cancelled
    one too, if they had booked it, so that they read that it is cancelled), or an events
    organiser. Otherwise the same 404 as for an unknown slug."""
    event = Event.objects.select_related("audience_region").filter(slug=slug).first()
    if event is None:
        raise Http404
    if is_organiser(user):
        return event
    membership = membership_of(user)
    if not is_in_audience(event, membership):
        raise Http404
    if event.status == EventStatus.CANCELLED and not (
        Booking.objects.filter(event=event, user=user).exists()
    ):
        raise Http404
    return event


def events_admin_queryset(user) -> QuerySet[Event]:
    if user.is_superuser or is_organiser(user):
        return Event.objects.all()
    return Event.objects.none()


def bookings_admin_queryset(user) -> QuerySet[Booking]:
    if user.is_superuser or is_organiser(user):
        return Booking.objects.all()
    return Booking.objects.none()


def needs_visible_to(user) -> QuerySet[BookingNeeds]:
    """Dietary and access needs: only the organisers named on the booking's event (not
    superusers, not other staff)."""
    if not is_organiser(user):
        return BookingNeeds.objects.none()
    return BookingNeeds.objects.filter(booking__event__organisers=user)


def may_take_register(user, event: Event) -> bool:
    return is_organiser(user, event) and user.has_perm("events.change_booking")


def booked_users(event: Event) -> QuerySet[User]:
    from .models import HOLDS_PLACE

    return User.objects.filter(
        event_bookings__event=event, event_bookings__status__in=HOLDS_PLACE
    ).distinct()
