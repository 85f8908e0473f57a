"""Who is a rep of which workplaces, and what a rep may see: the only place that decides it.

A rep is an active member holding a confirmed role whose accreditation has not ended. A rep
sees the members at their workplaces (active, lapsed, or resigned in the last 12 months) and
of each only `REP_VISIBLE_FIELDS`: never a case, a payment, equality answers or an address.
Anyone else, and any member at another workplace, is answered as a page that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.accounts.choices import Channel, CommunicationKind, MembershipStatus
from portal.accounts.models import ConsentState, Membership, User, Workplace

from .models import RepRole, RepStatus

NOT_FOUND = "Not found."
RESIGNED_SHOWN_DAYS = 365

# Everything the rep's pages may read about a member. Nothing else is fetched (`.only`).
REP_VISIBLE_FIELDS = (
    "pk",
    "user__first_name",
    "user__last_name",
    "job_role",
    "section",
    "status",
    "status_changed_at",
    "joined_on",
    "workplace_id",
)


def current_roles(user: User) -> QuerySet[RepRole]:
    """The user's confirmed, unexpired roles, while their own membership is active."""
    if not user.is_authenticated:
        return RepRole.objects.none()
    today = timezone.localdate()
    return RepRole.objects.filter(
        membership__user=user,
        membership__status=MembershipStatus.ACTIVE,
        status=RepStatus.CONFIRMED,
    ).filter(Q(accredited_until__isnull=True) | Q(accredited_until__gte=today))


def holds_current_role(membership: Membership) -> bool:
    """What `Membership.is_rep` mirrors."""
    return current_roles(membership.user).exists()


def rep_workplaces(user: User) -> list[Workplace]:
    """The workplaces the user is a rep at (cached on the user for the request)."""
    cached = getattr(user, "_portal_rep_workplaces", None)
    if cached is None:
        cached = list(
            Workplace.objects.filter(pk__in=current_roles(user).values("workplace_id")).order_by(
                "name", "pk"
            )
        )
        user._portal_rep_workplaces = cached
    return cached


def require_rep(user: User) -> list[Workplace]:
    """The rep's workplaces, or a 404 for anyone who is not a current rep."""
    workplaces = rep_workplaces(user)
    if not workplaces:
        raise Http404(NOT_FOUND)
    return workplaces


def rep_contact_agreed():
    return Exists(
        ConsentState.objects.filter(
            user_id=OuterRef("user_id"),
            kind=CommunicationKind.REP_CONTACT,
            channel=Channel.EMAIL,
            granted=True,
        )
    )


def members_visible_to_rep(user: User, workplace_ids=None) -> QuerySet[Membership]:
    """The members a rep sees, with only the fields a rep may read, and whether each agreed
    to contact from their rep (`agreed_rep_contact`)."""
    workplaces = [w.pk for w in rep_workplaces(user)]
    if workplace_ids is not None:
        workplaces = [pk for pk in workplaces if pk in set(workplace_ids)]
    if not workplaces:
        return Membership.objects.none()
    resigned_since = timezone.now() - timedelta(days=RESIGNED_SHOWN_DAYS)
    return (
        Membership.objects.filter(workplace_id__in=workplaces)
        .filter(
            Q(status__in=[MembershipStatus.ACTIVE, MembershipStatus.LAPSED])
            | Q(status=MembershipStatus.RESIGNED, status_changed_at__gte=resigned_since)
        )
        .select_related("user")
        .only(*REP_VISIBLE_FIELDS)
        .annotate(agreed_rep_contact=rep_contact_agreed())
        .order_by("user__last_name", "user__first_name", "pk")
    )


def get_member_for_rep(user: User, pk) -> Membership:
    """One member a rep may see, or the same 404 as a member who does not exist."""
    require_rep(user)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    membership = members_visible_to_rep(user).filter(pk=pk).first()
    if membership is None:
        raise Http404(NOT_FOUND)
    return membership


def reps_region_scope(user: User) -> QuerySet[RepRole]:
    """Roles an officer decides in the admin: a caseworker those of members in their
    regions; whoever may see every case (the casework manager) all of them."""
    if not (user.is_authenticated and user.is_staff and user.has_perm("reps.view_reprole")):
        return RepRole.objects.none()
    qs = RepRole.objects.all()
    if user.has_perm("casework.view_all_cases"):
        return qs
    return qs.filter(membership__region__in=user.regions.all()).exclude(membership__user=user)


def role_for_member(user: User, pk) -> RepRole:
    """One of the member's own roles (for their accreditation letter), else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    role = current_roles(user).select_related("workplace", "membership__user").filter(pk=pk)
    found = role.first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def rep_messages_scope(user: User):
    """Reps' messages an officer may read and decide in the admin: a caseworker those of reps
    in their regions (never their own); the casework manager and communications officers
    all of them."""
    from portal.communications.models import Kind

    from .models import RepMessage

    if not (user.is_authenticated and user.is_staff and user.has_perm("reps.view_repmessage")):
        return RepMessage.objects.none()
    qs = RepMessage.objects.filter(kind=Kind.REP_CONTACT, workplace__isnull=False)
    if user.has_perm("casework.view_all_cases") or user.has_perm(
        "communications.approve_communication"
    ):
        return qs.exclude(created_by=user)
    return qs.filter(created_by__membership__region__in=user.regions.all()).exclude(created_by=user)
