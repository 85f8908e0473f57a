"""Reads for Standards and Principles: what the public may see, search, and who may
preview what is not yet published."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.accounts.selectors import user_has_mfa
from portal.db_router import replica_alias

from .models import (
    NATION_FIELDS,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Document,
    Edition,
    EditionEvent,
    EditionStatus,
    GoodPracticeExample,
    Standard,
)

SEARCH_CONFIG = "english"

# Whoever did one of these to an edition is one of its authors and may not approve it.
AUTHOR_ACTIONS = (
    EditionEvent.Action.CREATED,
    EditionEvent.Action.EDITED,
    EditionEvent.Action.SUBMITTED,
)


def can_preview(user: User | None) -> bool:
    """Publishers (with their second factor) see drafts as the public will."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return False
    if not user.has_perm("standards.preview_edition"):
        return False
    return not getattr(settings, "PORTAL_STAFF_MFA_REQUIRED", True) or user_has_mfa(user)


# The stored vector (migration 0005) and a query in the same configuration, so that the
# GIN index on the column answers the match; nothing is turned into a vector per row.
_QUERY_SQL = f"websearch_to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)"
_MATCH_SQL = f'"standards_edition"."search_vector" @@ {_QUERY_SQL}'
_RANK_SQL = f'ts_rank("standards_edition"."search_vector", {_QUERY_SQL})'


def _search_postgres(editions: QuerySet[Edition], q: str) -> QuerySet[Edition]:
    from django.db.models import BooleanField, FloatField
    from django.db.models.expressions import RawSQL

    # Fixed SQL with the query as a parameter.
    match = RawSQL(_MATCH_SQL, [q], output_field=BooleanField())  # noqa: S611  # nosec B611
    rank = RawSQL(_RANK_SQL, [q], output_field=FloatField())  # noqa: S611  # nosec B611
    return editions.filter(match).annotate(rank=rank).order_by("-rank", "title")


def search_simple(editions: QuerySet[Edition], q: str) -> QuerySet[Edition]:
    """The fallback where there is no full-text search (SQLite): every word must appear."""
    for word in q.split()[:10]:
        editions = editions.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(search_text__icontains=word)
        )
    return editions


LIST_FIELDS = (
    "document__slug",
    "number",
    "status",
    "title",
    "summary",
    "audience",
    "published_at",
    *NATION_FIELDS.values(),
)


def published_editions(*, q: str = "", audience: str = "", nation: str = "") -> QuerySet[Edition]:
    """The current edition of every published document, optionally searched and filtered.
    Read from the replica when there is one: a just-published edition may appear a few
    seconds later, which nobody notices."""
    editions = (
        Edition.objects.using(replica_alias())
        .filter(status=EditionStatus.PUBLISHED)
        .select_related("document")
        # What the list shows: not the text (search_text can be long).
        .only(*LIST_FIELDS)
        .order_by("title")
    )
    if audience:
        editions = editions.filter(audience=audience)
    if nation:
        editions = editions.filter(**{NATION_FIELDS[nation]: True})
    q = q.strip()
    if q:
        if connection.vendor == "postgresql":
            editions = _search_postgres(editions, q)
        else:
            editions = search_simple(editions, q)
    return editions


def _with_content(editions: QuerySet[Edition]) -> QuerySet[Edition]:
    examples = GoodPracticeExample.objects.order_by("-date", "title")
    return editions.select_related("document", "document__current_edition").prefetch_related(
        Prefetch(
            "standards",
            queryset=Standard.objects.order_by("number").prefetch_related(
                Prefetch("examples", queryset=examples)
            ),
        )
    )


def edition_for_reader(*, slug: str, number: int | None = None, user=None) -> Edition:
    """The edition a reader asked for: the current one, or a given number. Unknown, and
    unpublished to anyone who may not preview, are the same 404."""
    preview = can_preview(user)
    document = Document.objects.filter(slug=slug).select_related("current_edition").first()
    if document is None:
        raise Http404("No such document.")
    editions = _with_content(Edition.objects.filter(document=document))
    if not preview:
        editions = editions.filter(status__in=PUBLIC_STATUSES)
    if number is not None:
        edition = editions.filter(number=number).first()
    elif document.current_edition_id:
        edition = editions.filter(pk=document.current_edition_id).first()
    else:
        # Never published: a publisher sees the draft in progress.
        edition = editions.filter(status__in=OPEN_STATUSES).first() if preview else None
    if edition is None:
        raise Http404("No such edition.")
    return edition


def edition_history(*, edition: Edition, user=None) -> list[Edition]:
    """All editions of the document that the reader may see, newest first."""
    editions = Edition.objects.filter(document_id=edition.document_id).order_by("-number")
    if not can_preview(user):
        editions = editions.filter(status__in=PUBLIC_STATUSES)
    return list(
        editions.only(
            "pk", "number", "status", "published_at", "superseded_at", "change_note", "document"
        ).select_related("document")
    )


def documents_due_for_review(*, today: dt.date) -> QuerySet[Document]:
    return (
        Document.objects.filter(
            current_edition__status=EditionStatus.PUBLISHED, review_by__lte=today
        )
        .select_related("current_edition")
        .order_by("review_by")
    )


def edition_pdf_meta(edition: Edition):
    """The kept PDF's headers (no content), or None."""
    from .models import EditionPDF

    return EditionPDF.objects.filter(edition=edition).defer("content").first()


def editions_awaiting_review_by(*, user: User) -> QuerySet[Edition]:
    """Editions in review that `user` may approve: they hold the permission and wrote,
    changed and submitted no part of them (the rule of `services.may_approve`)."""
    if not user.is_active or not user.has_perm("standards.approve_edition"):
        return Edition.objects.none()
    authored = EditionEvent.objects.filter(
        edition=OuterRef("pk"), actor=user, action__in=AUTHOR_ACTIONS
    )
    return (
        Edition.objects.filter(status=EditionStatus.IN_REVIEW)
        .exclude(created_by=user)
        .exclude(submitted_by=user)
        .exclude(Exists(authored))
    )


def edition_author_ids(*, edition: Edition) -> set[int]:
    """Everyone who wrote, changed or submitted part of `edition`."""
    ids = set(edition.events.filter(action__in=AUTHOR_ACTIONS).values_list("actor_id", flat=True))
    ids |= {edition.created_by_id, edition.submitted_by_id}
    return {i for i in ids if i}


def reviewers_of(*, edition: Edition) -> QuerySet[User]:
    """The people who may approve `edition`: active accounts holding the approval
    permission (through a role; superusers are not written to) that are not its authors."""
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(
        content_type__app_label="standards", codename="approve_edition"
    ).first()
    if permission is None:
        return User.objects.none()
    holders = Q(groups__permissions=permission) | Q(user_permissions=permission)
    return (
        User.objects.filter(holders, is_active=True)
        .exclude(pk__in=edition_author_ids(edition=edition))
        .distinct()
        .order_by("pk")
    )
