"""Complaints about how a case is handled: taken by a casework manager, acknowledged and
answered within working-day deadlines, closed with an outcome.

A complaint is the managers' alone (caseworkers never see it, see
casework.access.complaints_visible_to). The officer complained about (the case's officer
when the complaint came in, or whoever holds the case now) can never own or answer it: the
two-person rule holds even after "reassign the case to myself, then respond"."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.communications.notifications import absolute_url, notification_send

from . import access
from .models import Case, Complaint, ComplaintOutcome, EventKind
from .services import _event, _notify_member

# Messages people read when a rule refuses something.
ONLY_MANAGERS = "Only a casework manager can handle a complaint."
COMPLAINED_ABOUT = (
    "You cannot handle this complaint: it is about your own handling of the case. "
    "Another manager must take it."
)
NOT_THE_OWNER = "Another manager owns this complaint: take it first to respond."
COMPLAINT_CLOSED = "This complaint is closed."
ALREADY_ACKNOWLEDGED = "This complaint is already acknowledged."
ALREADY_RESPONDED = "This complaint already has a response."
RESPONSE_REQUIRED = "Write the response to the member."
RESPONSE_BEFORE_CLOSE = "Respond to the member before closing the complaint."
OUTCOME_REQUIRED = "Choose the complaint's outcome: upheld, partly upheld or not upheld."


DEADLINE_WORDS = {"acknowledge": "acknowledgement", "respond": "response"}


def is_complaint_manager(user) -> bool:
    return access.complaints_may_be_seen_by(user)


def complaint_handling_problem(complaint: Complaint, by: User) -> str | None:
    """Why `by` may not act on `complaint` at all, or None."""
    if not is_complaint_manager(by):
        return ONLY_MANAGERS
    if not access.complaints_visible_to(by).filter(pk=complaint.pk).exists():
        return access.NOT_FOUND
    case = complaint.case
    if by.pk in (complaint.about_officer_id, case.assigned_to_id):
        return COMPLAINED_ABOUT
    if complaint.closed_at is not None:
        return COMPLAINT_CLOSED
    return None


def complaint_respond_problem(complaint: Complaint, by: User, response: str) -> str | None:
    problem = complaint_handling_problem(complaint, by)
    if problem:
        return problem
    if complaint.owner_id not in (None, by.pk) and not by.has_perm("casework.assign_case"):
        return NOT_THE_OWNER
    if complaint.responded_at is not None:
        return ALREADY_RESPONDED
    if not response.strip():
        return RESPONSE_REQUIRED
    return None


def complaint_close_problem(complaint: Complaint, by: User, outcome: str) -> str | None:
    problem = complaint_handling_problem(complaint, by)
    if problem:
        return problem
    if complaint.responded_at is None:
        return RESPONSE_BEFORE_CLOSE
    if outcome not in ComplaintOutcome.values:
        return OUTCOME_REQUIRED
    return None


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("case").get(pk=complaint.pk)


def _refuse(problem: str | None) -> None:
    if problem == access.NOT_FOUND:
        raise PermissionDenied(problem)
    if problem:
        raise ValidationError(problem)


@transaction.atomic
def complaint_take(*, complaint: Complaint, by: User) -> Complaint:
    """`by` (a manager, not the officer complained about) owns the complaint from now."""
    complaint = _locked(complaint)
    _refuse(complaint_handling_problem(complaint, by))
    complaint.owner = by
    complaint.save(update_fields=["owner"])
    _event(complaint.case, EventKind.COMPLAINT, by, body="Complaint taken", visible=False)
    return complaint


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, by: User, now: datetime | None = None):
    """The member is told their complaint is in hand (by notice: reference and link)."""
    complaint = _locked(complaint)
    _refuse(complaint_handling_problem(complaint, by))
    if complaint.acknowledged_at is not None:
        raise ValidationError(ALREADY_ACKNOWLEDGED)
    complaint.acknowledged_at = now or timezone.now()
    if complaint.owner_id is None:
        complaint.owner = by
    complaint.save(update_fields=["acknowledged_at", "owner"])
    _event(complaint.case, EventKind.COMPLAINT, by, body="Complaint acknowledged", visible=False)
    _notify_member(complaint.case, "case_complaint_acknowledged")
    return complaint


@transaction.atomic
def complaint_respond(
    *, complaint: Complaint, by: User, response: str, now: datetime | None = None
) -> Complaint:
    """The manager's answer, which the member reads on their case page."""
    complaint = _locked(complaint)
    _refuse(complaint_respond_problem(complaint, by, response))
    now = now or timezone.now()
    complaint.response = response.strip()
    complaint.responded_at = now
    complaint.acknowledged_at = complaint.acknowledged_at or now
    complaint.owner = complaint.owner or by
    complaint.save(update_fields=["response", "responded_at", "acknowledged_at", "owner"])
    _event(
        complaint.case,
        EventKind.COMPLAINT_RESPONSE,
        by,
        body=complaint.response,
        visible=True,
        created_at=now,
    )
    _notify_member(complaint.case, "case_complaint_response")
    return complaint


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, by: User, outcome: str, now: datetime | None = None
) -> Complaint:
    complaint = _locked(complaint)
    _refuse(complaint_close_problem(complaint, by, outcome))
    now = now or timezone.now()
    complaint.outcome = ComplaintOutcome(outcome)
    complaint.closed_at = now
    complaint.save(update_fields=["outcome", "closed_at"])
    case = Case.objects.select_for_update().get(pk=complaint.case_id)
    case.complaint_open = case.complaints.filter(closed_at__isnull=True).exists()
    case.save(update_fields=["complaint_open"])
    _event(
        case,
        EventKind.COMPLAINT_CLOSED,
        by,
        body=f"Outcome: {complaint.get_outcome_display()}",
        visible=True,
        created_at=now,
    )
    return complaint


def complaints_flag_overdue(*, now: datetime | None = None) -> int:
    """Beat: every manager is told once per complaint per missed deadline (acknowledgement,
    then response). Returns how many complaints were notified."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    managers = list(
        User.objects.filter(groups__name=Role.CASEWORK_MANAGER, is_active=True).distinct()
    )
    late = Complaint.objects.filter(closed_at__isnull=True).filter(
        access.complaints_overdue_q(today)
    )
    notified = 0
    for complaint in late.select_related("case").iterator(chunk_size=200):
        missed = complaint.overdue_for(today)
        if not missed or complaint.overdue_notified_for == missed:
            continue
        with transaction.atomic():
            # Claimed row by row, so that two sweeps at once tell the managers only once.
            claimed = (
                Complaint.objects.filter(pk=complaint.pk)
                .exclude(overdue_notified_for=missed)
                .update(overdue_notified_for=missed, overdue_notified_at=now)
            )
            if not claimed:
                continue
            context = {
                "reference": complaint.case.reference,
                "deadline": DEADLINE_WORDS[missed],
                "url": absolute_url(f"/admin/casework/complaint/{complaint.pk}/change/"),
            }
            for manager in managers:
                notification_send(user=manager, kind="case_complaint_overdue", context=context)
        notified += 1
    return notified
