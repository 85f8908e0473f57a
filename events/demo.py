"""Demo events (`make run`): the Leadership conference (Leadership only: leader@ sees it,
member@ does not), a rep training course (reps only), a webinar (online), a London branch
meeting, a full course with people waiting, and a past course member@ attended. Safe to run
again: events are found by slug, bookings by member."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts.choices import Section
from portal.accounts.models import Region, User

from .models import Booking, BookingStatus, Event, EventKind, EventSession

ORGANISER = "events@demo.example"
FULL_COURSE_BOOKED = [
    "chloe.wilson@members.demo.example",
    "fiona.campbell@members.demo.example",
    "niamh.oneill@members.demo.example",
]
FULL_COURSE_WAITING = ["daniel.hughes@members.demo.example"]


def _at(now, days: int, hour: int):
    day = timezone.localtime(now) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _event(slug, now, *, days, hours=3, start_hour=10, sessions=(), **fields) -> Event:
    starts = _at(now, days, start_hour)
    defaults = {
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=hours),
        "booking_opens_at": _at(now, min(days, 0) - 30, 9),
        "booking_closes_at": starts - timedelta(hours=12),
        **fields,
    }
    event, created = Event.objects.get_or_create(slug=slug, defaults=defaults)
    if created:
        for title, offset_hours, length in sessions:
            EventSession.objects.create(
                event=event,
                title=title,
                starts_at=starts + timedelta(hours=offset_hours),
                ends_at=starts + timedelta(hours=offset_hours + length),
            )
    organiser = User.objects.filter(email=ORGANISER).first()
    if organiser is not None:
        event.organisers.add(organiser)
    return event


def _book(event: Event, email: str, status: str, now) -> None:
    user = User.objects.filter(email=email).first()
    if user is None or Booking.objects.filter(event=event, user=user).exists():
        return
    if status == BookingStatus.WAITING:
        Booking.objects.create(
            event=event, user=user, status=status, waiting_since=now, created_at=now
        )
        return
    taken = set(
        Booking.objects.filter(event=event, place__isnull=False).values_list("place", flat=True)
    )
    place = next(n for n in range(1, event.capacity + 1) if n not in taken)
    Booking.objects.create(
        event=event,
        user=user,
        status=status,
        place=place,
        created_at=event.booking_opens_at,
        booked_at=event.booking_opens_at,
        attended_at=event.starts_at if status == BookingStatus.ATTENDED else None,
    )


@transaction.atomic
def seed() -> None:
    now = timezone.now()
    london = Region.objects.filter(slug="london").first()
    _event(
        "leadership-conference-2027",
        now,
        days=75,
        hours=31,
        start_hour=9,
        title="Leadership conference 2027",
        kind=EventKind.CONFERENCE,
        summary="Two days for heads, deputies, principals and business leaders: policy, "
        "workload, governance and the union's priorities for school leaders.",
        description="Keynotes from the union's Leadership section, workshops on leading "
        "through restructures and inspections, and the section's annual meeting.",
        venue="Cardiff City Hall",
        address="Cathays Park\nCardiff\nCF10 3ND",
        access_information="Step-free entrance on the north side, lifts to every floor, "
        "hearing loop in the main hall, a quiet room on the first floor.",
        nation="wales",
        capacity=300,
        audience_section=Section.LEADERSHIP,
        sessions=(
            ("Day 1: keynotes and workshops", 0, 8),
            ("Day 2: section annual meeting", 24, 7),
        ),
    )
    _event(
        "rep-training-foundation",
        now,
        days=21,
        hours=6,
        start_hour=9,
        title="Workplace rep training: foundation course",
        kind=EventKind.REP_TRAINING,
        summary="The first course for new workplace reps: your rights as a rep, supporting "
        "a colleague at a meeting, and organising at your school.",
        venue="Union office, London",
        address="1 Example Street\nLondon\nWC1A 1AA",
        access_information="Step-free access, accessible toilet on the ground floor.",
        nation="england",
        capacity=20,
        audience_reps_only=True,
    )
    _event(
        "webinar-workload-2027",
        now,
        days=10,
        hours=1,
        start_hour=16,
        title="Webinar: workload and your rights",
        kind=EventKind.WEBINAR,
        summary="An hour with the union's advisers on directed time, cover and what to do "
        "when workload becomes unmanageable. Questions welcome.",
        online=True,
        joining_link="https://meet.example/union-workload-webinar",
        capacity=500,
    )
    _event(
        "london-branch-meeting-spring",
        now,
        days=14,
        hours=2,
        start_hour=18,
        title="London branch meeting",
        kind=EventKind.BRANCH_MEETING,
        summary="The branch's termly meeting: pay, the branch's motions to conference and "
        "electing delegates.",
        venue="Camden Community Centre",
        address="20 Example Road\nLondon\nNW1 1AA",
        access_information="Step-free access through the side entrance; hearing loop.",
        nation="england",
        capacity=60,
        audience_region=london,
    )
    full = _event(
        "course-managing-behaviour",
        now,
        days=28,
        hours=5,
        start_hour=10,
        title="Course: managing behaviour in the classroom",
        kind=EventKind.COURSE,
        summary="A practical day on behaviour policies, de-escalation and support for "
        "staff, led by experienced teachers. Counts towards your CPD.",
        venue="Leeds Civic Hall",
        address="Calverley Street\nLeeds\nLS1 1UR",
        access_information="Step-free access, lifts, accessible toilets.",
        nation="england",
        capacity=3,
    )
    for email in FULL_COURSE_BOOKED:
        _book(full, email, BookingStatus.BOOKED, now)
    for email in FULL_COURSE_WAITING:
        _book(full, email, BookingStatus.WAITING, now)
    past = _event(
        "course-assessment-for-learning",
        now,
        days=-40,
        hours=6,
        start_hour=9,
        title="Course: assessment for learning",
        kind=EventKind.COURSE,
        summary="A day on formative assessment, feedback that moves learning on and "
        "reducing marking workload.",
        venue="Union office, London",
        address="1 Example Street\nLondon\nWC1A 1AA",
        nation="england",
        capacity=25,
    )
    _book(past, "member@demo.example", BookingStatus.ATTENDED, now)
    # The conference's motions, composite and delegate (events/conference_demo.py).
    from .conference_demo import seed as seed_conference

    seed_conference()
