from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from . import access
from .models import OPEN_STATUSES, Case, CaseAttachment, CaseEvent, EventKind


def member_case_list(user) -> QuerySet[Case]:
    """The member's own cases, newest first, with what the list shows in one query."""
    return (
        access.member_cases(user)
        .order_by("-created_at")
        .annotate(files=Count("attachments", distinct=True))
    )


def member_timeline(case: Case) -> list[CaseEvent]:
    shared = CaseAttachment.objects.filter(shared_with_member=True)
    return list(
        access.member_visible_events(case)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=shared))
    )


def officer_timeline(user, case: Case) -> list[CaseEvent]:
    return list(
        access.officer_visible_events(user, case)
        .select_related("author")
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
