"""Every write about a conference's motions and delegates: submitting a motion before the
deadline, the standing orders committee's rulings (accept, composite, out of order with a
reason), recording a delegate, and a delegate registering to vote."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import MembershipStatus

from . import access
from .conference import Composite, Delegate, Motion, MotionStatus, SubmittedFor
from .models import HOLDS_PLACE, Booking, Event, EventKind
from .services import NOT_IN_AUDIENCE, EventRuleError

NOT_A_CONFERENCE = _("Only a conference takes motions.")
MOTIONS_NOT_OPEN = _("This conference is not taking motions.")
MOTIONS_CLOSED = _("The deadline for motions has passed.")
NO_BRANCH = _(
    "Your membership has no workplace, so there is no branch to submit for. Choose your "
    "section, or tell us where you work on your profile."
)
NOT_ACTIVE = _("Only a current member can submit a motion.")
ALREADY_RULED = _("The committee has already ruled on this motion.")
REASON_NEEDED = _("Give the reason the branch or section will read.")
COMPOSITE_NEEDS_TWO = _("A composite is made of at least two motions.")
COMPOSITE_OTHER_CONFERENCE = _("Every motion in a composite must be for this conference.")
COMPOSITE_RULED = _("Only motions waiting for a ruling, or accepted, can be composited.")
NOT_A_DELEGATE = _("Only an elected delegate can register as a voting delegate.")
BOOK_FIRST = _("Book your place at the conference first, then register as a voting delegate.")
ALREADY_REGISTERED = _("You are already registered as a voting delegate.")
DELEGATE_NOT_MEMBER = _("A delegate must be a current member.")
ALREADY_DELEGATE = _("This member is already a delegate to this conference.")

RULINGS = (MotionStatus.ACCEPTED, MotionStatus.OUT_OF_ORDER)


def motions_problem(event: Event, *, now: datetime | None = None):
    """Why this event takes no motion now, or None."""
    now = now or timezone.now()
    if event.kind != EventKind.CONFERENCE:
        return NOT_A_CONFERENCE
    if event.motions_close_at is None or event.is_cancelled:
        return MOTIONS_NOT_OPEN
    if now >= event.motions_close_at:
        return MOTIONS_CLOSED
    return None


def _next_number(model, event: Event) -> int:
    return (model.objects.filter(event=event).aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def motion_submit(
    *,
    user,
    event_id: int,
    submitted_for: str,
    title: str,
    text: str,
    now: datetime | None = None,
) -> Motion:
    event = Event.objects.select_for_update().get(pk=event_id)
    if problem := motions_problem(event, now=now):
        raise EventRuleError(problem)
    membership = access.membership_of(user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise EventRuleError(NOT_ACTIVE)
    if not access.is_in_audience(event, membership):
        raise EventRuleError(NOT_IN_AUDIENCE)
    branch = None
    section = ""
    if submitted_for == SubmittedFor.BRANCH:
        if membership.workplace_id is None:
            raise EventRuleError(NO_BRANCH)
        branch = membership.workplace
    else:
        submitted_for = SubmittedFor.SECTION
        section = membership.section
    return Motion.objects.create(
        event=event,
        number=_next_number(Motion, event),
        title=title,
        text=text,
        submitted_for=submitted_for,
        branch=branch,
        section=section,
        submitted_by=user,
        submitted_at=now or timezone.now(),
    )


def ruling_problem(*, motion: Motion, status: str, reason: str):
    """What is wrong with this ruling, or None (the admin form shows it at its field)."""
    if motion.status != MotionStatus.SUBMITTED:
        return ("status", ALREADY_RULED)
    if status not in RULINGS:
        return ("status", ALREADY_RULED)
    if status == MotionStatus.OUT_OF_ORDER and not reason.strip():
        return ("reason", REASON_NEEDED)
    return None


@transaction.atomic
def motion_rule(
    *, motion: Motion, by, status: str, reason: str = "", now: datetime | None = None
) -> Motion:
    """Accept a motion, or rule it out of order with a reason."""
    motion = Motion.objects.select_for_update().get(pk=motion.pk)
    if problem := ruling_problem(motion=motion, status=status, reason=reason):
        raise EventRuleError(problem[1])
    motion.status = status
    motion.reason = reason.strip() if status == MotionStatus.OUT_OF_ORDER else ""
    motion.ruled_by = by
    motion.ruled_at = now or timezone.now()
    motion.save(update_fields=["status", "reason", "ruled_by", "ruled_at"])
    return motion


def composite_problem(*, event: Event, motions: list[Motion]):
    if len(motions) < 2:
        return COMPOSITE_NEEDS_TWO
    if any(m.event_id != event.pk for m in motions):
        return COMPOSITE_OTHER_CONFERENCE
    if any(m.status not in (MotionStatus.SUBMITTED, MotionStatus.ACCEPTED) for m in motions):
        return COMPOSITE_RULED
    return None


@transaction.atomic
def motion_composite(
    *, event: Event, motion_ids: list[int], by, title: str, text: str, now=None
) -> Composite:
    """Several motions become one composite on the agenda; each is marked composited."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    motions = list(Motion.objects.select_for_update().filter(pk__in=motion_ids))
    if problem := composite_problem(event=event, motions=motions):
        raise EventRuleError(problem)
    now = now or timezone.now()
    composite = Composite.objects.create(
        event=event,
        number=_next_number(Composite, event),
        title=title,
        text=text,
        created_by=by,
        created_at=now,
    )
    Motion.objects.filter(pk__in=[m.pk for m in motions]).update(
        status=MotionStatus.COMPOSITED, composite=composite, reason="", ruled_by=by, ruled_at=now
    )
    return composite


def delegate_problem(*, event: Event, user, exclude_pk=None):
    membership = access.membership_of(user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return DELEGATE_NOT_MEMBER
    if event.kind != EventKind.CONFERENCE:
        return NOT_A_CONFERENCE
    if Delegate.objects.filter(event=event, user=user).exclude(pk=exclude_pk).exists():
        return ALREADY_DELEGATE
    return None


@transaction.atomic
def delegate_record(*, event: Event, user, elected_on, by, branch=None) -> Delegate:
    """An officer records a member their branch elected (the branch: their workplace)."""
    if problem := delegate_problem(event=event, user=user):
        raise EventRuleError(problem)
    membership = access.membership_of(user)
    return Delegate.objects.create(
        event=event,
        user=user,
        branch=branch or membership.workplace,
        elected_on=elected_on,
        recorded_by=by,
    )


def voting_registration_problem(*, event: Event, user):
    delegate = Delegate.objects.filter(event=event, user=user).first()
    if delegate is None:
        return NOT_A_DELEGATE
    if delegate.registered_at is not None:
        return ALREADY_REGISTERED
    if not Booking.objects.filter(event=event, user=user, status__in=HOLDS_PLACE).exists():
        return BOOK_FIRST
    return None


@transaction.atomic
def delegate_register(*, user, event_id: int, now=None) -> Delegate:
    """A delegate with a place registers as a voting delegate."""
    event = Event.objects.get(pk=event_id)
    delegate = Delegate.objects.select_for_update().filter(event=event, user=user).first()
    if problem := voting_registration_problem(event=event, user=user):
        raise EventRuleError(problem)
    delegate.registered_at = now or timezone.now()
    delegate.save(update_fields=["registered_at"])
    return delegate
