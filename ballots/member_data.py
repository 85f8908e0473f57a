"""Ballots' part of the member's data export: the ballots they were an elector of and
whether, and on which day, they voted. How they voted is stored nowhere with their name,
and their receipt code was shown to them once and kept nowhere with it, so neither can be
in the export; the export says so."""

from __future__ import annotations

from django.utils import timezone

from portal.accounts.exports import register

from .models import Elector, Participation


@register("ballots")
def export_ballots(user):
    voted = dict(Participation.objects.filter(user=user).values_list("ballot_id", "voted_on"))
    rows = []
    for elector in (
        Elector.objects.filter(user=user)
        .select_related("ballot", "workplace")
        .order_by("-ballot__opens_at", "ballot_id")
    ):
        ballot = elector.ballot
        day = voted.get(ballot.pk)
        rows.append(
            {
                "question": ballot.question,
                "kind": ballot.get_kind_display(),
                "opened": timezone.localtime(ballot.opens_at).isoformat(),
                "closes": timezone.localtime(ballot.closes_at).isoformat(),
                "workplace_when_it_opened": elector.workplace.name if elector.workplace else "",
                "voted": day is not None,
                "voted_on": day.isoformat() if day else None,
            }
        )
    return {
        "ballots": rows,
        "note": (
            "How you voted is not stored with your name and your receipt code was kept "
            "nowhere with it, so neither can be part of this export."
        ),
    }
