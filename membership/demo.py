"""Demo members in every state of membership (`seed_demo`): full rate (the demo member),
part time, on maternity leave, a student (approved) and a student waiting for the officer,
retired, lapsed and resigned; and a first-year teacher. Safe to run again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.accounts import demo as accounts_demo
from portal.accounts import services as account_services
from portal.accounts.choices import Hours, JobRole, MembershipStatus
from portal.accounts.models import Membership, User

from . import services
from .models import LifeEventKind, Reduction, ReductionStatus

# (first, last, employer, town, role, hours, postcode, region, state)
MEMBERS = [
    ("Hannah", "Lewis", "Camden Council", "London", JobRole.TEACHER, "NW1 2RU", "london", "leave"),
    (
        "Tomasz",
        "Nowak",
        "Leeds City Council",
        "Leeds",
        JobRole.TEACHER,
        "LS1 1UR",
        "yorkshire-humber",
        "student",
    ),
    (
        "Amira",
        "Haddad",
        "Learning Together Trust",
        "Birmingham",
        JobRole.TEACHER,
        "B1 1BB",
        "west-midlands",
        "student_waiting",
    ),
    (
        "Gareth",
        "Morris",
        "Cardiff Council",
        "Cardiff",
        JobRole.LECTURER,
        "CF10 4UW",
        "wales",
        "retired",
    ),
    (
        "Ellie",
        "Turner",
        "Riverside Primary School",
        "London",
        JobRole.SUPPORT_STAFF,
        "N1 9GU",
        "london",
        "lapsed",
    ),
    (
        "Marcus",
        "Reid",
        "St Mary's Primary School",
        "Leeds",
        JobRole.TEACHER,
        "LS1 1UR",
        "yorkshire-humber",
        "resigned",
    ),
    (
        "Sofia",
        "Rossi",
        "Riverside Primary School",
        "London",
        JobRole.TEACHER,
        "N1 9GU",
        "london",
        "ect",
    ),
]
PART_TIME_HOURS = Decimal("19.5")  # the demo rep works part time


def _member(first, last, employer, town, role, postcode, region):
    email = f"{first}.{last}".lower() + "@members.demo.example"
    user = accounts_demo._user(email, first, last)
    membership = accounts_demo._membership(
        user, employer, town, role, Hours.FULL_TIME, postcode, region
    )
    return membership


@transaction.atomic
def seed() -> None:
    today = timezone.localdate()
    officer = User.objects.get(email="membership@demo.example")
    rep = Membership.objects.get(user__email="rep@demo.example")
    if not rep.life_events.exists():
        # The demo rep works part time: their hours make the rate pro rata.
        _event(rep, LifeEventKind.HOURS, today, contracted_hours=PART_TIME_HOURS)

    for first, last, employer, town, role, postcode, region, state in MEMBERS:
        membership = _member(first, last, employer, town, role, postcode, region)
        if membership.life_events.exists() or membership.resignations.exists():
            continue
        if membership.status != MembershipStatus.ACTIVE:
            continue
        user = membership.user
        if state == "leave":
            _event(
                membership,
                LifeEventKind.LEAVE,
                today - timedelta(days=20),
                ends_on=today + timedelta(days=200),
                leave_kind="maternity",
            )
        elif state in ("student", "student_waiting"):
            _event(
                membership,
                LifeEventKind.STUDENT,
                today - timedelta(days=5),
                ends_on=today + timedelta(days=300),
                evidence_note="My university enrolment letter",
            )
            if state == "student":
                reduction = Reduction.objects.get(
                    membership=membership, status=ReductionStatus.PENDING
                )
                services.reduction_decide(actor=officer, reduction=reduction, approve=True)
        elif state == "retired":
            _event(membership, LifeEventKind.RETIRING, today - timedelta(days=10))
        elif state == "ect":
            _event(membership, LifeEventKind.ECT, today - timedelta(days=15))
        elif state == "lapsed":
            account_services.membership_set_status_bulk(
                memberships=Membership.objects.filter(pk=membership.pk),
                status=MembershipStatus.LAPSED,
            )
        elif state == "resigned":
            services.membership_resign(
                actor=user,
                membership=membership,
                reason="cost",
                today=today - timedelta(days=45),
            )
    services.resignations_apply_due(today=today)


def _event(membership, kind, effective_on, **data):
    plan = services.life_event_plan(
        membership=membership, kind=kind, data={"effective_on": effective_on, **data}
    )
    return services.life_event_record(actor=membership.user, membership=membership, plan=plan)
