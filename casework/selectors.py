from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from . import access
from .models import OPEN_STATUSES, Case, CaseEvent, EventKind, FollowUp


def member_case_list(user) -> QuerySet[Case]:
    """The member's cases, newest first, with what the list shows in one query: on a
    collective case, only the files and updates that member may see count."""
    theirs = (
        Q(collective=False) | Q(events__for_member__isnull=True) | Q(events__for_member=user.pk)
    )
    return (
        access.member_cases(user)
        .order_by("-created_at")
        .annotate(
            files=Count(
                "attachments",
                distinct=True,
                filter=Q(member=user.pk, collective=False)
                | Q(
                    Q(attachments__event__for_member__isnull=True)
                    | Q(attachments__event__for_member=user.pk),
                    collective=True,
                    attachments__shared_with_member=True,
                    attachments__event__visible_to_member=True,
                ),
            ),
            last_update=Max(
                "events__created_at", filter=Q(events__visible_to_member=True) & theirs
            ),
        )
    )


def member_timeline(case: Case, user) -> list[CaseEvent]:
    shared = access.member_visible_attachments(case, user)
    return list(
        access.member_visible_events(case, user)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=shared))
    )


def officer_timeline(user, case: Case) -> list[CaseEvent]:
    return list(
        access.officer_visible_events(user, case)
        .select_related("author", "for_member")
        .prefetch_related("attachments")
    )


# --- The officer's own work (admin home) ------------------------------------------------


def replies_waiting(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The cases of `qs` whose latest message is the member's: a reply the officer owes."""
    latest = (
        CaseEvent.objects.filter(
            case=OuterRef("pk"), kind__in=[EventKind.MEMBER_MESSAGE, EventKind.OFFICER_MESSAGE]
        )
        .order_by("-created_at", "-id")
        .values("kind")[:1]
    )
    return qs.annotate(last_message_kind=Subquery(latest)).filter(
        last_message_kind=EventKind.MEMBER_MESSAGE
    )


def officer_work_counts(user) -> dict[str, int]:
    """What the admin home shows an officer: their open cases, how many are urgent or
    overdue, and how many have a member's reply waiting. Only cases they may see count."""
    mine = access.cases_visible_to(user).filter(assigned_to=user, status__in=OPEN_STATUSES)
    counts = mine.aggregate(
        open=Count("id"),
        urgent=Count("id", filter=Q(urgent=True)),
        overdue=Count("id", filter=Q(overdue=True)),
    )
    counts["replied"] = replies_waiting(mine).count()
    counts["unassigned"] = (
        access.cases_visible_to(user)
        .filter(assigned_to__isnull=True, status__in=OPEN_STATUSES)
        .count()
    )
    return counts


INTAKE_RESULTS = 20


def members_for_intake(officer, term: str):
    """Members an officer may open a case for, found by membership number, email, name or
    employer: a manager any member; a caseworker the members of their regions; a lead
    officer the Leadership section; never the officer themselves. At most INTAKE_RESULTS,
    with what the results table shows in one query."""
    from portal.accounts.models import Membership

    term = " ".join((term or "").split())[:100]
    if not term:
        return Membership.objects.none()
    qs = _intake_scope(officer)
    compact = term.replace(" ", "")
    if compact.isdigit():
        qs = qs.filter(number=compact)
    elif "@" in term:
        qs = qs.filter(user__email__iexact=term)
    else:
        words = Q()
        for word in term.split()[:4]:
            words &= (
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(employer__name__icontains=word)
            )
        qs = qs.filter(words)
    return qs.order_by("user__last_name", "user__first_name", "pk")[:INTAKE_RESULTS]


def _intake_scope(officer):
    """The memberships an officer may open a case for (see members_for_intake)."""
    from portal.accounts.models import Membership

    if not access.is_case_officer(officer):
        return Membership.objects.none()
    qs = Membership.objects.select_related("user", "employer", "region").exclude(user_id=officer.pk)
    if officer.has_perm("casework.view_all_cases"):
        return qs
    scope = Q(pk__in=[])
    if officer.has_perm("casework.view_region_cases"):
        scope |= Q(region__in=officer.regions.all())
    if officer.has_perm("casework.view_leadership_cases"):
        scope |= Q(section="leadership")
    return qs.filter(scope)


def member_for_intake(officer, membership_id):
    """One member from the intake search, or None where the officer may not open a case
    for them (the same scope as the search)."""
    try:
        return _intake_scope(officer).get(pk=int(membership_id))
    except (ObjectDoesNotExist, ValueError, TypeError):
        return None


# --- Deadlines: hearings, follow-ups, tribunal limits ------------------------------------


@dataclass(frozen=True)
class Deadline:
    on: date
    kind: str  # "hearing", "follow_up" or "tribunal_limit"
    case_id: int
    reference: str
    overdue: bool
    follow_up_id: int | None = None
    # The officer's own words, for their deadlines page only (never in a calendar feed).
    what: str = ""

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self.kind]


DEADLINE_LABELS = {
    "hearing": "Hearing",
    "follow_up": "Follow-up",
    "tribunal_limit": "Tribunal limit",
}


# At most this many of each kind of deadline (a manager's view of every case stays a page).
DEADLINES_PER_KIND = 300


def officer_deadlines(
    user, *, today: date, days: int = 60, past_days: int = 90, per_kind: int | None = None
) -> list[Deadline]:
    """The officer's deadlines up to `days` ahead, overdue ones first, then by date: the
    hearings of the cases assigned to them (a manager: of every case they may see), their
    open follow-ups, and the tribunal limits of the open cases assigned to them or
    unassigned (a manager: all), the soonest `per_kind` of each. Everything through
    access.cases_visible_to; three queries whatever the number of cases."""
    per_kind = per_kind or DEADLINES_PER_KIND
    visible = access.cases_visible_to(user).filter(status__in=OPEN_STATUSES)
    if not user.has_perm("casework.view_all_cases"):
        mine = visible.filter(assigned_to=user)
        limits = visible.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    else:
        mine = limits = visible
    end = today + timedelta(days=days)
    found = [
        Deadline(on, "hearing", pk, ref, overdue=False)
        for pk, ref, on in mine.filter(hearing_date__gte=today, hearing_date__lte=end)
        .order_by("hearing_date", "pk")
        .values_list("pk", "reference", "hearing_date")[:per_kind]
    ]
    found += [
        Deadline(on, "tribunal_limit", pk, ref, overdue=on < today)
        for pk, ref, on in limits.filter(
            tribunal_limit_on__gte=today - timedelta(days=past_days), tribunal_limit_on__lte=end
        )
        .order_by("tribunal_limit_on", "pk")
        .values_list("pk", "reference", "tribunal_limit_on")[:per_kind]
    ]
    found += [
        Deadline(on, "follow_up", case_id, ref, overdue=on < today, follow_up_id=pk, what=what)
        for pk, case_id, ref, on, what in FollowUp.objects.filter(
            officer=user,
            done_at__isnull=True,
            due_on__lte=end,
            case__in=access.cases_visible_to(user).filter(status__in=OPEN_STATUSES),
        )
        .order_by("due_on", "pk")
        .values_list("pk", "case_id", "case__reference", "due_on", "what")[:per_kind]
    ]
    found.sort(key=lambda d: (not d.overdue, d.on, d.kind, d.reference))
    return found


def open_follow_ups(case: Case) -> list[FollowUp]:
    return list(case.follow_ups.filter(done_at__isnull=True).select_related("officer"))
