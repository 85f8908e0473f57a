"""Demo CPD: the demo member's own entries (idempotent: `make run` twice adds nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from portal.accounts.models import User

from .models import CPDEntry

ENTRIES = [
    (
        "Reading group: phonics and early reading",
        "Riverside Primary School",
        40,
        Decimal("3"),
        "We read the new guidance together. I will try the decodable readers with my Year 1 "
        "group and compare their reading logs at half term.",
    ),
    (
        "Online course: adaptive teaching for pupils with SEND",
        "Open University",
        75,
        Decimal("6.5"),
        "Good on scaffolding without lowering expectations. I have planned two lessons with "
        "the SENCo using the ideas.",
    ),
]


ATTENDED_COURSE = "course-assessment-for-learning"
ATTENDED_OUTCOMES = (
    "Plan questions that show what each pupil understands.\n"
    "Give feedback pupils act on, without written marking on every piece.\n"
    "Use hinge questions and exit tickets to decide the next lesson."
)


def seed():
    from events.models import Event

    # The past course the demo member attended (events/demo.py): its CPD hours and
    # learning outcomes, for the record and the certificate.
    Event.objects.filter(slug=ATTENDED_COURSE, learning_outcomes="").update(
        learning_outcomes=ATTENDED_OUTCOMES, cpd_hours=Decimal("5.5")
    )
    member = User.objects.filter(email="member@demo.example").first()
    if member is None:
        return
    today = timezone.localdate()
    for title, provider, days_ago, hours, reflection in ENTRIES:
        CPDEntry.objects.get_or_create(
            user=member,
            title=title,
            defaults={
                "provider": provider,
                "done_on": today - timedelta(days=days_ago),
                "hours": hours,
                "reflection": reflection,
            },
        )
