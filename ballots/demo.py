"""Demo ballots: one open indicative ballot for the demo member's workplace, and one closed
survey of every member with its results. Idempotent (keyed by the question)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.accounts.models import User

from . import services
from .models import Audience, Ballot, BallotKind, BallotStatus, Elector

OPEN_QUESTION = "Would you support action short of a strike over the new marking policy?"
CLOSED_QUESTION = "Is your workload manageable this term?"


def _officers() -> tuple[User, User]:
    return (
        User.objects.get(email="ballots@demo.example"),
        User.objects.get(email="ballots2@demo.example"),
    )


def _make(*, question, kind, audience, options, opens_at, closes_at, **audience_fields) -> Ballot:
    writer, approver = _officers()
    ballot = Ballot(
        question=question,
        kind=kind,
        audience=audience,
        opens_at=opens_at,
        closes_at=closes_at,
        **audience_fields,
    )
    ballot = services.ballot_save(ballot=ballot, by=writer, options=options)
    Ballot.objects.filter(pk=ballot.pk).update(
        status=BallotStatus.APPROVED, approved_by=approver, approved_at=opens_at
    )
    services.ballot_open(ballot=ballot, now=opens_at)
    ballot.refresh_from_db()
    return ballot


def seed() -> None:
    now = timezone.now()
    member = User.objects.select_related("membership").get(email="member@demo.example")
    if not Ballot.objects.filter(question=OPEN_QUESTION).exists():
        ballot = _make(
            question=OPEN_QUESTION,
            kind=BallotKind.INDICATIVE,
            audience=Audience.WORKPLACE,
            audience_workplace_id=member.membership.workplace_id,
            options=["Yes", "No"],
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=21),
        )
        rep = User.objects.get(email="rep@demo.example")
        if Elector.objects.filter(ballot=ballot, user=rep).exists():
            yes = ballot.options.get(position=1)
            services.ballot_vote(ballot_id=ballot.pk, user=rep, option_id=yes.pk)
    if not Ballot.objects.filter(question=CLOSED_QUESTION).exists():
        opens = now - timedelta(days=30)
        ballot = _make(
            question=CLOSED_QUESTION,
            kind=BallotKind.SURVEY,
            audience=Audience.EVERYONE,
            options=["Yes", "Mostly", "No"],
            opens_at=opens,
            closes_at=now - timedelta(days=9),
        )
        options = list(ballot.options.all())
        electors = Elector.objects.filter(ballot=ballot).select_related("user").order_by("pk")
        for i, elector in enumerate(electors):
            if i % 5 == 4:
                continue  # not everyone votes
            services.ballot_vote(
                ballot_id=ballot.pk,
                user=elector.user,
                option_id=options[(i * 7) % 3].pk,
                now=opens + timedelta(days=1 + i % 10),
            )
