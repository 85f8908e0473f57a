"""Who may see which case: the only place that decides it.

Member pages, the admin (list, change page, history, search, actions, files, PDF) and every
report call these functions. A case someone may not see is answered exactly as one that
does not exist: a 404, never a 403.
"""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseLink,
    CaseMember,
    Complaint,
    EventKind,
    Status,
)

logger = logging.getLogger("casework.access")

NOT_FOUND = "No case found."


def is_case_officer(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_staff
        and (
            user.has_perm("casework.view_all_cases")
            or user.has_perm("casework.view_region_cases")
            or user.has_perm("casework.view_leadership_cases")
        )
    )


def cases_visible_to(user) -> QuerySet[Case]:
    """The submitted cases an officer may see in the admin and reports.

    - a casework manager (view_all_cases): every case;
    - a caseworker (view_region_cases): the cases of their regions, Leadership members'
      included: the regional officer handles those with the lead officer's support;
    - a lead officer (view_leadership_cases): the Leadership-section cases;
    - everyone: the cases assigned to them.
    Then, for everyone, managers included: never a case about themselves (as the other
    party), never their own case as a member, never a case about a member whose own case
    they hold (the conflict of interest covers seeing the case, not only taking it), and a
    case restricted to named officers only for those officers and managers.
    """
    if not is_case_officer(user):
        return Case.objects.none()
    qs = Case.objects.exclude(status=Status.DRAFT)
    manager = user.has_perm("casework.view_all_cases")
    if not manager:
        scope = Q(assigned_to=user)
        if user.has_perm("casework.view_region_cases"):
            scope |= Q(region__in=user.regions.all())
        if user.has_perm("casework.view_leadership_cases"):
            scope |= Q(section="leadership")
        qs = qs.filter(scope)
        restricted_elsewhere = Case.restricted_to.through.objects.filter(case_id=OuterRef("pk"))
        named = restricted_elsewhere.filter(user_id=user.pk)
        qs = qs.filter(~Exists(restricted_elsewhere) | Exists(named))
    # The members whose own case this officer holds, as IN (subquery) rather than a
    # correlated EXISTS: PostgreSQL hashes it once and costs it as such, so a capped count
    # of the queue stays an index-only scan instead of a sequential one. Never a NULL in
    # it: NOT IN with a NULL would hide every case that names another party.
    members_acted_for = Case.objects.filter(assigned_to=user, member__isnull=False).values(
        "member_id"
    )
    return (
        qs.exclude(other_party=user).exclude(member=user).exclude(other_party__in=members_acted_for)
    )


def get_case_for_officer(user, pk) -> Case:
    try:
        return cases_visible_to(user).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        log_refusal(user, "officer case")
        raise Http404(NOT_FOUND) from None


def collective_places(user) -> QuerySet[CaseMember]:
    """The collective cases a member is on beyond their own: consented and not removed, or
    involved as the workplace's rep (reps need no consent)."""
    return CaseMember.objects.filter(
        Q(consented_at__isnull=False) | Q(is_rep=True),
        member_id=user.pk,
        removed_at__isnull=True,
        declined_at__isnull=True,
    )


def member_cases(user) -> QuerySet[Case]:
    """A member's own cases, drafts included, and the collective cases they have joined
    (or, as a rep, been involved in)."""
    if not user.is_authenticated:
        return Case.objects.none()
    # The ids of both kinds in one subquery (a UNION of two index lookups), not an OR of
    # "the member's" with "a collective case they are on": PostgreSQL can serve no such OR
    # from an index, and read every case in the table for each member's page.
    own = Case.objects.filter(member=user).order_by().values("pk")
    joined = (
        collective_places(user)
        .filter(case__collective=True)
        .exclude(case__status=Status.DRAFT)
        .order_by()
        .values("case_id")
    )
    return Case.objects.filter(
        pk__in=own.union(joined, all=True), personal_content_removed_at__isnull=True
    )


def _find_member_case(qs: QuerySet[Case], reference: str) -> Case | None:
    reference = (reference or "")[:40]
    if reference.isdigit():
        return qs.filter(pk=int(reference), reference__isnull=True).first()
    return qs.filter(reference=reference).first()


def get_case_for_member(user, reference: str) -> Case:
    """A member's own case by reference (or a draft by its number), or a collective case
    they are on."""
    case = _find_member_case(member_cases(user), reference)
    if case is None:
        log_refusal(user, "member case")
        raise Http404(NOT_FOUND)
    return case


def is_lead_member(user, case: Case) -> bool:
    """The member whose case it is (on a collective case: the lead member)."""
    return case.member_id is not None and case.member_id == user.pk


def get_invitation_for_member(user, reference: str) -> CaseMember:
    """A member's invitation to a collective case they have not answered yet (the join
    page): the case is not theirs to see until they consent."""
    invitation = (
        CaseMember.objects.filter(
            member_id=getattr(user, "pk", None),
            is_rep=False,
            removed_at__isnull=True,
            consented_at__isnull=True,
            declined_at__isnull=True,
            case__collective=True,
            case__reference=(reference or "")[:40],
            case__personal_content_removed_at__isnull=True,
        )
        .select_related("case")
        .first()
    )
    if invitation is None:
        log_refusal(user, "collective invitation")
        raise Http404(NOT_FOUND)
    return invitation


def pending_invitations(user) -> QuerySet[CaseMember]:
    """The collective cases a member is invited to and has not answered: the reference
    only is shown to them until they say yes."""
    if not user.is_authenticated:
        return CaseMember.objects.none()
    return (
        CaseMember.objects.filter(
            member_id=user.pk,
            is_rep=False,
            removed_at__isnull=True,
            consented_at__isnull=True,
            declined_at__isnull=True,
            case__collective=True,
            case__personal_content_removed_at__isnull=True,
        )
        .select_related("case")
        .only("pk", "invited_at", "case__reference")
        .order_by("-invited_at")
    )


def merged_target_for_member(user, reference: str) -> Case | None:
    """The case a merged case of the member's went into, if they may see it."""
    source = Case.objects.filter(
        Q(member_id=getattr(user, "pk", None))
        | Q(case_members__member_id=getattr(user, "pk", None)),
        reference=(reference or "")[:40],
        merged_into__isnull=False,
    ).first()
    if source is None:
        return None
    return member_cases(user).filter(pk=source.merged_into_id).first()


# What only the member it is about may read on a collective case, whatever it is marked.
PRIVATE_KINDS = (
    EventKind.SUBMITTED,
    EventKind.MEMBER_MESSAGE,
    EventKind.WITHDRAWN,
    EventKind.COMPLAINT,
    EventKind.ATTACHMENT,
)


def member_visible_events(case: Case, user) -> QuerySet[CaseEvent]:
    """What `user` (a member on the case) sees on its timeline: never internal notes. On a
    collective case, only what is for the whole group and the messages between them and
    the officers: never another member's messages or files."""
    events = case.events.filter(visible_to_member=True)
    if not case.collective:
        if is_lead_member(user, case):
            return events
        return events.none()
    mine = Q(for_member_id=user.pk)
    return events.filter(Q(for_member__isnull=True) | mine).exclude(
        Q(kind__in=PRIVATE_KINDS) & ~mine
    )


def member_visible_attachments(case: Case, user) -> QuerySet[CaseAttachment]:
    """The files `user` may download from the case: shared files on events they see (the
    lead member of an ordinary case also has the files of their own draft)."""
    shared = case.attachments.filter(shared_with_member=True)
    if not case.collective and is_lead_member(user, case):
        return shared
    return shared.filter(event__in=member_visible_events(case, user))


def case_members_state(case: Case) -> QuerySet[CaseMember]:
    """For officers: everyone on the case and where they stand."""
    return case.case_members.select_related("member", "member__membership").order_by(
        "invited_at", "pk"
    )


def linked_cases(user, case: Case) -> tuple[list[Case], int]:
    """The cases linked to `case` that `user` (an officer) may see, and how many others
    there are (never named to them)."""
    links = CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case))
    other_ids = {
        link.to_case_id if link.from_case_id == case.pk else link.from_case_id
        for link in links.only("from_case_id", "to_case_id")
    }
    if not other_ids:
        return [], 0
    visible = list(
        cases_visible_to(user)
        .filter(pk__in=other_ids)
        .only("pk", "reference", "status", "category")
    )
    return visible, len(other_ids) - len(visible)


def officer_visible_events(user, case: Case) -> QuerySet[CaseEvent]:
    """Officers see notes and messages; complaints about handling only managers see."""
    events = case.events.all()
    if not user.has_perm("casework.view_all_cases"):
        events = events.exclude(kind__in=COMPLAINT_KINDS)
    return events


# The timeline entries of complaints: only managers (and the member) see them.
COMPLAINT_KINDS = (EventKind.COMPLAINT, EventKind.COMPLAINT_RESPONSE, EventKind.COMPLAINT_CLOSED)


def complaints_may_be_seen_by(user) -> bool:
    """Complaints about case handling are for casework managers only."""
    return is_case_officer(user) and user.has_perm("casework.view_all_cases")


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """The complaints a manager may see: those on cases they may see. Nobody else sees any."""
    if not complaints_may_be_seen_by(user):
        return Complaint.objects.none()
    return Complaint.objects.filter(case__in=cases_visible_to(user))


def complaints_overdue_q(today) -> Q:
    """Open complaints past a deadline they have not met (acknowledgement or response)."""
    return Q(closed_at__isnull=True) & (
        Q(acknowledged_at__isnull=True, acknowledge_by__lt=today)
        | Q(responded_at__isnull=True, respond_by__lt=today)
    )


def member_complaints(case: Case) -> QuerySet[Complaint]:
    """The complaints a member made on their own case, for their case page."""
    return case.complaints.all().order_by("raised_at", "id")


def officer_may_be_assigned(officer, case: Case) -> bool:
    """An officer who holds a case of the other party cannot take this one, and the other
    party can never be given it."""
    if case.other_party_id is None:
        return officer.pk != case.member_id
    if officer.pk in (case.other_party_id, case.member_id):
        return False
    return not Case.objects.filter(member_id=case.other_party_id, assigned_to=officer).exists()


def log_refusal(user, what: str) -> None:
    """Failed authorisation is logged without personal data: ids only."""
    logger.warning("refused: %s for user id %s", what, getattr(user, "pk", None))
