"""Every change to a case. Views, the admin, tasks and commands all come through here, so
the workflow, routing, confidentiality and audit rules cannot be skipped."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from portal import crypto
from portal.accounts.models import Employer, Membership, User
from portal.accounts.roles import Role
from portal.accounts.selectors import membership_for
from portal.accounts.services import NewEmployer, employer_get_or_create
from portal.communications.notifications import absolute_url, notification_send

from . import access
from .files import CheckedFile
from .models import (
    OPEN_STATUSES,
    AccessAction,
    Case,
    CaseAccess,
    CaseAttachment,
    CaseEvent,
    Complaint,
    EventKind,
    Outcome,
    Priority,
    ReferenceCounter,
    Status,
    WaitingOn,
)
from .workdays import add_working_days, working_days_until

# Messages people read when a rule refuses something.
NOT_ALLOWED_MOVE = "A case cannot go from “{old}” to “{new}”."
OUTCOME_REQUIRED = "Choose an outcome to close the case."
LEGAL_REASON_REQUIRED = "Give the reason for escalating to legal."
CASE_NOT_OPEN = "This case is closed, so nothing more can be added to it."
NOT_A_DRAFT = "Only a draft can be edited or submitted."
CANNOT_ASSIGN = "You cannot assign this case."
CONFLICT_OF_INTEREST = (
    "This officer cannot take the case: they hold a case of the member it is about."
)
NOT_A_CASE_OFFICER = "Only a casework officer can be assigned a case."
MESSAGE_REQUIRED = "Write a message."
NOT_A_STATUS = "Choose a status from the list."
NOT_A_PRIORITY = "Choose a priority from the list."
REPLY_FILES_NEED_MESSAGE = "Write a message to the member to send these files with it."

# The workflow: which status may follow which.
ALLOWED_MOVES: dict[str, set[str]] = {
    Status.NEW: {Status.ASSIGNED, Status.CLOSED},
    Status.ASSIGNED: {Status.IN_PROGRESS, Status.WAITING_MEMBER, Status.LEGAL, Status.CLOSED},
    Status.IN_PROGRESS: {Status.WAITING_MEMBER, Status.LEGAL, Status.CLOSED},
    Status.WAITING_MEMBER: {Status.IN_PROGRESS, Status.LEGAL, Status.CLOSED},
    Status.LEGAL: {Status.IN_PROGRESS, Status.CLOSED},
    Status.CLOSED: {Status.IN_PROGRESS},
}

OFFICER_ROLES = (Role.CASEWORKER, Role.LEAD_OFFICER, Role.CASEWORK_MANAGER)


def setting(name: str, default):
    return getattr(settings, name, default)


def _waiting_on(status: str) -> str:
    return {
        Status.DRAFT: WaitingOn.MEMBER,
        Status.NEW: WaitingOn.TRIAGE,
        Status.WAITING_MEMBER: WaitingOn.MEMBER,
        Status.CLOSED: WaitingOn.NOBODY,
    }.get(status, WaitingOn.OFFICER)


def _next_reference(year: int) -> str:
    """The year's next reference. One UPDATE takes the number and locks the counter row
    until the submission commits, so two submissions never get the same number."""
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last",  # noqa: S608  # nosec B608 - the table name is our model's, the year a parameter
            [year],
        )
        row = cursor.fetchone()
    if row is not None:
        last = row[0]
    else:  # the first case of the year
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        last = counter.last
    return f"CW-{year}-{last:06d}"


def _event(case: Case, kind: str, by: User | None, *, body: str = "", visible: bool, **extra):
    return CaseEvent.objects.create(
        case=case, kind=kind, author=by, body=body, visible_to_member=visible, **extra
    )


def _store_files(
    case: Case, files: list[CheckedFile], *, by: User, event: CaseEvent | None, shared: bool
) -> list[CaseAttachment]:
    stored = []
    for checked in files:
        attachment = CaseAttachment(
            case=case,
            event=event,
            uploaded_by=by,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            shared_with_member=shared,
        )
        # Stored encrypted; the name on disk is a random one, not the member's file name.
        attachment.file.save(
            secrets.token_hex(16), ContentFile(crypto.encrypt_bytes(checked.data)), save=False
        )
        attachment.save()
        stored.append(attachment)
    return stored


def _touch(case: Case, now: datetime | None = None) -> None:
    case.last_activity_at = now or timezone.now()
    case.overdue = False
    case.officer_reminded_at = None
    case.manager_reminded_at = None


def _first_response(case: Case, now: datetime | None = None) -> None:
    """The first time an officer answers the member: for the reports' time to first
    response. Set once, never moved."""
    if case.first_response_at is None:
        case.first_response_at = now or timezone.now()


def _notify_member(case: Case, kind: str) -> None:
    if case.member_id:
        notification_send(
            user=case.member,
            kind=kind,
            context={"reference": case.reference, "url": absolute_url(case.get_absolute_url())},
        )


def _notify_officer(officer: User | None, case: Case, kind: str) -> None:
    if officer is not None:
        notification_send(
            user=officer,
            kind=kind,
            context={
                "reference": case.reference,
                "url": absolute_url(f"/admin/casework/case/{case.pk}/change/"),
            },
        )


# --- Intake -----------------------------------------------------------------------------


@dataclass
class CaseDetails:
    category: str
    employer: Employer | NewEmployer | None
    what_happened: str
    desired_outcome: str
    problem_started_on: date | None = None
    hearing_date: date | None = None
    colleagues_affected: bool = False
    other_party_name: str = ""
    other_party_number: str = ""
    files: list[CheckedFile] = field(default_factory=list)


def _apply_details(case: Case, details: CaseDetails) -> None:
    case.category = details.category
    case.employer = employer_get_or_create(employer=details.employer) if details.employer else None
    case.what_happened = details.what_happened
    case.desired_outcome = details.desired_outcome
    case.problem_started_on = details.problem_started_on
    case.hearing_date = details.hearing_date
    case.colleagues_affected = details.colleagues_affected
    case.other_party_name = details.other_party_name
    other = None
    if details.other_party_number:
        other = (
            Membership.objects.filter(number=details.other_party_number)
            .exclude(user_id=case.member_id)
            .select_related("user")
            .first()
        )
    case.other_party = other.user if other else None
    case.restricted = bool(details.other_party_name or other)


@transaction.atomic
def case_save_draft(*, member: User, details: CaseDetails, case: Case | None = None) -> Case:
    if case is None:
        case = Case(member=member, status=Status.DRAFT, waiting_on=WaitingOn.MEMBER)
    elif case.status != Status.DRAFT or case.member_id != member.pk:
        raise ValidationError(NOT_A_DRAFT)
    _apply_details(case, details)
    case.last_activity_at = timezone.now()
    case.save()
    if details.files:
        _store_files(case, details.files, by=member, event=None, shared=True)
    return case


def eligibility_concern(membership: Membership | None, started: date | None) -> str:
    """Help is for problems that began after a qualifying period of membership. A case that
    falls short is flagged for the officer with the reason, never refused by the machine."""
    if membership is None:
        return "The member has no membership record."
    days = setting("CASEWORK_QUALIFYING_DAYS", 28)
    if started is None:
        return ""
    qualifying_from = membership.joined_on + timedelta(days=days)
    if started < qualifying_from:
        return (
            f"The problem began on {started:%d %B %Y}, before the member had been in "
            f"membership for {days} days (joined {membership.joined_on:%d %B %Y})."
        )
    return ""


def is_urgent(hearing: date | None, nation: str, today: date) -> bool:
    if hearing is None or hearing < today:
        return False
    limit = setting("CASEWORK_URGENT_WORKING_DAYS", 5)
    return working_days_until(today, hearing, nation) <= limit


@transaction.atomic
def case_submit(
    *, member: User, details: CaseDetails | None = None, case: Case | None = None, now=None
) -> Case:
    """Submit a new request (or a saved draft): it gets its reference, is routed to the
    team of the member's region (Leadership-section members: the lead officer) and is
    flagged urgent or for eligibility as the rules say."""
    now = now or timezone.now()
    drafted = case is not None
    if drafted:
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status != Status.DRAFT or case.member_id != member.pk:
            raise ValidationError(NOT_A_DRAFT)
    else:
        case = Case(member=member)
    if details is not None:
        _apply_details(case, details)
    membership = membership_for(member)  # read once per request, the page has it already
    if membership is not None:
        case.region = membership.region
        case.nation = membership.nation
        case.section = membership.section
    today = timezone.localdate(now)
    case.reference = _next_reference(today.year)
    case.status = Status.NEW
    case.waiting_on = WaitingOn.TRIAGE
    case.submitted_at = now
    case.urgent = is_urgent(case.hearing_date, case.nation, today)
    case.priority = Priority.URGENT if case.urgent else Priority.NORMAL
    case.eligibility_concern = eligibility_concern(membership, case.problem_started_on)
    _touch(case, now)
    case.save()
    event = _event(case, EventKind.SUBMITTED, member, visible=True, new_status=Status.NEW)
    if details is not None and details.files:
        _store_files(case, details.files, by=member, event=event, shared=True)
    if drafted:  # files the member added to the draft join the submission
        CaseAttachment.objects.filter(case=case, event__isnull=True).update(event=event)
    _notify_member(case, "case_received")
    return case


def proposed_officers(case: Case):
    """Who the case is proposed to: the lead officers for a Leadership-section member,
    otherwise the caseworkers of the member's region."""
    if case.section == "leadership":
        qs = User.objects.filter(groups__name=Role.LEAD_OFFICER)
    else:
        qs = User.objects.filter(groups__name=Role.CASEWORKER, regions=case.region_id)
    return qs.filter(is_active=True, is_staff=True).distinct()


def casework_officers():
    return (
        User.objects.filter(
            Q(groups__name__in=OFFICER_ROLES) | Q(is_superuser=True), is_active=True, is_staff=True
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


# --- Officers ---------------------------------------------------------------------------


def _check_officer_can_work(by: User, case: Case) -> None:
    if not access.cases_visible_to(by).filter(pk=case.pk).exists():
        raise PermissionDenied(access.NOT_FOUND)


def assignment_problem(case: Case, officer: User, by: User) -> str | None:
    """Why `by` may not give `case` to `officer`, or None if they may."""
    manager = by.has_perm("casework.assign_case")
    taking = officer.pk == by.pk and by.has_perm("casework.take_case")
    if not manager:
        if not access.cases_visible_to(by).filter(pk=case.pk).exists():
            return access.NOT_FOUND
        if not (taking and case.assigned_to_id is None):
            return CANNOT_ASSIGN
    if not casework_officers().filter(pk=officer.pk).exists():
        return NOT_A_CASE_OFFICER
    if not access.officer_may_be_assigned(officer, case):
        return CONFLICT_OF_INTEREST
    if case.status == Status.CLOSED:
        return CASE_NOT_OPEN
    return None


def status_change_problem(
    case: Case, new_status: str, outcome: str = "", legal_reason: str = ""
) -> str | None:
    """Why the case may not move to `new_status`, or None if the workflow allows it."""
    if new_status not in ALLOWED_MOVES.get(case.status, set()):
        return NOT_ALLOWED_MOVE.format(old=Status(case.status).label, new=Status(new_status).label)
    if new_status == Status.CLOSED and outcome not in Outcome.values:
        return OUTCOME_REQUIRED
    if new_status == Status.LEGAL and not legal_reason.strip():
        return LEGAL_REASON_REQUIRED
    return None


@transaction.atomic
def case_assign(*, case: Case, officer: User, by: User) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    problem = assignment_problem(case, officer, by)
    if problem:
        raise ValidationError(problem)
    previous = case.assigned_to
    case.assigned_to = officer
    old = case.status
    if case.status == Status.NEW:
        case.status = Status.ASSIGNED
        case.waiting_on = WaitingOn.OFFICER
        _first_response(case)
    _touch(case)
    case.save()
    _event(
        case,
        EventKind.ASSIGNED,
        by,
        body=f"Assigned to {officer.get_full_name()}",
        visible=True,
        old_status=old,
        new_status=case.status,
    )
    if previous != officer:
        _notify_officer(officer, case, "case_assigned_officer")
        _notify_member(case, "case_update")
    return case


@transaction.atomic
def case_change_status(
    *,
    case: Case,
    new_status: str,
    by: User,
    outcome: str = "",
    outcome_note: str = "",
    legal_reason: str = "",
    notify: bool = True,
) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_officer_can_work(by, case)
    old = case.status
    problem = status_change_problem(case, new_status, outcome, legal_reason)
    if problem:
        raise ValidationError(problem)
    if new_status == Status.CLOSED:
        case.outcome, case.outcome_note, case.closed_at = outcome, outcome_note, timezone.now()
    if new_status == Status.LEGAL:
        case.legal_reason = legal_reason.strip()
    if old == Status.CLOSED:
        case.outcome, case.closed_at = "", None
    if old == Status.NEW:
        _first_response(case)
    case.status = new_status
    case.waiting_on = _waiting_on(new_status)
    _touch(case)
    case.save()
    if new_status == Status.LEGAL:
        _event(case, EventKind.ESCALATED, by, body=case.legal_reason, visible=False)
    body = ""
    if new_status == Status.CLOSED:
        body = f"Outcome: {Outcome(outcome).label}"
    _event(
        case, EventKind.STATUS, by, body=body, visible=True, old_status=old, new_status=new_status
    )
    if notify:
        _notify_member(case, "case_update")
    return case


@transaction.atomic
def case_officer_message(
    *, case: Case, by: User, body: str, files: list[CheckedFile] = (), await_reply: bool = False
) -> CaseEvent:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_officer_can_work(by, case)
    if not body.strip():
        raise ValidationError(MESSAGE_REQUIRED)
    event = _event(case, EventKind.OFFICER_MESSAGE, by, body=body.strip(), visible=True)
    _store_files(case, list(files), by=by, event=event, shared=True)
    if (
        await_reply
        and case.status in ALLOWED_MOVES
        and Status.WAITING_MEMBER in ALLOWED_MOVES[case.status]
    ):
        case_change_status(case=case, new_status=Status.WAITING_MEMBER, by=by, notify=False)
        case.refresh_from_db()
    _first_response(case)
    _touch(case)
    case.save()
    _notify_member(case, "case_message")
    return event


@transaction.atomic
def case_internal_note(
    *, case: Case, by: User, body: str, files: list[CheckedFile] = ()
) -> CaseEvent:
    _check_officer_can_work(by, case)
    if not body.strip():
        raise ValidationError(MESSAGE_REQUIRED)
    event = _event(case, EventKind.NOTE, by, body=body.strip(), visible=False)
    _store_files(case, list(files), by=by, event=event, shared=False)
    _touch(case)
    case.save(
        update_fields=["last_activity_at", "overdue", "officer_reminded_at", "manager_reminded_at"]
    )
    return event


@transaction.atomic
def case_restrict(*, case: Case, officers: list[User], by: User) -> Case:
    if not by.has_perm("casework.restrict_case"):
        raise PermissionDenied(CANNOT_ASSIGN)
    case.restricted_to.set(officers)
    case.restricted = bool(officers) or bool(case.other_party_id or case.other_party_name)
    case.save(update_fields=["restricted"])
    names = ", ".join(o.get_full_name() for o in officers) or "no one in particular"
    _event(case, EventKind.RESTRICTED, by, body=f"Restricted to {names}", visible=False)
    return case


# A status change refused for want of a detail is shown at the detail.
STEP_OF_PROBLEM = {OUTCOME_REQUIRED: "outcome", LEGAL_REASON_REQUIRED: "legal_reason"}


def _refused_at(step: str, error: ValidationError | PermissionDenied) -> ValidationError:
    """The rule error of one step of the work form, named after the step's argument so that
    the admin shows it next to the field it came from."""
    words = getattr(error, "messages", None) or [str(error) or CANNOT_ASSIGN]
    return ValidationError({step: words})


@transaction.atomic
def case_apply_work(
    *,
    case: Case,
    officer: User,
    priority: str | None = None,
    assign_to: User | None = None,
    status: str = "",
    outcome: str = "",
    outcome_note: str = "",
    legal_reason: str = "",
    message: str = "",
    message_files: list[CheckedFile] = (),
    await_reply: bool = False,
    note: str = "",
    note_files: list[CheckedFile] = (),
    restrict_to: list[User] | None = None,
    request=None,
) -> Case:
    """One submission of the case screen's work form, all or nothing.

    The steps run in this order inside one transaction: priority, assignment, restriction,
    status, the reply to the member (with `message_files`, the only files the member will
    see), the internal note (with `note_files`, never shown to the member). A step the rules
    refuse raises ValidationError({step: [message]}), with `step` the name of its argument,
    and nothing of the other steps is kept. The access record of the change is written in
    the same transaction."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_officer_can_work(officer, case)
    message, note = message.strip(), note.strip()
    message_files, note_files = list(message_files), list(note_files)
    replying = bool(message or message_files)
    # Refusals that need no writing first are found before anything is written, so that no
    # file is stored for a submission that is then refused.
    if status and status not in Status.values:
        raise ValidationError({"status": [NOT_A_STATUS]})
    if priority and priority not in Priority.values:
        raise ValidationError({"priority": [NOT_A_PRIORITY]})
    if message_files and not message:
        raise ValidationError({"message": [REPLY_FILES_NEED_MESSAGE]})
    if replying and not case.is_open and not status:
        raise ValidationError({"message": [CASE_NOT_OPEN]})

    def step(name: str, work):
        try:
            return work()
        except (ValidationError, PermissionDenied) as error:
            words = getattr(error, "messages", None) or [str(error)]
            raise _refused_at(STEP_OF_PROBLEM.get(words[0], name), error) from None

    if priority and priority != case.priority:
        case.priority = Priority(priority)
        case.save(update_fields=["priority"])
    if assign_to is not None and assign_to.pk != case.assigned_to_id:
        step("assign_to", lambda: case_assign(case=case, officer=assign_to, by=officer))
    if restrict_to is not None and set(restrict_to) != set(case.restricted_to.all()):
        step("restrict_to", lambda: case_restrict(case=case, officers=restrict_to, by=officer))
    if status:
        step(
            "status",
            lambda: case_change_status(
                case=case,
                new_status=status,
                by=officer,
                outcome=outcome,
                outcome_note=outcome_note,
                legal_reason=legal_reason,
            ),
        )
    if replying:
        step(
            "message",
            lambda: case_officer_message(
                case=case, by=officer, body=message, files=message_files, await_reply=await_reply
            ),
        )
    if note or note_files:
        step(
            "note",
            lambda: case_internal_note(
                case=case, by=officer, body=note or "Files added", files=note_files
            ),
        )
    case_log_access(case=case, user=officer, action=AccessAction.CHANGE, request=request)
    return Case.objects.get(pk=case.pk)


# --- Members ----------------------------------------------------------------------------


@transaction.atomic
def case_member_reply(
    *, case: Case, member: User, body: str, files: list[CheckedFile] = ()
) -> CaseEvent:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.member_id != member.pk:
        raise PermissionDenied(access.NOT_FOUND)
    if not case.is_open:
        raise ValidationError(CASE_NOT_OPEN)
    if not body.strip() and not files:
        raise ValidationError(MESSAGE_REQUIRED)
    event = _event(case, EventKind.MEMBER_MESSAGE, member, body=body.strip(), visible=True)
    _store_files(case, list(files), by=member, event=event, shared=True)
    if case.status == Status.WAITING_MEMBER:
        case.status = Status.IN_PROGRESS
        _event(
            case,
            EventKind.STATUS,
            member,
            visible=True,
            old_status=Status.WAITING_MEMBER,
            new_status=Status.IN_PROGRESS,
        )
    case.waiting_on = _waiting_on(case.status)
    _touch(case)
    case.save()
    _notify_officer(case.assigned_to, case, "case_member_replied")
    return event


@transaction.atomic
def case_withdraw(*, case: Case, member: User, reason: str = "") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.member_id != member.pk:
        raise PermissionDenied(access.NOT_FOUND)
    if not case.is_open:
        raise ValidationError(CASE_NOT_OPEN)
    old = case.status
    case.status = Status.CLOSED
    case.outcome = Outcome.WITHDRAWN
    case.outcome_note = reason.strip()
    case.closed_at = timezone.now()
    case.waiting_on = WaitingOn.NOBODY
    _touch(case)
    case.save()
    _event(
        case,
        EventKind.WITHDRAWN,
        member,
        body=reason.strip(),
        visible=True,
        old_status=old,
        new_status=Status.CLOSED,
    )
    _notify_officer(case.assigned_to, case, "case_withdrawn_officer")
    return case


@transaction.atomic
def case_delete_draft(*, case: Case, member: User) -> None:
    if case.member_id != member.pk or case.status != Status.DRAFT:
        raise ValidationError(NOT_A_DRAFT)
    for attachment in case.attachments.all():
        attachment.file.delete(save=False)
    case.delete()


@transaction.atomic
def case_complain(*, case: Case, member: User, body: str, now: datetime | None = None) -> CaseEvent:
    """A member unhappy with how their case was handled: it goes to the casework managers,
    not to the officer, as a Complaint with its acknowledgement and response deadlines in
    working days (casework.complaints handles it from there)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.member_id != member.pk or case.status == Status.DRAFT:
        raise PermissionDenied(access.NOT_FOUND)
    if not body.strip():
        raise ValidationError(MESSAGE_REQUIRED)
    case.complaint_open = True
    case.save(update_fields=["complaint_open"])
    now = now or timezone.now()
    event = _event(
        case, EventKind.COMPLAINT, member, body=body.strip(), visible=True, created_at=now
    )
    today = timezone.localdate(now)
    Complaint.objects.create(
        case=case,
        raised_by=member,
        raised_at=event.created_at,
        body=body.strip(),
        about_officer_id=case.assigned_to_id,
        acknowledge_by=add_working_days(
            today, setting("CASEWORK_COMPLAINT_ACKNOWLEDGE_WORKING_DAYS", 2), case.nation
        ),
        respond_by=add_working_days(
            today, setting("CASEWORK_COMPLAINT_RESPONSE_WORKING_DAYS", 10), case.nation
        ),
    )
    for manager in User.objects.filter(
        groups__name=Role.CASEWORK_MANAGER, is_active=True
    ).distinct():
        _notify_officer(manager, case, "case_complaint_manager")
    return event


# --- Audit ------------------------------------------------------------------------------


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def case_log_access(*, case: Case, user: User, action: str, request=None, detail: str = ""):
    return CaseAccess.objects.create(
        case=case,
        user=user,
        action=AccessAction(action),
        ip=client_ip(request),
        detail=detail[:200],
    )


# --- Scheduled work ---------------------------------------------------------------------


def overdue_after_days(priority: str) -> int:
    table = setting("CASEWORK_OVERDUE_WORKING_DAYS", {"urgent": 1, "high": 2, "normal": 5})
    return table.get(priority, table.get("normal", 5))


def cases_refresh_flags(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: re-flag urgency as hearings approach; flag cases not touched within the agreed
    time as overdue, remind the assigned officer and, later, the managers."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"urgent": 0, "overdue": 0, "officer_reminders": 0, "manager_reminders": 0}
    managers = list(User.objects.filter(groups__name=Role.CASEWORK_MANAGER, is_active=True))
    escalate_days = setting("CASEWORK_MANAGER_REMINDER_WORKING_DAYS", 3)
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES).select_related("assigned_to")
    for case in open_cases.iterator(chunk_size=500):
        changed = []
        urgent = is_urgent(case.hearing_date, case.nation, today)
        if urgent != case.urgent:
            case.urgent = urgent
            if urgent:
                case.priority = Priority.URGENT
            changed += ["urgent", "priority"]
        counts["urgent"] += urgent
        due = add_working_days(
            timezone.localdate(case.last_activity_at),
            overdue_after_days(case.priority),
            case.nation,
        )
        overdue = case.waiting_on != WaitingOn.MEMBER and today > due
        if overdue != case.overdue:
            case.overdue = overdue
            changed.append("overdue")
        if overdue:
            counts["overdue"] += 1
            if case.assigned_to_id and case.officer_reminded_at is None:
                _notify_officer(case.assigned_to, case, "case_overdue_officer")
                case.officer_reminded_at = now
                changed.append("officer_reminded_at")
                counts["officer_reminders"] += 1
            reminded = case.officer_reminded_at or now
            later = add_working_days(timezone.localdate(reminded), escalate_days, case.nation)
            if case.manager_reminded_at is None and (case.assigned_to_id is None or today > later):
                for manager in managers:
                    _notify_officer(manager, case, "case_overdue_manager")
                case.manager_reminded_at = now
                changed.append("manager_reminded_at")
                counts["manager_reminders"] += 1
        if changed:
            case.save(update_fields=sorted(set(changed)))
    return counts


def cases_apply_retention(*, now: datetime | None = None) -> int:
    """Closed cases keep their personal content for a set period (default six years), then
    keep only anonymous statistics: category, region, dates, outcome."""
    now = now or timezone.now()
    years = setting("CASEWORK_RETENTION_YEARS", 6)
    cutoff = now - timedelta(days=round(365.25 * years))
    due = Case.objects.filter(
        status=Status.CLOSED, closed_at__lt=cutoff, personal_content_removed_at__isnull=True
    )
    removed = 0
    for case in due.iterator(chunk_size=200):
        with transaction.atomic():
            for attachment in case.attachments.all():
                attachment.file.delete(save=False)
            case.attachments.all().delete()
            case.events.all().delete()
            case.complaints.all().delete()
            case.access_log.all().delete()
            case.restricted_to.clear()
            Case.objects.filter(pk=case.pk).update(
                member=None,
                employer=None,
                other_party=None,
                other_party_name="",
                what_happened="",
                desired_outcome="",
                outcome_note="",
                legal_reason="",
                eligibility_concern="",
                assigned_to=None,
                personal_content_removed_at=now,
            )
            removed += 1
    return removed
