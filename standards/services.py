"""Writes for Standards and Principles. The admin, the scheduled tasks and the demo data all
come through here, so that no path can skip a rule: drafts only are edited (their standards
and good-practice examples included), nobody approves an edition they wrote any part of,
published editions never change.

Every function takes `now=` (default: the current time) so that tests can run the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import subprocess  # noqa: S404  # nosec B404 - pdfinfo only, on bytes we made
import time

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import User
from portal.markdown import render_plain
from portal.tasks import enqueue_on_commit

from .models import (
    NATION_FIELDS,
    OPEN_STATUSES,
    Document,
    Edition,
    EditionEvent,
    EditionPDF,
    EditionStatus,
    GoodPracticeExample,
    Standard,
)
from .selectors import edition_author_ids

logger = logging.getLogger(__name__)

Action = EditionEvent.Action
# Queued by name: tasks.py sits on top of this module.
RENDER_EDITION_PDF = "standards.tasks.render_edition_pdf"

# Error messages (tests assert against these).
NOT_A_DRAFT = "Only a draft can be changed. Published editions are frozen: start a new edition."
NOT_IN_REVIEW = "Only an edition in review can be approved."
CANNOT_RETURN = "Only an edition in review or scheduled can go back to draft."
SELF_APPROVAL = (
    "You wrote, changed or submitted part of this edition (its text, standards or "
    "good-practice examples), so another publisher must approve it."
)
NO_APPROVE_PERMISSION = "You do not have permission to approve editions."
NOTE_REQUIRED = "Write a short note saying what this step is about."
NO_STANDARDS = "Add at least one standard before submitting for review."
NO_NATION = "Choose at least one nation the document applies to."
NO_CHANGE_NOTE = "Say what changed in this edition before submitting it for review."
OPEN_EDITION_EXISTS = (
    "This document already has an edition in progress. Finish or discard it first."
)
NOT_CURRENT = "A new edition can only be started from the current published edition."
SCHEDULE_IN_PAST = "Choose a publication time in the future, or publish now."
SLUG_TAKEN = "Another document already uses this address."
DUPLICATE_NUMBERS = "Two standards have the same number."
EXAMPLE_NOT_IN_DRAFT = (
    "Good-practice examples are part of an edition's text: add, change or remove them in a "
    "draft edition (start a new edition of a published document). They appear on the public "
    "page once another publisher approves that edition."
)

REVIEW_PERIOD = dt.timedelta(days=365)


class WorkflowError(Exception):
    """A rule of the publishing workflow was broken; the message says which."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _record(edition: Edition, action: str, actor: User | None, now: dt.datetime, note=""):
    return EditionEvent.objects.create(
        edition=edition, action=action, actor=actor, at=now, note=note or ""
    )


def _locked(edition: Edition) -> Edition:
    """The edition re-read under a row lock: decisions use the stored status, never what a
    form or a stale object says."""
    return Edition.objects.select_for_update().get(pk=edition.pk)


# --- Writing ---------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *,
    slug: str,
    title: str,
    summary: str,
    audience: str,
    by: User,
    item_label: str = "Standard",
    nations: list[str] | None = None,
    review_by: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Document:
    """A new document and its first (draft) edition."""
    now = _now(now)
    if Document.objects.filter(slug=slug).exists():
        raise WorkflowError(SLUG_TAKEN)
    document = Document.objects.create(slug=slug, review_by=review_by, created_by=by)
    nations = nations if nations is not None else ["england"]
    edition = Edition.objects.create(
        document=document,
        number=1,
        title=title,
        summary=summary,
        audience=audience,
        item_label=item_label,
        created_by=by,
        **{field: nation in nations for nation, field in NATION_FIELDS.items()},
    )
    _record(edition, Action.CREATED, by, now, "First edition started.")
    return document


def edition_check_editable(*, edition: Edition) -> None:
    stored = Edition.objects.filter(pk=edition.pk).values_list("status", flat=True).first()
    if stored != EditionStatus.DRAFT:
        raise WorkflowError(NOT_A_DRAFT)


@transaction.atomic
def edition_update(
    *, edition: Edition, by: User, fields: list[str] | None = None, now=None
) -> Edition:
    """Save a draft's own fields (title, summary, their Welsh, audience, nations, change
    note)."""
    _locked(edition)
    edition_check_editable(edition=edition)
    editable = [
        "title",
        "summary",
        "title_en_gb",
        "summary_en_gb",
        "title_cy",
        "summary_cy",
        "audience",
        "item_label",
        "change_note",
        *NATION_FIELDS.values(),
    ]
    edition.save(update_fields=[f for f in (fields or editable) if f in editable] or editable)
    _record(edition, Action.EDITED, by, _now(now))
    return edition


@transaction.atomic
def standards_save(*, edition: Edition, by: User, save, now=None) -> None:
    """Run `save()` (e.g. an admin formset's) for the standards of a draft, then check the
    numbering. Refuses anything that is not a draft."""
    _locked(edition)
    edition_check_editable(edition=edition)
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        raise WorkflowError(DUPLICATE_NUMBERS) from error
    _record(edition, Action.EDITED, by, _now(now), "Standards changed.")


@transaction.atomic
def standard_add(
    *,
    edition: Edition,
    by: User,
    heading: str,
    body: str,
    indicators: str = "",
    number=None,
    now=None,
    welsh: dict[str, str] | None = None,
) -> Standard:
    """Add a standard to a draft; `welsh`: its Welsh heading, body and indicators
    ({"heading": …, "body": …, "indicators": …}), reviewed with the English."""
    _locked(edition)
    edition_check_editable(edition=edition)
    if number is None:
        number = (
            edition.standards.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                edition=edition,
                number=number,
                heading=heading,
                body=body,
                indicators=indicators,
                **{f"{name}_cy": value for name, value in (welsh or {}).items()},
            )
    except IntegrityError as error:
        raise WorkflowError(DUPLICATE_NUMBERS) from error
    _record(edition, Action.EDITED, by, _now(now), f"Standard {number} added.")
    return standard


@transaction.atomic
def edition_start_new(*, document: Document, by: User, now=None) -> Edition:
    """A new draft edition copied from the current published one."""
    now = _now(now)
    document = Document.objects.select_for_update().get(pk=document.pk)
    current = document.current_edition
    if current is None or current.status != EditionStatus.PUBLISHED:
        raise WorkflowError(NOT_CURRENT)
    if document.editions.filter(status__in=OPEN_STATUSES).exists():
        raise WorkflowError(OPEN_EDITION_EXISTS)
    number = document.editions.order_by("-number").values_list("number", flat=True).first() + 1
    copied = {
        field: getattr(current, field)
        for field in (
            "title",
            "summary",
            "title_cy",
            "summary_cy",
            "audience",
            "item_label",
            *NATION_FIELDS.values(),
        )
    }
    edition = Edition.objects.create(
        document=document, number=number, created_by=by, change_note="", **copied
    )
    copies = Standard.objects.bulk_create(
        Standard(
            edition=edition,
            number=s.number,
            heading=s.heading,
            body=s.body,
            indicators=s.indicators,
            heading_cy=s.heading_cy,
            body_cy=s.body_cy,
            indicators_cy=s.indicators_cy,
            previous=s,
        )
        for s in current.standards.all()
    )
    # Good-practice examples are part of the edition's text: the draft starts with copies,
    # which it may change; the published edition keeps its own, unchanged.
    copy_of = {standard.previous_id: standard for standard in copies}
    GoodPracticeExample.objects.bulk_create(
        GoodPracticeExample(
            standard=copy_of[example.standard_id],
            title=example.title,
            text=example.text,
            organisation_type=example.organisation_type,
            date=example.date,
            created_by_id=example.created_by_id,
        )
        for example in GoodPracticeExample.objects.filter(standard__edition=current)
    )
    _record(edition, Action.CREATED, by, now, f"Started from edition {current.number}.")
    return edition


@transaction.atomic
def edition_discard(*, edition: Edition, by: User) -> None:
    """Delete a draft that was never published (e.g. a new edition nobody wants)."""
    _locked(edition)
    edition_check_editable(edition=edition)
    document = edition.document
    edition.delete()
    if not document.editions.exists():
        document.delete()


# --- Review and publication --------------------------------------------------------------


def _authors(edition: Edition) -> set[int]:
    return edition_author_ids(edition=edition)


def submit_problems(*, note: str, change_note: str, nations) -> dict[str, str]:
    """What stops a draft from going to review, by field (`None` for the whole edition):
    the admin's change form shows these next to its fields before anything is saved."""
    problems: dict[str, str] = {}
    if not (note or "").strip():
        problems["note"] = NOTE_REQUIRED
    if not (change_note or "").strip():
        problems["change_note"] = NO_CHANGE_NOTE
    if not nations:
        problems[None] = NO_NATION
    return problems


@transaction.atomic
def edition_submit(*, edition: Edition, by: User, note: str, now=None) -> Edition:
    """Send a draft to review and tell every publisher who may approve it (by a service
    notice with a link, never the text)."""
    now = _now(now)
    edition = _locked(edition)
    if edition.status != EditionStatus.DRAFT:
        raise WorkflowError(NOT_A_DRAFT)
    problems = submit_problems(note=note, change_note=edition.change_note, nations=edition.nations)
    if "note" in problems:
        raise WorkflowError(NOTE_REQUIRED)
    if not edition.standards.exists():
        raise WorkflowError(NO_STANDARDS)
    if problems:
        raise WorkflowError(problems.get(None) or problems["change_note"])
    edition.status = EditionStatus.IN_REVIEW
    edition.submitted_by = by
    edition.save(update_fields=["status", "submitted_by"])
    _record(edition, Action.SUBMITTED, by, now, note)
    _notify_reviewers(edition)
    return edition


def _notify_reviewers(edition: Edition) -> None:
    """A notice to each publisher who may approve `edition`: that an edition awaits their
    review, and where. Sent after the caller's transaction commits."""
    from django.urls import reverse

    from portal.communications.notifications import absolute_url, notification_send

    from .selectors import reviewers_of

    context = {
        "edition_url": absolute_url(reverse("admin:standards_edition_change", args=[edition.pk])),
        "list_url": absolute_url(reverse("admin:standards_edition_changelist") + "?review=mine"),
    }
    for reviewer in reviewers_of(edition=edition):
        notification_send(user=reviewer, kind="standards_review_waiting", context=context)


@transaction.atomic
def edition_return_to_draft(*, edition: Edition, by: User, note: str, now=None) -> Edition:
    now = _now(now)
    edition = _locked(edition)
    if edition.status not in (EditionStatus.IN_REVIEW, EditionStatus.SCHEDULED):
        raise WorkflowError(CANNOT_RETURN)
    if not note.strip():
        raise WorkflowError(NOTE_REQUIRED)
    edition.status = EditionStatus.DRAFT
    edition.scheduled_for = None
    edition.approved_by = None
    edition.save(update_fields=["status", "scheduled_for", "approved_by"])
    _record(edition, Action.RETURNED, by, now, note)
    return edition


def may_approve(*, edition: Edition, user: User) -> str | None:
    """None when `user` may approve `edition`, otherwise the reason why not."""
    if not user.has_perm("standards.approve_edition"):
        return NO_APPROVE_PERMISSION
    if user.pk in _authors(edition):
        return SELF_APPROVAL
    return None


@transaction.atomic
def edition_approve(
    *,
    edition: Edition,
    by: User,
    note: str,
    publish_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Edition:
    """Approve an edition in review: published now, or at `publish_at` by the scheduled task."""
    now = _now(now)
    edition = _locked(edition)
    if edition.status != EditionStatus.IN_REVIEW:
        raise WorkflowError(NOT_IN_REVIEW)
    if not note.strip():
        raise WorkflowError(NOTE_REQUIRED)
    reason = may_approve(edition=edition, user=by)
    if reason:
        raise WorkflowError(reason)
    edition.approved_by = by
    _record(edition, Action.APPROVED, by, now, note)
    if publish_at is not None and publish_at > now:
        edition.status = EditionStatus.SCHEDULED
        edition.scheduled_for = publish_at
        edition.save(update_fields=["status", "scheduled_for", "approved_by"])
        local = timezone.localtime(publish_at)
        _record(edition, Action.SCHEDULED, by, now, f"To be published {local:%d %B %Y %H:%M}.")
        return edition
    if publish_at is not None:
        raise WorkflowError(SCHEDULE_IN_PAST)
    edition.save(update_fields=["approved_by"])
    return _publish(edition, actor=by, now=now)


def _search_text(edition: Edition) -> str:
    """What search finds an edition by: its English and its Welsh text."""
    parts = [edition.title_en_gb, edition.summary_en_gb, edition.title_cy, edition.summary_cy]
    for standard in edition.standards.all():
        for language in ("en_gb", "cy"):
            parts += [
                getattr(standard, f"heading_{language}"),
                render_plain(getattr(standard, f"body_{language}") or ""),
                render_plain(getattr(standard, f"indicators_{language}") or ""),
            ]
    return "\n".join(p for p in parts if p)


def _publish(edition: Edition, *, actor: User | None, now: dt.datetime) -> Edition:
    document = Document.objects.select_for_update().get(pk=edition.document_id)
    previous = document.current_edition
    if previous is not None and previous.pk != edition.pk:
        previous.status = EditionStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
        _record(previous, Action.SUPERSEDED, actor, now, f"Replaced by edition {edition.number}.")
    edition.status = EditionStatus.PUBLISHED
    edition.published_at = now
    edition.scheduled_for = None
    edition.search_text = _search_text(edition)
    edition.save(update_fields=["status", "published_at", "scheduled_for", "search_text"])
    _record(edition, Action.PUBLISHED, actor, now)
    document.current_edition = edition
    fields = ["current_edition"]
    if document.review_by is None or document.review_by <= timezone.localdate(now):
        document.review_by = timezone.localdate(now) + REVIEW_PERIOD
        fields.append("review_by")
    document.save(update_fields=fields)
    enqueue_on_commit(RENDER_EDITION_PDF, edition.pk)
    if previous is not None and previous.pk != edition.pk:
        enqueue_on_commit(RENDER_EDITION_PDF, previous.pk)
    return edition


def editions_publish_due(*, now: dt.datetime | None = None) -> list[int]:
    """Publish every scheduled edition whose time has come. Safe to run at any time and
    from more than one process: each edition is locked and re-checked."""
    now = _now(now)
    published = []
    due = Edition.objects.filter(status=EditionStatus.SCHEDULED, scheduled_for__lte=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            edition = Edition.objects.select_for_update().get(pk=pk)
            if edition.status == EditionStatus.SCHEDULED and edition.scheduled_for <= now:
                _publish(edition, actor=None, now=now)
                published.append(pk)
    return published


@transaction.atomic
def document_set_review_by(*, document: Document, review_by: dt.date) -> Document:
    document.review_by = review_by
    document.save(update_fields=["review_by"])
    return document


def documents_remind_review(*, now: dt.datetime | None = None) -> list[int]:
    """Email every publisher once about each published document whose review-by date has
    come. Returns the documents they were told about."""
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from portal.accounts.roles import Role
    from portal.communications.notifications import absolute_url, notification_send

    from .selectors import documents_due_for_review

    today = timezone.localdate(_now(now))
    due = [d for d in documents_due_for_review(today=today) if d.review_reminded_for != d.review_by]
    if not due:
        return []
    group = Group.objects.filter(name=Role.PUBLISHER).first()
    publishers = list(group.user_set.filter(is_active=True)) if group else []
    with transaction.atomic():
        for document in due:
            for publisher in publishers:
                notification_send(
                    user=publisher,
                    kind="standards_review_due",
                    context={
                        "title": document.current_edition.title,
                        "review_by": f"{document.review_by.day} {document.review_by:%B %Y}",
                        "url": absolute_url(
                            reverse("admin:standards_documentdueforreview_changelist")
                        ),
                    },
                )
            document.review_reminded_for = document.review_by
            document.save(update_fields=["review_reminded_for"])
    return [d.pk for d in due]


# --- Good practice -----------------------------------------------------------------------


def _example_editions(example: GoodPracticeExample) -> list[Edition]:
    """The editions an example's change touches, locked: the one it goes under and, for a
    stored example, the one it is stored under now (it may be moved)."""
    ids = {Standard.objects.values_list("edition_id", flat=True).get(pk=example.standard_id)}
    if example.pk is not None:
        ids |= set(
            GoodPracticeExample.objects.filter(pk=example.pk).values_list(
                "standard__edition_id", flat=True
            )
        )
    return list(Edition.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def example_save(
    *, example: GoodPracticeExample, by: User, now: dt.datetime | None = None
) -> GoodPracticeExample:
    """Add or change a good-practice example of a draft edition. Like the standards, it is
    published only with its edition, after another publisher approves it; whoever adds or
    changes one counts as an author of that edition and may not approve it."""
    editions = _example_editions(example)
    if any(edition.status != EditionStatus.DRAFT for edition in editions):
        raise WorkflowError(EXAMPLE_NOT_IN_DRAFT)
    adding = example.pk is None
    if adding:
        example.created_by = by
    example.save()
    note = ("Good-practice example added: " if adding else "Good-practice example changed: ") + (
        example.title
    )
    for edition in editions:
        _record(edition, Action.EDITED, by, _now(now), note[:500])
    return example


@transaction.atomic
def example_delete(
    *, example: GoodPracticeExample, by: User, now: dt.datetime | None = None
) -> None:
    editions = _example_editions(example)
    if any(edition.status != EditionStatus.DRAFT for edition in editions):
        raise WorkflowError(EXAMPLE_NOT_IN_DRAFT)
    title = example.title
    example.delete()
    for edition in editions:
        _record(edition, Action.EDITED, by, _now(now), f"Good-practice example removed: {title}")


# --- PDFs --------------------------------------------------------------------------------


def _page_count(content: bytes) -> int:
    """Pages of a PDF, from poppler's pdfinfo (0 when it is not installed)."""
    pdfinfo = shutil.which("pdfinfo")
    if not pdfinfo:
        return 0
    try:
        result = subprocess.run(  # noqa: S603  # nosec B603 - our bytes, a fixed program
            [pdfinfo, "-"], input=content, capture_output=True, timeout=20, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return 0
    for line in result.stdout.decode(errors="replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def edition_pdf_render(*, edition: Edition, now=None) -> EditionPDF:
    """Render and keep the PDF of a published or superseded edition (idempotent: nothing is
    rendered when the kept one already matches the edition's state)."""
    from .pdf import edition_pdf_rendered

    edition = Edition.objects.select_related("document").get(pk=edition.pk)
    if not edition.is_public:
        raise WorkflowError("Only published editions have a kept PDF.")
    superseded = edition.is_superseded
    kept = EditionPDF.objects.filter(edition=edition).defer("content").first()
    if kept is not None and kept.superseded == superseded:
        return kept
    started = time.perf_counter()
    rendered = edition_pdf_rendered(edition)
    content = rendered.content
    seconds = time.perf_counter() - started
    logger.info("Rendered PDF of edition %s in %.2f s", edition.pk, seconds)
    values = {
        "superseded": superseded,
        "content": content,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "pages": rendered.pages or _page_count(content),
        "render_seconds": seconds,
        "rendered_at": _now(now),
    }
    try:
        with transaction.atomic():
            pdf, _ = EditionPDF.objects.update_or_create(edition=edition, defaults=values)
    except IntegrityError:
        # Another process kept the same edition's PDF a moment ago: use theirs.
        pdf = EditionPDF.objects.defer("content").get(edition=edition)
    return pdf


def editions_missing_pdfs() -> list[int]:
    """Public editions whose kept PDF is missing or does not match their state."""
    return list(
        Edition.objects.filter(status__in=[EditionStatus.PUBLISHED, EditionStatus.SUPERSEDED])
        .filter(
            Q(pdf__isnull=True)
            | Q(status=EditionStatus.SUPERSEDED, pdf__superseded=False)
            | Q(status=EditionStatus.PUBLISHED, pdf__superseded=True)
        )
        .values_list("pk", flat=True)
    )
