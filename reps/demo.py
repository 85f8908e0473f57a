"""Demo reps: Sam Patel (rep@) is the confirmed workplace rep at Maya Okafor's school, some
colleagues there agreed to hear from their rep, Sam looked at Maya's membership once and
counted the school's staff twice (density); Sofia Rossi has volunteered as health and safety
rep (waiting for the regional office); and Sam's message to the colleagues who agreed to hear
from their rep waits for the regional office."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts import services as account_services
from portal.accounts.choices import Channel, CommunicationKind
from portal.accounts.models import Membership, User

from . import services
from .models import (
    Headcount,
    RepAccess,
    RepAccessKind,
    RepKind,
    RepMessage,
    RepRole,
    RepStatus,
    RepTraining,
)

AGREE_TO_REP_CONTACT = [
    "member@demo.example",
    "respondent01@members.demo.example",
    "respondent14@members.demo.example",
]
VOLUNTEER = "sofia.rossi@members.demo.example"


@transaction.atomic
def seed() -> None:
    rep = Membership.objects.select_related("workplace", "user").get(user__email="rep@demo.example")
    workplace = rep.workplace
    officer = User.objects.filter(email="caseworker@demo.example").first()
    role, created = RepRole.objects.get_or_create(
        membership=rep,
        workplace=workplace,
        kind=RepKind.WORKPLACE,
        status=RepStatus.CONFIRMED,
        defaults={
            "elected_on": date(2025, 9, 15),
            "accredited_until": timezone.localdate() + timedelta(days=700),
            "confirmed_by": officer,
            "confirmed_at": timezone.now(),
            "decided_at": timezone.now(),
        },
    )
    services.rep_flag_sync(membership=rep)
    RepTraining.objects.get_or_create(
        membership=rep,
        title="Workplace reps: stage 1",
        defaults={"completed_on": date(2025, 11, 20)},
    )
    for email in AGREE_TO_REP_CONTACT:
        user = User.objects.filter(email=email).first()
        if user is not None:
            account_services.consent_set(
                user=user,
                granted={(CommunicationKind.REP_CONTACT, Channel.EMAIL)},
                kinds=[CommunicationKind.REP_CONTACT],
                source="demo",
            )
    maya = User.objects.get(email="member@demo.example")
    if not RepAccess.objects.filter(member=maya, viewer=rep.user).exists():
        RepAccess.objects.create(
            member=maya,
            viewer=rep.user,
            workplace=workplace,
            kind=RepAccessKind.MEMBER,
            at=timezone.now() - timedelta(days=3),
        )
    volunteer = Membership.objects.filter(user__email=VOLUNTEER, workplace=workplace).first()
    if volunteer is not None:
        RepRole.objects.get_or_create(
            membership=volunteer,
            workplace=workplace,
            kind=RepKind.HEALTH_SAFETY,
            status=RepStatus.VOLUNTEERED,
        )
    services.rep_invite_current(role=role)
    # A message to colleagues, waiting for the regional office (caseworker@ approves it).
    if not RepMessage.objects.filter(created_by=rep.user).exists():
        services.rep_message_submit(
            rep=rep.user,
            workplace_id=workplace.pk,
            subject="Workload survey: meeting on Thursday",
            body=(
                "Dear {first_name},\n\nThank you to everyone who filled in the workload "
                "survey. We meet in the library at 3.45pm on Thursday to go through the "
                "results and agree what to ask the head for.\n\nSam"
            ),
        )
    # Two headcounts half a year apart: the density page has a history.
    today = timezone.localdate()
    for counted_on, teachers, support in ((today - timedelta(days=182), 22, 9), (today, 24, 10)):
        for section, headcount in (("teachers", teachers), ("support", support)):
            Headcount.objects.update_or_create(
                workplace=workplace,
                section=section,
                counted_on=counted_on,
                defaults={"headcount": headcount, "entered_by": rep.user},
            )
