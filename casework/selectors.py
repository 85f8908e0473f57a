from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from . import access
from .models import OPEN_STATUSES, Case, CaseEvent, EventKind


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


def cases_summary(user) -> dict:
    """Open cases by category, region, officer and age, for the manager's report."""
    qs = access.cases_visible_to(user).filter(status__in=OPEN_STATUSES)
    return {
        "by_category": list(qs.values("category").annotate(n=Count("id")).order_by("-n")),
        "by_region": list(qs.values("region__name").annotate(n=Count("id")).order_by("-n")),
        "by_officer": list(
            qs.values("assigned_to__first_name", "assigned_to__last_name")
            .annotate(n=Count("id"), urgent=Count("id", filter=Q(urgent=True)))
            .order_by("-n")
        ),
        "by_status": list(qs.values("status").annotate(n=Count("id")).order_by("status")),
        "by_age": cases_by_age(qs),
        "open_total": qs.count(),
    }


AGE_BANDS = [
    (7, "under a week"),
    (28, "1 to 4 weeks"),
    (91, "1 to 3 months"),
    (None, "over 3 months"),
]


def cases_by_age(qs) -> list[tuple[str, int]]:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    rows, lower = [], None
    for days, label in AGE_BANDS:
        band = qs
        if days is not None:
            band = band.filter(submitted_at__gt=now - timedelta(days=days))
        if lower is not None:
            band = band.filter(submitted_at__lte=now - timedelta(days=lower))
        rows.append((label, band.count()))
        lower = days
    return rows


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
