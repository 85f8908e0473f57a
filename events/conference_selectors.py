"""Reads about conferences: the agenda, a branch's or section's motions, and what the
conference panel on the event page shows this member."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from .conference import Composite, Delegate, Motion, MotionStatus, SubmittedFor
from .models import HOLDS_PLACE, Booking, Event, EventKind


@dataclass(frozen=True)
class Agenda:
    motions: list[Motion]
    composites: list[Composite]

    @property
    def empty(self) -> bool:
        return not self.motions and not self.composites


def agenda_for(event: Event) -> Agenda:
    """Only what the committee accepted, and the composites (with the motions in each)."""
    accepted = list(
        Motion.objects.filter(event=event, status=MotionStatus.ACCEPTED)
        .select_related("branch")
        .order_by("number")
    )
    composites = list(
        Composite.objects.filter(event=event)
        .prefetch_related(
            Prefetch(
                "motions",
                queryset=Motion.objects.select_related("branch").order_by("number"),
            )
        )
        .order_by("number")
    )
    return Agenda(accepted, composites)


def motions_from(event: Event, membership) -> list[Motion]:
    """The motions of the member's branch (their workplace) and their section."""
    if membership is None:
        return []
    q = Q(submitted_for=SubmittedFor.SECTION, section=membership.section)
    if membership.workplace_id:
        q |= Q(submitted_for=SubmittedFor.BRANCH, branch_id=membership.workplace_id)
    return list(
        Motion.objects.filter(q, event=event)
        .select_related("branch", "composite")
        .order_by("number")
    )


def is_delegate(event: Event, user) -> bool:
    return user.is_authenticated and Delegate.objects.filter(event=event, user=user).exists()


@dataclass(frozen=True)
class Panel:
    event: Event
    motions_open: bool
    delegate: Delegate | None
    holds_place: bool


def panel_for(event: Event, user) -> Panel | None:
    if event.kind != EventKind.CONFERENCE:
        return None
    from .conference_services import motions_problem

    delegate = (
        Delegate.objects.filter(event=event, user=user).first() if user.is_authenticated else None
    )
    holds = (
        delegate is not None
        and Booking.objects.filter(event=event, user=user, status__in=HOLDS_PLACE).exists()
    )
    return Panel(event, motions_problem(event) is None, delegate, holds)
