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


def seed():
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
