"""Who may see which ballot: the one place that decides, for member pages, results, receipts,
the admin's lists and its counts.

- A member sees an opened ballot only if they are one of its frozen electors.
- An officer with `view_all_ballots` (Ballots officer) sees every ballot in the admin; a
  regional officer with `view_ballot` only (Caseworker) sees the rep proposals of their
  regions, which they may approve.
- Results, receipts and their PDF and CSV answer only after the close, to electors and to
  officers who see the ballot. Everything else is the same 404 as a ballot that does not exist.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.accounts.models import User

from .models import Ballot, BallotStatus, Elector, Phase

NOT_FOUND = "Not found."


def ballots_for_officer(user: User) -> QuerySet[Ballot]:
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return Ballot.objects.none()
    if user.has_perm("ballots.view_all_ballots"):
        return Ballot.objects.all()
    if user.has_perm("ballots.view_ballot"):
        return Ballot.objects.filter(proposed_by_rep=True, region__in=user.regions.all())
    return Ballot.objects.none()


def ballots_for_elector(user: User) -> QuerySet[Ballot]:
    if not user.is_authenticated:
        return Ballot.objects.none()
    return Ballot.objects.filter(
        status=BallotStatus.OPEN,
        pk__in=Elector.objects.filter(user=user).values("ballot_id"),
    )


def is_elector(user: User, ballot: Ballot) -> bool:
    return (
        user.is_authenticated
        and ballot.status == BallotStatus.OPEN
        and Elector.objects.filter(ballot=ballot, user=user).exists()
    )


def get_ballot_for_member(user: User, pk) -> Ballot:
    """An opened ballot the member is an elector of; anything else is a 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    ballot = ballots_for_elector(user).select_related("audience_workplace").filter(pk=pk).first()
    if ballot is None:
        raise Http404(NOT_FOUND)
    return ballot


def get_ballot_page_for(user: User, pk, *, now=None) -> Ballot:
    """The ballot behind a member's ballot page, in one query: an open ballot the person is an
    elector of (to vote), or a closed one whose results they may read (an elector, or an
    officer who sees it in the admin). Anything else is the same 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    if not user.is_authenticated:
        raise Http404(NOT_FOUND)
    ballot = (
        Ballot.objects.select_related("audience_workplace")
        .annotate(elector=Exists(Elector.objects.filter(ballot=OuterRef("pk"), user=user)))
        .filter(pk=pk, status=BallotStatus.OPEN)
        .first()
    )
    if ballot is None:
        raise Http404(NOT_FOUND)
    if ballot.elector:
        return ballot
    if (
        ballot.phase(now or timezone.now()) == Phase.CLOSED
        and ballots_for_officer(user).filter(pk=pk).exists()
    ):
        return ballot
    raise Http404(NOT_FOUND)


def get_results_for(user: User, pk, *, now=None) -> Ballot:
    """A closed ballot whose results the person may read: an elector, or an officer who sees
    it in the admin. Before the close, or for anyone else, the same 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    ballot = Ballot.objects.select_related("audience_workplace").filter(pk=pk).first()
    if ballot is None or ballot.phase(now or timezone.now()) != Phase.CLOSED:
        raise Http404(NOT_FOUND)
    if is_elector(user, ballot) or ballots_for_officer(user).filter(pk=pk).exists():
        return ballot
    raise Http404(NOT_FOUND)


def may_approve(user: User, ballot: Ballot) -> bool:
    return (
        user.has_perm("ballots.approve_ballot")
        and ballots_for_officer(user).filter(pk=ballot.pk).exists()
    )
