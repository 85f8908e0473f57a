"""Every change to a case. Views, the admin, tasks and commands all come through here, so
the workflow, routing, confidentiality and audit rules cannot be skipped."""

from __future__ import annotations

import hashlib
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

from . import access, deadlines
from .files import CheckedFile
from .models import (
    OPEN_STATUSES,
    AccessAction,
    CalendarFeed,
    Case,
    CaseAccess,
    CaseAttachment,
    CaseEvent,
    Category,
    Channel,
    ClaimType,
    EventKind,
    FollowUp,
    Outcome,
    Priority,
    ReferenceCounter,
    Status,
    TribunalReminder,
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
NOT_A_CLAIM_TYPE = "Choose a claim type from the list."
FOLLOW_UP_WHAT_REQUIRED = "Say what to follow up."
FOLLOW_UP_DATE_REQUIRED = "Give the date to follow up by."
FOLLOW_UP_IN_PAST = "A follow-up cannot be due in the past."
FOLLOW_UP_TOO_LONG = "Keep the follow-up to 200 characters."
FOLLOW_UP_NOT_FOUND = "No such open follow-up on this case."

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
    team of the member's region (Leadership-section members: with the lead officer) and is
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
    _open(case, member, now)
    event = _event(case, EventKind.SUBMITTED, member, visible=True, new_status=Status.NEW)
    if details is not None and details.files:
        _store_files(case, details.files, by=member, event=event, shared=True)
    if drafted:  # files the member added to the draft join the submission
        CaseAttachment.objects.filter(case=case, event__isnull=True).update(event=event)
    _notify_member(case, "case_received")
    case_notify_routed(case)
    return case


def _open(case: Case, member: User, now: datetime) -> None:
    """What every new case gets, however it came in: its reference, the member's region,
    nation and section (which route it), the urgency and eligibility flags."""
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


OPENED_BY_WORDS = {
    Channel.PHONE: "Opened by %(officer)s, by phone.",
    Channel.WALK_IN: "Opened by %(officer)s, in person.",
    Channel.EMAIL: "Opened by %(officer)s, from the member's email.",
    Channel.LETTER: "Opened by %(officer)s, from the member's letter.",
}
NOT_A_CHANNEL = "Choose how the member asked for help."
NOT_A_MEMBER_FOR_INTAKE = "Cases can be opened only for members."
OWN_CASE = "You cannot open a case for yourself: ask a colleague."


@transaction.atomic
def case_open_for_member(
    *,
    member: User,
    by: User,
    details: CaseDetails,
    channel: str,
    take: bool = False,
    now: datetime | None = None,
    request=None,
) -> Case:
    """An officer opens a case for a member who phoned, wrote or walked in. It is the
    member's case from the first save: routed, flagged and seen exactly as if the member
    had sent it, with "opened by <officer>, by phone" on the timeline the member reads, and
    a service notice to the member. With `take`, the officer takes it at once (the
    assignment rules apply: an officer acting for the other party cannot)."""
    if channel not in OPENED_BY_WORDS:
        raise ValidationError({"channel": [NOT_A_CHANNEL]})
    if membership_for(member) is None:
        raise ValidationError({"member": [NOT_A_MEMBER_FOR_INTAKE]})
    if member.pk == by.pk:
        raise ValidationError({"member": [OWN_CASE]})
    if not access.is_case_officer(by):
        raise PermissionDenied(NOT_A_CASE_OFFICER)
    now = now or timezone.now()
    case = Case(member=member, channel=channel, opened_by=by)
    _apply_details(case, details)
    _open(case, member, now)
    words = OPENED_BY_WORDS[channel] % {"officer": by.get_full_name() or "an officer"}
    event = _event(
        case, EventKind.OPENED_FOR_MEMBER, by, body=words, visible=True, new_status=Status.NEW
    )
    if details.files:
        _store_files(case, details.files, by=by, event=event, shared=True)
    if take:
        if not access.officer_may_be_assigned(by, case):
            raise ValidationError({"take": [CONFLICT_OF_INTEREST]})
        try:
            case_assign(case=case, officer=by, by=by)
        except (ValidationError, PermissionDenied) as error:
            raise _refused_at("take", error) from None
    case_log_access(case=case, user=by, action=AccessAction.CHANGE, request=request)
    _notify_member(case, "case_opened_for_member")
    case_notify_routed(case, besides=by)
    return case


def proposed_officers(case: Case):
    """Who the case is routed to: the caseworkers of the member's region and, for a
    Leadership-section member, the lead officers as well (the regional officer handles the
    case with the lead officer's support)."""
    routed = Q(groups__name=Role.CASEWORKER, regions=case.region_id)
    if case.section == "leadership":
        routed |= Q(groups__name=Role.LEAD_OFFICER)
    return User.objects.filter(routed, is_active=True, is_staff=True).distinct()


def case_notify_routed(case: Case, *, besides: User | None = None) -> int:
    """Tell the officers a new case is routed to: its reference and a link, nothing else.
    An officer who may not see the case (the conflict rule) is not told of it, nor the
    officer who opened it (`besides`)."""
    told = 0
    for officer in proposed_officers(case).order_by("pk"):
        if besides is not None and officer.pk == besides.pk:
            continue
        if not access.officer_may_be_assigned(officer, case):
            continue
        _notify_officer(officer, case, "case_routed_officer")
        told += 1
    return told


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


# The same check, for admin pages that lead to work on a case (the letter page).
check_officer_can_work = _check_officer_can_work


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


# --- Deadlines: tribunal limits and follow-ups -------------------------------------------


def _day(value: date | None) -> str:
    return f"{value:%d %B %Y}" if value else "none"


def deadlines_refusals(facts: deadlines.DeadlineFacts, today: date) -> dict[str, list[str]]:
    """The refusals of a change of the tribunal dates, by argument name (empty: none)."""
    problems = {k: [v] for k, v in deadlines.deadline_problems(facts, today).items()}
    if facts.claim_type and facts.claim_type not in ClaimType.values:
        problems["claim_type"] = [NOT_A_CLAIM_TYPE]
    return problems


@transaction.atomic
def case_set_deadlines(
    *,
    case: Case,
    by: User,
    claim_type: str,
    act_on: date | None,
    acas_started_on: date | None,
    acas_certificate_on: date | None,
    today: date | None = None,
) -> Case:
    """Set what may become a tribunal claim and store its time limit, with a timeline entry
    (internal) giving the old and new limit. Impossible dates raise ValidationError by
    field, before anything is written."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_officer_can_work(by, case)
    facts = deadlines.DeadlineFacts(claim_type, act_on, acas_started_on, acas_certificate_on)
    problems = deadlines_refusals(facts, today or timezone.localdate())
    if problems:
        raise ValidationError(problems)
    before = deadlines.DeadlineFacts(
        case.claim_type, case.act_on, case.acas_started_on, case.acas_certificate_on
    )
    if facts == before:
        return case
    result = deadlines.tribunal_limit(facts)
    old_limit, new_limit = case.tribunal_limit_on, result.limit if result else None
    case.claim_type, case.act_on = claim_type, act_on
    case.acas_started_on, case.acas_certificate_on = acas_started_on, acas_certificate_on
    case.tribunal_limit_on = new_limit
    case.save(
        update_fields=[
            "claim_type",
            "act_on",
            "acas_started_on",
            "acas_certificate_on",
            "tribunal_limit_on",
        ]
    )
    if old_limit != new_limit:
        # The reminders count down to the new limit from the start.
        TribunalReminder.objects.filter(case=case).delete()
    claim = ClaimType(claim_type).label if claim_type else "no claim"
    body = (
        f"Tribunal limit: {_day(old_limit)} → {_day(new_limit)}. Claim: {claim}; act on "
        f"{_day(act_on)}; ACAS Day A {_day(acas_started_on)}, Day B {_day(acas_certificate_on)}."
    )
    if result is not None and result.acas_after_limit:
        body += " ACAS started after the limit: no extension."
    _event(case, EventKind.TRIBUNAL_LIMIT, by, body=body, visible=False)
    return case


def follow_up_problems(due_on: date | None, what: str, today: date) -> dict[str, list[str]]:
    problems = {}
    if not what.strip():
        problems["follow_up_what"] = [FOLLOW_UP_WHAT_REQUIRED]
    elif len(what.strip()) > 200:
        problems["follow_up_what"] = [FOLLOW_UP_TOO_LONG]
    if due_on is None:
        problems["follow_up_on"] = [FOLLOW_UP_DATE_REQUIRED]
    elif due_on < today:
        problems["follow_up_on"] = [FOLLOW_UP_IN_PAST]
    return problems


@transaction.atomic
def case_add_follow_up(
    *, case: Case, by: User, due_on: date | None, what: str, today: date | None = None
) -> FollowUp:
    """An officer's own follow-up on a case ("chase the employer on …"), on the timeline."""
    _check_officer_can_work(by, case)
    problems = follow_up_problems(due_on, what, today or timezone.localdate())
    if problems:
        raise ValidationError(problems)
    follow_up = FollowUp.objects.create(case=case, officer=by, due_on=due_on, what=what.strip())
    _event(
        case, EventKind.FOLLOW_UP, by, body=f"By {_day(due_on)}: {follow_up.what}", visible=False
    )
    return follow_up


@transaction.atomic
def follow_up_mark_done(*, case: Case, follow_up_id: int, by: User) -> FollowUp:
    """Done: any officer who may work the case can tick off its follow-ups."""
    _check_officer_can_work(by, case)
    follow_up = (
        FollowUp.objects.select_for_update()
        .filter(case=case, pk=follow_up_id, done_at__isnull=True)
        .first()
    )
    if follow_up is None:
        raise ValidationError({"follow_ups_done": [FOLLOW_UP_NOT_FOUND]})
    follow_up.done_at = timezone.now()
    follow_up.save(update_fields=["done_at"])
    return follow_up


# The reminders of a tribunal limit: this many days before it, each once.
TRIBUNAL_REMINDER_DAYS = (28, 14, 7)


def _limit_recipients(case: Case) -> list[User]:
    if case.assigned_to_id:
        return [case.assigned_to]
    return list(proposed_officers(case))


def deadlines_send_reminders(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind of tribunal limits 28, 14 and 7 days before (the assigned officer, or
    the officers the case is proposed to), and of follow-ups on their day (their officer).
    Each reminder is recorded in the same transaction as its notice, so a second run (or
    a retried task) sends nothing twice; a day missed is caught up, with one notice."""
    today = today or timezone.localdate()
    counts = {"tribunal_limit": 0, "follow_up": 0}
    horizon = today + timedelta(days=max(TRIBUNAL_REMINDER_DAYS))
    due = (
        Case.objects.filter(
            status__in=OPEN_STATUSES,
            tribunal_limit_on__gte=today,
            tribunal_limit_on__lte=horizon,
        )
        .select_related("assigned_to")
        .order_by("tribunal_limit_on", "pk")
    )
    for case in due.iterator(chunk_size=200):
        left = (case.tribunal_limit_on - today).days
        owed = [d for d in TRIBUNAL_REMINDER_DAYS if left <= d]
        with transaction.atomic():
            sent = set(
                TribunalReminder.objects.select_for_update()
                .filter(case=case)
                .values_list("days_before", flat=True)
            )
            missing = [d for d in owed if d not in sent]
            if not missing:
                continue
            TribunalReminder.objects.bulk_create(
                [TribunalReminder(case=case, days_before=d) for d in missing],
                ignore_conflicts=True,
            )
            for officer in _limit_recipients(case):
                _notify_officer(officer, case, "case_tribunal_limit_reminder")
            counts["tribunal_limit"] += 1
    follow_ups = FollowUp.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, due_on__lte=today
    ).select_related("case", "officer")
    for follow_up in follow_ups.iterator(chunk_size=200):
        with transaction.atomic():
            # Claimed first, so that two runs at once send it once. A follow-up on a case
            # closed or no longer visible to its officer is marked and not sent.
            claimed = FollowUp.objects.filter(pk=follow_up.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            visible = access.cases_visible_to(follow_up.officer).filter(pk=follow_up.case_id)
            if claimed and follow_up.case.is_open and visible.exists():
                _notify_officer(follow_up.officer, follow_up.case, "case_follow_up_due")
                counts["follow_up"] += 1
    return counts


# --- Calendar feeds ---------------------------------------------------------------------

NOT_AN_OFFICER = "Only casework officers have a deadlines calendar."


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """Create the officer's feed, or give it a new secret (the old link stops working)."""
    if not access.is_case_officer(user):
        raise PermissionDenied(NOT_AN_OFFICER)
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"token": token}
    )
    if not created:
        feed.token, feed.created_at, feed.revoked_at = token, timezone.now(), None
        feed.save(update_fields=["token", "created_at", "revoked_at"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# A status change refused for want of a detail is shown at the detail.
STEP_OF_PROBLEM = {OUTCOME_REQUIRED: "outcome", LEGAL_REASON_REQUIRED: "legal_reason"}


@dataclass
class CaseFacts:
    """The facts of a case an officer may correct after the request: each one that
    differs from the case is changed, with a timeline entry of the old and new value."""

    hearing_date: date | None
    category: str
    employer: Employer | NewEmployer | None
    other_party_name: str = ""
    other_party_number: str = ""


NOT_A_CATEGORY = "Choose a category from the list."
OTHER_PARTY_UNKNOWN = "No member has this membership number: check it, or leave it empty."
OTHER_PARTY_IS_MEMBER = "The member cannot be the other party of their own case."
OTHER_PARTY_CONFLICT = (
    "The officer on this case acts for that member in another case: a manager must "
    "reassign this case before the other party is recorded."
)


def _fact_words(value) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, date):
        return f"{value:%d %B %Y}".lstrip("0")
    return str(value)


def case_correct_facts(*, case: Case, by: User, facts: CaseFacts, today: date | None = None):
    """Change the facts that differ, each with a timeline entry for officers ("Hearing
    date: 3 March 2027 → 10 March 2027"). A new hearing date re-evaluates urgency at once.
    Runs inside the caller's transaction (case_apply_work); a refusal raises
    ValidationError({field: [words]}) before anything is written."""
    today = today or timezone.localdate()
    if facts.category not in Category.values:
        raise ValidationError({"category": [NOT_A_CATEGORY]})
    number = (facts.other_party_number or "").replace(" ", "")
    other = case.other_party
    if number:
        membership = Membership.objects.filter(number=number).select_related("user").first()
        if membership is None:
            raise ValidationError({"other_party_number": [OTHER_PARTY_UNKNOWN]})
        if membership.user_id == case.member_id:
            raise ValidationError({"other_party_number": [OTHER_PARTY_IS_MEMBER]})
        other = membership.user
    else:
        other = None
    changes: list[tuple[str, str, str]] = []
    if facts.hearing_date != case.hearing_date:
        changes.append(
            ("Hearing date", _fact_words(case.hearing_date), _fact_words(facts.hearing_date))
        )
    if facts.category != case.category:
        changes.append(
            (
                "Category",
                case.get_category_display(),
                str(Category(facts.category).label),
            )
        )
    employer = case.employer
    if facts.employer is None:
        employer = None
    elif not isinstance(facts.employer, Employer) or facts.employer.pk != case.employer_id:
        employer = employer_get_or_create(employer=facts.employer)
    if (employer.pk if employer else None) != case.employer_id:
        old = case.employer.label if case.employer_id else ""
        changes.append(
            ("Employer", _fact_words(old), _fact_words(employer.label if employer else ""))
        )
    name = (facts.other_party_name or "").strip()
    if name != case.other_party_name:
        changes.append(("Other party", _fact_words(case.other_party_name), _fact_words(name)))
    if (other.pk if other else None) != case.other_party_id:
        old_number = membership_for(case.other_party).number if case.other_party_id else ""
        changes.append(
            ("Other party's membership number", _fact_words(old_number), _fact_words(number))
        )
        if other is not None and case.assigned_to_id:
            probe = Case(pk=case.pk, member_id=case.member_id, other_party_id=other.pk)
            if not access.officer_may_be_assigned(case.assigned_to, probe):
                raise ValidationError({"other_party_number": [OTHER_PARTY_CONFLICT]})
    if not changes:
        return case
    hearing_changed = facts.hearing_date != case.hearing_date
    case.hearing_date = facts.hearing_date
    case.category = facts.category
    case.employer = employer
    case.other_party_name = name
    case.other_party = other
    case.restricted = case.restricted or bool(name or other)
    if hearing_changed:
        case.urgent = case.is_open and is_urgent(case.hearing_date, case.nation, today)
        if case.urgent:
            case.priority = Priority.URGENT
    case.save()
    for label, old, new in changes:
        _event(case, EventKind.FACT_CHANGED, by, body=f"{label}: {old} → {new}", visible=False)
    return case


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
    facts: CaseFacts | None = None,
    deadline_facts: deadlines.DeadlineFacts | None = None,
    follow_up_on: date | None = None,
    follow_up_what: str = "",
    follow_ups_done: list[int] = (),
    request=None,
) -> Case:
    """One submission of the case screen's work form, all or nothing.

    The steps run in this order inside one transaction: the corrected facts (see
    case_correct_facts), priority, assignment, restriction,
    status, the reply to the member (with `message_files`, the only files the member will
    see), the internal note (with `note_files`, never shown to the member). A step the rules
    refuse raises ValidationError({step: [message]}), with `step` the name of its argument,
    and nothing of the other steps is kept. The access record of the change is written in
    the same transaction. Then the tribunal claim's dates (`deadline_facts`, None: not
    changed), a new follow-up and the follow-ups ticked off."""
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
    today = timezone.localdate()
    if deadline_facts is not None and (problems := deadlines_refusals(deadline_facts, today)):
        raise ValidationError(problems)
    following_up = bool(follow_up_on or follow_up_what.strip())
    if following_up and (problems := follow_up_problems(follow_up_on, follow_up_what, today)):
        raise ValidationError(problems)

    def step(name: str, work):
        try:
            return work()
        except (ValidationError, PermissionDenied) as error:
            words = getattr(error, "messages", None) or [str(error)]
            raise _refused_at(STEP_OF_PROBLEM.get(words[0], name), error) from None

    if facts is not None:
        case_correct_facts(case=case, by=officer, facts=facts)
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
    if deadline_facts is not None:
        case_set_deadlines(
            case=case,
            by=officer,
            claim_type=deadline_facts.claim_type,
            act_on=deadline_facts.act_on,
            acas_started_on=deadline_facts.acas_started_on,
            acas_certificate_on=deadline_facts.acas_certificate_on,
            today=today,
        )
    if following_up:
        case_add_follow_up(
            case=case, by=officer, due_on=follow_up_on, what=follow_up_what, today=today
        )
    for follow_up_id in follow_ups_done:
        follow_up_mark_done(case=case, follow_up_id=follow_up_id, by=officer)
    case_log_access(case=case, user=officer, action=AccessAction.CHANGE, request=request)
    return Case.objects.get(pk=case.pk)


# --- Letters ----------------------------------------------------------------------------

LETTER_TEMPLATE_INACTIVE = "Choose a letter template from the list."


def case_file_letter(
    *, case: Case, by: User, template, body: str, share: bool = False, request=None
) -> CaseEvent:
    """File a letter written from `template`: `body` (the officer's edited text, in which
    any remaining letter fields are filled in) becomes a PDF on the union's letterhead,
    kept encrypted as a file of a new LETTER event on the timeline. The event and the file
    are internal unless `share`, when the member sees them and is told (reference and link
    only). A refusal (ValidationError) files nothing."""
    from . import letters

    _check_officer_can_work(by, case)
    if case.status == Status.DRAFT:
        raise PermissionDenied(access.NOT_FOUND)
    if template is None or not template.active:
        raise ValidationError({"template": [LETTER_TEMPLATE_INACTIVE]})
    try:
        text = letters.letter_text(case=case, officer=by, body=body)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from None
    # Rendered before the case is locked: the PDF takes a second or so.
    pdf = letters.letter_pdf(case=case, officer=by, title=template.title, text=text)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _check_officer_can_work(by, case)
        event = _event(case, EventKind.LETTER, by, body=template.title, visible=share)
        checked = CheckedFile(
            name=letters.letter_file_name(template.title, case.reference),
            content_type="application/pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            data=pdf,
        )
        _store_files(case, [checked], by=by, event=event, shared=share)
        _touch(case)
        case.save(
            update_fields=[
                "last_activity_at",
                "overdue",
                "officer_reminded_at",
                "manager_reminded_at",
            ]
        )
        case_log_access(
            case=case,
            user=by,
            action=AccessAction.CHANGE,
            request=request,
            detail=f"letter {event.pk}",
        )
        if share:
            _notify_member(case, "case_message")
    return event


def case_letters(case: Case) -> list[CaseAttachment]:
    """The letters filed on a case, oldest first (their PDFs)."""
    return list(
        CaseAttachment.objects.filter(case=case, event__kind=EventKind.LETTER).select_related(
            "event", "event__author"
        )
    )


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
def case_complain(*, case: Case, member: User, body: str) -> CaseEvent:
    """A member unhappy with how their case was handled: it goes to the casework managers,
    not to the officer."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.member_id != member.pk or case.status == Status.DRAFT:
        raise PermissionDenied(access.NOT_FOUND)
    if not body.strip():
        raise ValidationError(MESSAGE_REQUIRED)
    case.complaint_open = True
    case.save(update_fields=["complaint_open"])
    event = _event(case, EventKind.COMPLAINT, member, body=body.strip(), visible=True)
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
