"""Reads about reps: a member's own roles, volunteers colleagues may support, who looked at
a member's membership."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet

from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership, User

from . import access
from .models import RepAccess, RepRole, RepStatus, RepSupport

ACCESS_SHOWN = 100


def roles_of(membership: Membership) -> QuerySet[RepRole]:
    return RepRole.objects.filter(membership=membership).select_related("workplace")


def volunteers_at_workplace(membership: Membership) -> list[RepRole]:
    """Everyone at the member's workplace who volunteered and waits for the region (the
    member's own offers among them), with whether this member supports each, and whether the
    role is contested: one query."""
    if membership.workplace_id is None or membership.status != MembershipStatus.ACTIVE:
        return []
    open_same = RepRole.objects.filter(
        workplace_id=OuterRef("workplace_id"),
        kind=OuterRef("kind"),
        status__in=[RepStatus.VOLUNTEERED, RepStatus.CONFIRMED],
    ).exclude(pk=OuterRef("pk"))
    return list(
        RepRole.objects.filter(workplace_id=membership.workplace_id, status=RepStatus.VOLUNTEERED)
        .select_related("membership__user")
        .only(
            "pk",
            "kind",
            "workplace_id",
            "membership",
            "membership__user__first_name",
            "membership__user__last_name",
        )
        .annotate(
            supported=Exists(RepSupport.objects.filter(role=OuterRef("pk"), supporter=membership)),
            is_contested=Exists(open_same),
            supporters=Count("supports"),
        )
        .order_by("kind", "volunteered_at")
    )


def looks_at(user: User, limit: int = ACCESS_SHOWN) -> list[RepAccess]:
    """Who looked at the member's membership in the rep's space, newest first."""
    return list(
        RepAccess.objects.filter(member=user)
        .select_related("viewer", "workplace")
        .only("at", "kind", "viewer__first_name", "viewer__last_name", "workplace__name")[:limit]
    )


def is_rep(user: User) -> bool:
    return bool(access.rep_workplaces(user))


def rep_messages(rep: User):
    """The rep's own messages, newest first, with their workplace."""
    from portal.communications.models import Communication, Kind

    return (
        Communication.objects.filter(created_by=rep, kind=Kind.REP_CONTACT)
        .select_related("workplace")
        .order_by("-created_at", "-pk")[:50]
    )


def rep_contact_counts(rep: User) -> dict[int, int]:
    """How many active colleagues at each of the rep's workplaces agreed to rep contact
    (counts only: no member is read, so nothing is recorded as a look)."""
    rows = (
        access.members_visible_to_rep(rep)
        .filter(status=MembershipStatus.ACTIVE, agreed_rep_contact=True)
        .order_by()
        .values("workplace_id")
        .annotate(n=Count("pk"))
    )
    return {r["workplace_id"]: r["n"] for r in rows}
