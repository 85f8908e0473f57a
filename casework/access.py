"""Who may see which case: the only place that decides it.

Member pages, the admin (list, change page, history, search, actions, files, PDF) and every
report call these functions. A case someone may not see is answered exactly as one that
does not exist: a 404, never a 403.
"""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import Case, CaseEvent, Complaint, EventKind, Status

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
    - a caseworker (view_region_cases): the non-Leadership cases of their regions;
    - a lead officer (view_leadership_cases): the Leadership-section cases;
    - everyone: the cases assigned to them.
    Then, for everyone: never a case about themselves (as the other party), never their own
    case as a member, and a case restricted to named officers only for those officers and
    managers.
    """
    if not is_case_officer(user):
        return Case.objects.none()
    qs = Case.objects.exclude(status=Status.DRAFT)
    manager = user.has_perm("casework.view_all_cases")
    if not manager:
        scope = Q(assigned_to=user)
        if user.has_perm("casework.view_region_cases"):
            scope |= Q(region__in=user.regions.all()) & ~Q(section="leadership")
        if user.has_perm("casework.view_leadership_cases"):
            scope |= Q(section="leadership")
        qs = qs.filter(scope)
        restricted_elsewhere = Case.restricted_to.through.objects.filter(case_id=OuterRef("pk"))
        named = restricted_elsewhere.filter(user_id=user.pk)
        qs = qs.filter(~Exists(restricted_elsewhere) | Exists(named))
    return qs.exclude(other_party=user).exclude(member=user)


def get_case_for_officer(user, pk) -> Case:
    try:
        return cases_visible_to(user).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        log_refusal(user, "officer case")
        raise Http404(NOT_FOUND) from None


def member_cases(user) -> QuerySet[Case]:
    """A member's own cases, drafts included."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(member=user, personal_content_removed_at__isnull=True)


def get_case_for_member(user, reference: str) -> Case:
    """A member's own case by reference (or a draft by its number)."""
    reference = (reference or "")[:40]
    qs = member_cases(user)
    case = None
    if reference.isdigit():
        case = qs.filter(pk=int(reference), reference__isnull=True).first()
    else:
        case = qs.filter(reference=reference).first()
    if case is None:
        log_refusal(user, "member case")
        raise Http404(NOT_FOUND)
    return case


def member_visible_events(case: Case) -> QuerySet[CaseEvent]:
    """What the member sees on the timeline: never internal notes."""
    return case.events.filter(visible_to_member=True)


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
