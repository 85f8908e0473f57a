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
from django.utils.translation import gettext_noop

from portal import crypto
from portal.accounts.models import Employer, Membership, User
from portal.accounts.roles import Role
from portal.accounts.selectors import membership_for
from portal.accounts.services import NewEmployer, employer_get_or_create
from portal.communications.notifications import (
    absolute_url,
    notification_send,
    notifications_send,
)

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
    CaseLink,
    CaseMember,
    Category,
    Channel,
    ClaimType,
    Complaint,
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
CASE_NOT_OPEN = gettext_noop("This case is closed, so nothing more can be added to it.")
NOT_A_DRAFT = gettext_noop("Only a draft can be edited or submitted.")
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
NOT_ON_THE_CASE = "This member is not on the case."

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


def _notify_member(case: Case, kind: str, *, only: User | None = None) -> None:
    """Tell the member (`only`, or the lead member and, on a collective case, everyone on
    it) that something happened: reference and link only."""
    if only is not None:
        people = [only]
    else:
        people = [case.member] if case.member_id else []
        if case.collective:
            people += [
                place.member
                for place in access.case_members_state(case).filter(
                    removed_at__isnull=True, declined_at__isnull=True
                )
                if place.is_rep or place.consented_at
            ]
    for person in people:
        notification_send(
            user=person,
            kind=kind,
            context={"reference": case.reference, "url": absolute_url(case.get_absolute_url())},
        )


def _officer_context(case: Case) -> dict:
    return {
        "reference": case.reference,
        "url": absolute_url(f"/admin/casework/case/{case.pk}/change/"),
    }


def _notify_officer(officer: User | None, case: Case, kind: str) -> None:
    if officer is not None:
        notification_send(user=officer, kind=kind, context=_officer_context(case))


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
    context = _officer_context(case)
    items = [
        (officer, "case_routed_officer", context)
        for officer in proposed_officers(case).order_by("pk")
        if (besides is None or officer.pk != besides.pk)
        and access.officer_may_be_assigned(officer, case)
    ]
    notifications_send(items)  # one INSERT for the whole team
    return len(items)


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
    *,
    case: Case,
    by: User,
    body: str,
    files: list[CheckedFile] = (),
    await_reply: bool = False,
    for_member: User | None = None,
) -> CaseEvent:
    """A message to the member; on a collective case, to everyone on it or (`for_member`)
    to one of its members, whom alone it is shown to."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_officer_can_work(by, case)
    if not body.strip():
        raise ValidationError(MESSAGE_REQUIRED)
    if for_member is not None and for_member not in collective_recipients(case):
        raise ValidationError(NOT_ON_THE_CASE)
    if not case.collective:
        for_member = None
    event = _event(
        case,
        EventKind.OFFICER_MESSAGE,
        by,
        body=body.strip(),
        visible=True,
        for_member=for_member,
    )
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
    _notify_member(case, "case_message", only=for_member)
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
    Runs inside the caller's transaction (case_officer_update); a refusal raises
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
def case_officer_update(
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
    message_for: User | None = None,
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
                case=case,
                by=officer,
                body=message,
                files=message_files,
                await_reply=await_reply,
                for_member=message_for,
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
    if not access.member_cases(member).filter(pk=case.pk).exists():
        raise PermissionDenied(access.NOT_FOUND)
    if not case.is_open:
        raise ValidationError(CASE_NOT_OPEN)
    if not body.strip() and not files:
        raise ValidationError(MESSAGE_REQUIRED)
    event = _event(
        case,
        EventKind.MEMBER_MESSAGE,
        member,
        body=body.strip(),
        visible=True,
        for_member=member if case.collective else None,
    )
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
            case.case_members.all().delete()
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


# --- Collective cases, links and merges -------------------------------------------------

COLLECTIVE_CATEGORIES = ("restructure", "redundancy", "tupe")

NOT_COLLECTIVE_CATEGORY = (
    "Only a restructure, redundancy or transfer (TUPE) case can be a collective case."
)
COLLECTIVE_NEEDS_EMPLOYER = "A collective case needs the employer it is about."
NOT_A_COLLECTIVE_CASE = "This is not a collective case."
SUMMARY_REQUIRED = "Write the summary every member of the collective case reads."
NO_SUCH_MEMBER = "No member has that membership number or email."
ALREADY_ON_THE_CASE = "This member is already on the case."
LEAD_MEMBER_ALREADY = "This is the case's own member."
NOT_AT_THE_EMPLOYER = (
    "This member is not at the case's employer: give the reason for adding them in the "
    "override note, or choose a member at the employer."
)
NOT_A_REP_THERE = "This member is not a workplace rep at the case's employer."
NOT_INVITED = "There is no invitation to answer."
NO_SUCH_CASE_TO_LINK = "No case with that reference that you can see."
LINK_TO_ITSELF = "A case cannot be linked to itself."
ALREADY_LINKED = "These cases are linked already."
MERGE_SAME_CASE = "A case cannot be merged into itself."
MERGE_ALREADY_MERGED = "This case has been merged already."
MERGE_NOT_ALLOWED = "Only a casework manager or an officer who may work both cases can merge them."
MERGE_DIFFERENT_MEMBERS = (
    "These cases are different members': merge them only into a collective case."
)
MERGE_TARGET_CLOSED = "Merge into an open case."


def collective_recipients(case: Case) -> list[User]:
    """Who an officer may write to on the case: its lead member and everyone on it who has
    joined (or been involved as a rep)."""
    people = [case.member] if case.member_id else []
    for place in access.case_members_state(case).filter(
        removed_at__isnull=True, declined_at__isnull=True
    ):
        if place.is_rep or place.consented_at:
            people.append(place.member)
    return people


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_make_collective(*, case: Case, by: User, summary: str) -> Case:
    """Make a case (or keep it) collective, with the summary its members read. What the
    lead member wrote and said so far stays theirs: their messages and files are marked as
    theirs alone, so that no member joining later sees them."""
    case = _locked(case)
    _check_officer_can_work(by, case)
    if case.category not in COLLECTIVE_CATEGORIES:
        raise ValidationError(NOT_COLLECTIVE_CATEGORY)
    if case.employer_id is None:
        raise ValidationError(COLLECTIVE_NEEDS_EMPLOYER)
    if not summary.strip():
        raise ValidationError(SUMMARY_REQUIRED)
    if not case.is_open:
        raise ValidationError(CASE_NOT_OPEN)
    first_time = not case.collective
    if first_time and case.member_id:
        case.events.filter(for_member__isnull=True).filter(
            Q(kind__in=access.PRIVATE_KINDS + (EventKind.OFFICER_MESSAGE,))
            | Q(author_id=case.member_id)
        ).update(for_member=case.member_id)
    case.collective = True
    case.collective_summary = summary.strip()
    case.save(update_fields=["collective", "collective_summary"])
    _event(
        case,
        EventKind.COLLECTIVE,
        by,
        body="Made a collective case" if first_time else "Collective summary changed",
        visible=False,
    )
    return case


def member_find(query: str) -> User | None:
    """A member by membership number or email (exact)."""
    query = (query or "").strip()[:254]
    if not query:
        return None
    found = Membership.objects.select_related("user", "employer")
    membership = (
        found.filter(user__email__iexact=query).first()
        if "@" in query
        else found.filter(number=query.replace(" ", "")).first()
    )
    return membership.user if membership is not None else None


def case_member_candidates(case: Case):
    """The members at the case's employer, for the officer adding members."""
    if case.employer_id is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(employer_id=case.employer_id)
        .exclude(user_id=case.member_id)
        .exclude(user__collective_cases__case=case)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


@transaction.atomic
def case_add_member(
    *, case: Case, by: User, member: User | None, override_note: str = ""
) -> CaseMember:
    """Invite a member to a collective case: they are told (reference and link only) and
    see nothing of it until they consent on the member site. Only members at the case's
    employer, unless the officer writes why in the override note."""
    case = _locked(case)
    _check_officer_can_work(by, case)
    if not case.collective:
        raise ValidationError(NOT_A_COLLECTIVE_CASE)
    if not case.is_open:
        raise ValidationError(CASE_NOT_OPEN)
    membership = getattr(member, "membership", None) if member is not None else None
    if membership is None:
        raise ValidationError(NO_SUCH_MEMBER)
    if member.pk == case.member_id:
        raise ValidationError(LEAD_MEMBER_ALREADY)
    override_note = override_note.strip()[:300]
    if membership.employer_id != case.employer_id and not override_note:
        raise ValidationError(NOT_AT_THE_EMPLOYER)
    place = CaseMember.objects.filter(case=case, member=member).first()
    if place is not None and not (place.removed_at or place.declined_at):
        raise ValidationError(ALREADY_ON_THE_CASE)
    if place is None:
        place = CaseMember(case=case, member=member)
    place.is_rep = False
    place.invited_by = by
    place.invited_at = timezone.now()
    place.consented_at = place.declined_at = place.removed_at = None
    place.override_note = override_note
    place.save()
    body = f"Invited {member.get_full_name()} ({membership.number})"
    if override_note:
        body += f", not at the employer: {override_note}"
    _event(case, EventKind.MEMBER_ADDED, by, body=body, visible=False)
    notification_send(
        user=member,
        kind="case_collective_invitation",
        context={
            "reference": case.reference,
            "url": absolute_url(f"/cases/{case.reference}/join/"),
        },
    )
    return place


@transaction.atomic
def case_involve_rep(*, case: Case, by: User, rep: User | None) -> CaseMember:
    """Involve a workplace rep at the case's employer: they see the case's updates for the
    whole group (never a member's own messages), without the members' consent step."""
    case = _locked(case)
    _check_officer_can_work(by, case)
    if not case.collective:
        raise ValidationError(NOT_A_COLLECTIVE_CASE)
    if not case.is_open:
        raise ValidationError(CASE_NOT_OPEN)
    membership = getattr(rep, "membership", None) if rep is not None else None
    if membership is None or not membership.is_rep or membership.employer_id != case.employer_id:
        raise ValidationError(NOT_A_REP_THERE)
    if rep.pk == case.member_id:
        raise ValidationError(LEAD_MEMBER_ALREADY)
    place, created = CaseMember.objects.get_or_create(
        case=case, member=rep, defaults={"is_rep": True, "invited_by": by}
    )
    if not created:
        if place.is_rep and not place.removed_at:
            raise ValidationError(ALREADY_ON_THE_CASE)
        place.is_rep, place.invited_by, place.invited_at = True, by, timezone.now()
        place.removed_at = place.declined_at = None
        place.save()
    _event(
        case,
        EventKind.REP_INVOLVED,
        by,
        body=f"Involved {rep.get_full_name()} (rep)",
        visible=False,
    )
    notification_send(
        user=rep,
        kind="case_collective_rep",
        context={"reference": case.reference, "url": absolute_url(case.get_absolute_url())},
    )
    return place


@transaction.atomic
def case_member_answer(*, place: CaseMember, member: User, consent: bool) -> CaseMember:
    """The invited member's answer: consent (they see the case from now on) or decline."""
    place = CaseMember.objects.select_for_update().select_related("case").get(pk=place.pk)
    if (
        place.member_id != member.pk
        or place.is_rep
        or place.removed_at
        or place.consented_at
        or place.declined_at
    ):
        raise ValidationError(NOT_INVITED)
    now = timezone.now()
    if consent:
        place.consented_at = now
        kind, body = EventKind.MEMBER_JOINED, f"{member.get_full_name()} joined"
    else:
        place.declined_at = now
        kind, body = EventKind.MEMBER_DECLINED, f"{member.get_full_name()} declined"
    place.save(update_fields=["consented_at", "declined_at"])
    _event(place.case, kind, member, body=body, visible=False)
    _notify_officer(place.case.assigned_to, place.case, "case_collective_answer_officer")
    return place


@transaction.atomic
def case_remove_member(*, case: Case, by: User, place: CaseMember) -> CaseMember:
    case = _locked(case)
    _check_officer_can_work(by, case)
    place = CaseMember.objects.select_for_update().get(pk=place.pk, case=case)
    if place.removed_at is None:
        place.removed_at = timezone.now()
        place.save(update_fields=["removed_at"])
        _event(
            case,
            EventKind.MEMBER_REMOVED,
            by,
            body=f"Removed {place.member.get_full_name()}",
            visible=False,
        )
    return place


@transaction.atomic
def case_link(*, case: Case, reference: str, by: User) -> CaseLink:
    """Link two related cases, both of which the officer may see. The timeline says a link
    was made, never which case: not every officer of one sees the other."""
    _check_officer_can_work(by, case)
    other = (
        access.cases_visible_to(by).filter(reference=(reference or "").strip().upper()[:20]).first()
    )
    if other is None:
        raise ValidationError(NO_SUCH_CASE_TO_LINK)
    if other.pk == case.pk:
        raise ValidationError(LINK_TO_ITSELF)
    low, high = sorted([case, other], key=lambda c: c.pk)
    if CaseLink.objects.filter(from_case=low, to_case=high).exists():
        raise ValidationError(ALREADY_LINKED)
    link = CaseLink.objects.create(from_case=low, to_case=high, created_by=by)
    for each in (case, other):
        _event(each, EventKind.LINKED, by, body="Linked to another case", visible=False)
    return link


def merge_problem(source: Case, target: Case, by: User) -> str | None:
    """Why `by` may not merge `source` into `target`, or None."""
    if source.pk == target.pk:
        return MERGE_SAME_CASE
    visible = access.cases_visible_to(by).filter(pk__in=[source.pk, target.pk]).count()
    if visible != 2:
        return MERGE_NOT_ALLOWED
    if source.merged_into_id or target.merged_into_id:
        return MERGE_ALREADY_MERGED
    if not target.is_open:
        return MERGE_TARGET_CLOSED
    if source.member_id != target.member_id and not target.collective:
        return MERGE_DIFFERENT_MEMBERS
    return None


@transaction.atomic
def case_merge(*, source: Case, target: Case, by: User) -> Case:
    """Merge a duplicate (`source`) into `target`, in one transaction: every event, file,
    access record, member and link of the source moves to the target; the source is closed
    (outcome "other") and points to the target; both get a "merged" entry; the members are
    told (reference and link of the target only). Into a collective case, the source's
    member joins it (their consent is the case they opened); their timeline stays theirs."""
    first, second = sorted([source.pk, target.pk])
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked.get(source.pk, source), locked.get(target.pk, target)
    problem = merge_problem(source, target, by)
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    moved = source.events.all()
    if target.collective and source.member_id:
        moved.filter(for_member__isnull=True).update(for_member=source.member_id)
    moved.update(case=target)
    source.attachments.all().update(case=target)
    source.access_log.all().update(case=target)
    for place in source.case_members.all():
        if place.member_id == target.member_id or (
            CaseMember.objects.filter(case=target, member_id=place.member_id).exists()
        ):
            place.delete()
        else:
            CaseMember.objects.filter(pk=place.pk).update(case=target)
    if target.collective and source.member_id and source.member_id != target.member_id:
        # Their consent is the case they opened themselves.
        CaseMember.objects.update_or_create(
            case=target,
            member_id=source.member_id,
            defaults={
                "is_rep": False,
                "invited_by": by,
                "consented_at": now,
                "declined_at": None,
                "removed_at": None,
            },
        )
    for link in CaseLink.objects.filter(Q(from_case=source) | Q(to_case=source)):
        other = link.to_case_id if link.from_case_id == source.pk else link.from_case_id
        link.delete()
        if other != target.pk:
            low, high = sorted([other, target.pk])
            CaseLink.objects.get_or_create(
                from_case_id=low, to_case_id=high, defaults={"created_by": link.created_by}
            )
    old = source.status
    source.status = Status.CLOSED
    source.outcome = Outcome.OTHER
    source.outcome_note = "Merged into another case"
    source.closed_at = now
    source.merged_into = target
    source.waiting_on = WaitingOn.NOBODY
    _touch(source, now)
    source.save()
    _event(
        source,
        EventKind.MERGED,
        by,
        body="Merged into another case",
        visible=False,
        old_status=old,
        new_status=Status.CLOSED,
    )
    _event(
        target, EventKind.MERGED, by, body="Another case was merged into this one", visible=False
    )
    _touch(target, now)
    target.save(
        update_fields=["last_activity_at", "overdue", "officer_reminded_at", "manager_reminded_at"]
    )
    told = set()
    for member_id in (source.member_id, target.member_id):
        if member_id and member_id not in told:
            told.add(member_id)
            _notify_member(target, "case_merged", only=User.objects.get(pk=member_id))
    return target
