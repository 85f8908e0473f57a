"""Demo conference business (`make run`): the Leadership conference takes motions until a
month before it, with one motion in each state (waiting, accepted, ruled out of order with
a reason, two composited into one composite), and the demo Leadership member recorded as
their branch's delegate. Safe to run again: nothing is added twice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.accounts.models import User

from .conference import Composite, Delegate, Motion, MotionStatus, SubmittedFor
from .models import Event

CONFERENCE = "leadership-conference-2027"
SOC = "soc@demo.example"
ORGANISER = "events@demo.example"
LEADER = "leader@demo.example"

MOTIONS = [
    (
        "Workload of headteachers in small schools",
        "Conference notes that heads of small schools teach for much of the week. Conference "
        "resolves to campaign for protected leadership time in every school.",
        SubmittedFor.BRANCH,
        MotionStatus.ACCEPTED,
        "",
    ),
    (
        "Inspection and leaders' wellbeing",
        "Conference believes that single-word judgements harm leaders' health. Conference "
        "resolves to press for a report-card system in every nation.",
        SubmittedFor.SECTION,
        MotionStatus.SUBMITTED,
        "",
    ),
    (
        "The union's car park",
        "Conference resolves that the union's head office car park be resurfaced.",
        SubmittedFor.BRANCH,
        MotionStatus.OUT_OF_ORDER,
        "Standing order 12: the maintenance of union premises is for the national executive, "
        "not for conference.",
    ),
    (
        "Funding for business managers' training",
        "Conference resolves to seek funded training for school business managers.",
        SubmittedFor.SECTION,
        MotionStatus.COMPOSITED,
        "",
    ),
    (
        "Professional development for school business leaders",
        "Conference notes the lack of CPD for business leaders and resolves to campaign for "
        "a national programme.",
        SubmittedFor.BRANCH,
        MotionStatus.COMPOSITED,
        "",
    ),
]


def seed() -> None:
    event = Event.objects.filter(slug=CONFERENCE).first()
    leader = User.objects.filter(email=LEADER).select_related("membership").first()
    if event is None or leader is None:
        return
    now = timezone.now()
    if event.motions_close_at is None:
        event.motions_close_at = event.starts_at - timedelta(days=30)
        event.save(update_fields=["motions_close_at"])
    committee = User.objects.filter(email=SOC).first()
    membership = leader.membership
    if not Motion.objects.filter(event=event).exists():
        composite = None
        for number, (title, text, kind, status, reason) in enumerate(MOTIONS, start=1):
            if status == MotionStatus.COMPOSITED and composite is None:
                composite = Composite.objects.create(
                    event=event,
                    number=1,
                    title="Professional development for business leaders",
                    text="Conference notes the lack of funded CPD for school business "
                    "managers and leaders, and resolves to campaign for a national, funded "
                    "programme open to every business leader.",
                    created_by=committee,
                )
            Motion.objects.create(
                event=event,
                number=number,
                title=title,
                text=text,
                submitted_for=kind,
                branch=membership.workplace if kind == SubmittedFor.BRANCH else None,
                section=membership.section if kind == SubmittedFor.SECTION else "",
                submitted_by=leader,
                submitted_at=now - timedelta(days=10 - number),
                status=status,
                reason=reason,
                composite=composite if status == MotionStatus.COMPOSITED else None,
                ruled_by=committee if status != MotionStatus.SUBMITTED else None,
                ruled_at=now - timedelta(days=2) if status != MotionStatus.SUBMITTED else None,
            )
    Delegate.objects.get_or_create(
        event=event,
        user=leader,
        defaults={
            "branch": membership.workplace,
            "elected_on": timezone.localdate() - timedelta(days=20),
            "recorded_by": User.objects.filter(email=ORGANISER).first(),
        },
    )
