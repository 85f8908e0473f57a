from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ballots import services
from ballots.models import Audience, Ballot, BallotKind
from portal.accounts.roles import Role
from portal.accounts.services import workplace_for
from tests.factories import EmployerFactory, MembershipFactory, staff_user


@pytest.fixture
def officers(db):
    writer, _ = staff_user(Role.BALLOTS_OFFICER, first_name="Wren")
    approver, _ = staff_user(Role.BALLOTS_OFFICER, first_name="Ash")
    return writer, approver


def members_at(workplace, n, **kwargs):
    return [
        MembershipFactory(
            employer=workplace.employer,
            workplace=workplace,
            workplace_postcode=workplace.postcode,
            **kwargs,
        )
        for _ in range(n)
    ]


def workplace(postcode="N1 9GU", employer=None):
    return workplace_for(employer=employer or EmployerFactory(), postcode=postcode)


def make_ballot(
    officers,
    *,
    audience=Audience.EVERYONE,
    options=("Yes", "No"),
    opened=True,
    opens_at=None,
    closes_at=None,
    **fields,
) -> Ballot:
    writer, approver = officers
    now = timezone.now()
    ballot = Ballot(
        question=fields.pop("question", "Should we ask for more planning time?"),
        kind=fields.pop("kind", BallotKind.INDICATIVE),
        audience=audience,
        opens_at=opens_at or now - timedelta(minutes=5),
        closes_at=closes_at or now + timedelta(days=7),
        **fields,
    )
    ballot = services.ballot_save(ballot=ballot, by=writer, options=list(options))
    if opened:
        services.ballot_approve(ballot=ballot, by=approver)
        services.ballots_run_due()
        ballot.refresh_from_db()
    return ballot


def close(ballot):
    """Move the ballot's close into the past (as time passing would)."""
    now = timezone.now()
    Ballot.objects.filter(pk=ballot.pk).update(
        opens_at=now - timedelta(days=8), closes_at=now - timedelta(seconds=1)
    )
    ballot.refresh_from_db()
    return ballot
