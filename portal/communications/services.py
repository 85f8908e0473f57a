"""Writes: composing, approving, sending, pausing; notifications; bounces; unsubscribing.
The admin, the views and the Celery tasks all come through here."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.accounts.choices import Channel, CommunicationKind
from portal.accounts.models import User
from portal.accounts.services import consent_withdraw
from portal.bulk import copy_insert, update_rows
from portal.tasks import enqueue, enqueue_each_on_commit, enqueue_on_commit

from . import conf
from .models import (
    CONSENT_KINDS,
    IN_FLIGHT,
    UNFINISHED,
    AddressEvent,
    AddressStatus,
    Communication,
    CommunicationEdit,
    Delivery,
    DeliveryStatus,
    Feedback,
    Kind,
    Resolution,
    Status,
    WebhookEvent,
)
from .notices import Notice, notice_for
from .notifications import Recipient
from .rendering import UNKNOWN_FIELD_ERROR, delivery_id_from_message_id, unknown_fields
from .selectors import audience_count, audience_for, deliveries_to_skip
from .sending import (
    CANCELLED,
    COMMUNICATION_DISPATCH,
    COMMUNICATION_SEND_BATCH,
    DELIVERY_SEND,
    communication_finish_if_done,
    flag_uncertain,
    token_is_live,
)
from .tokens import InvalidToken, unsubscribe_token_read

NOT_EDITABLE = "A communication that has started sending, or was cancelled, cannot be changed."
SERVICE_NOT_COMPOSABLE = (
    "A message written here is a campaign, a newsletter or the journal: it goes only to "
    "members who opted in. Notices about a member's own membership, subscription, case, "
    "ballot or booking are sent by the portal itself, from texts the union approved."
)
NOT_A_DRAFT = "Only a draft can be submitted for approval."
NOT_AWAITING_APPROVAL = "Only a communication awaiting approval can be approved."
SELF_APPROVAL = (
    "You cannot approve a communication you composed: ask another communications officer."
)
EDITOR_APPROVAL = (
    "You changed this communication, so you cannot approve it: ask a communications officer "
    "who has written no part of it."
)
NO_APPROVE_PERMISSION = "You do not have permission to approve communications."
NO_SEND_PERMISSION = "You do not have permission to send communications."
NOT_APPROVED = "Only an approved communication can be sent or scheduled."
NOT_SCHEDULED = "This communication is not scheduled."
SCHEDULE_IN_PAST = "Choose a time in the future."
CANNOT_RETURN_TO_DRAFT = "A communication that has started sending cannot go back to draft."
NOT_SENDING = "Only a communication that is sending can be paused."
NOT_PAUSED = "Only a paused communication can be resumed."
CANNOT_CANCEL = "A communication that has been sent cannot be cancelled."
EMPTY_AUDIENCE = "This communication reaches no one: change its audience before sending."
NO_EMAIL = "Your account has no email address to send a test to."
NOTIFICATION_KIND_INVALID = "A notification kind is lower-case letters, digits and underscores."
NOTIFICATION_CONTEXT_REFUSED = (
    "A notification's context may hold only short, single-line references and links, never "
    "the content of a case or a message: %(key)s is refused."
)
UNKNOWN_EVENT = "Unknown event: expected hard_bounce, soft_bounce or complaint."
WEBHOOK_REPLAYED = "This event has already been received."
NOT_UNCERTAIN = (
    "Only a message set aside as uncertain (the worker stopped while sending it) can be "
    "resent or marked as delivered."
)

MAX_CONTEXT_VALUE = 300


class CommunicationError(Exception):
    """A rule was broken; the message is one of the constants above, shown to staff."""


class WebhookReplayed(Exception):
    """A webhook event id that was taken before."""


def _locked(communication: Communication) -> Communication:
    return Communication.objects.select_for_update().get(pk=communication.pk)


def _check_fields(communication: Communication) -> None:
    bad = [
        found
        for text in (
            communication.subject_en_gb or communication.subject,
            communication.body_en_gb or communication.body,
            communication.subject_cy,
            communication.body_cy,
        )
        for found in unknown_fields(text or "")
    ]
    if bad:
        raise CommunicationError(UNKNOWN_FIELD_ERROR % {"fields": ", ".join(dict.fromkeys(bad))})


def _require(user: User, perm: str, message: str) -> None:
    if not user.has_perm(f"communications.{perm}"):
        raise CommunicationError(message)


# -- composing and approval ------------------------------------------------------------------


# What an officer writes; a change to any of it after submission withdraws the approval.
CONTENT_FIELDS = [
    "kind",
    "subject",
    "body",
    "subject_cy",
    "body_cy",
    "sections",
    "nations",
    "employer_kinds",
    "statuses",
    "job_roles",
    "workplace_id",
]
# Submitted but not started: an edit sends it back to draft.
SUBMITTED = {Status.AWAITING_APPROVAL, Status.APPROVED, Status.SCHEDULED}


@transaction.atomic
def communication_save(
    *,
    communication: Communication,
    by: User,
    regions=None,
    employers=None,
) -> Communication:
    """Create or change a communication (the admin's save_model and save_related), with
    its regions and workplaces when given. Every save is recorded with who made it
    (`CommunicationEdit`): nobody who wrote any part of it may approve it. A change after
    submission returns it to draft and withdraws any approval and schedule."""
    if communication.kind not in CONSENT_KINDS:
        raise CommunicationError(SERVICE_NOT_COMPOSABLE)
    _check_fields(communication)
    now = timezone.now()
    if communication.pk:
        current = _locked(communication)
        if current.status not in {Status.DRAFT, *SUBMITTED}:
            raise CommunicationError(NOT_EDITABLE)
        # An empty Welsh text is None in the database and "" from the form: the same text.
        changed = [
            f
            for f in CONTENT_FIELDS
            if (getattr(current, f) or "") != (getattr(communication, f) or "")
        ]
        status_before = current.status
        communication.status = Status.DRAFT
        communication.approved_by = communication.approved_at = None
        communication.submitted_at = communication.scheduled_for = None
        communication.save(
            update_fields=[
                *CONTENT_FIELDS,
                "status",
                "approved_by",
                "approved_at",
                "submitted_at",
                "scheduled_for",
                "updated_at",
            ]
        )
    else:
        communication.created_by = by
        communication.status = Status.DRAFT
        communication.created_at = now
        communication.save()
        changed, status_before = ["created"], ""
    for name, values in (("regions", regions), ("employers", employers)):
        if values is None:
            continue
        manager = getattr(communication, name)
        wanted = {getattr(v, "pk", v) for v in values}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(wanted)
            if name not in changed:
                changed.append(name)
    CommunicationEdit.objects.create(
        communication=communication, by=by, at=now, changed=changed, status_before=status_before
    )
    return communication


def communication_editors(communication: Communication) -> set[int]:
    """Everyone who wrote any part of it: its author and every editor."""
    ids = set(
        CommunicationEdit.objects.filter(communication=communication).values_list(
            "by_id", flat=True
        )
    )
    return ids | {communication.created_by_id}


@transaction.atomic
def communication_submit(*, communication: Communication, by: User) -> Communication:
    c = _locked(communication)
    if c.status != Status.DRAFT:
        raise CommunicationError(NOT_A_DRAFT)
    _check_fields(c)
    c.status, c.submitted_at = Status.AWAITING_APPROVAL, timezone.now()
    c.save(update_fields=["status", "submitted_at", "updated_at"])
    _ask_for_approval(c, by)
    return c


def _ask_for_approval(c: Communication, by: User) -> None:
    """Tell the other communications officers that something waits for their approval."""
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from .rendering import absolute_url

    perm = Permission.objects.get(
        content_type__app_label="communications", codename="approve_communication"
    )
    approvers = (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        .exclude(pk__in={by.pk, *communication_editors(c)})
        .distinct()
    )
    url = absolute_url(reverse("admin:communications_communication_change", args=[c.pk]))
    for approver in approvers:
        notification_create(
            user=approver,
            kind="communication_approval_requested",
            context={"kind": str(Kind(c.kind).label), "author": by.get_full_name(), "url": url},
        )


def communication_may_approve(user: User, c: Communication) -> bool:
    """Who may approve: a communications officer (the permission); for a rep's message to
    a workplace, also a caseworker of the region the rep's membership belongs to. The
    two-person rule (never its author or an editor) is checked by `communication_approve`."""
    if not (user.is_active and user.is_staff):
        return False
    if user.has_perm("communications.approve_communication"):
        return True
    if c.kind != Kind.REP_CONTACT or not c.workplace_id:
        return False
    from portal.accounts.models import Membership
    from portal.accounts.roles import Role

    region_id = (
        Membership.objects.filter(user_id=c.created_by_id).values_list("region_id", flat=True)
    ).first()
    if user.has_perm("casework.view_all_cases"):
        return True  # the casework manager: every region
    return (
        region_id is not None
        and user.groups.filter(name=Role.CASEWORKER).exists()
        and user.regions.filter(pk=region_id).exists()
    )


@transaction.atomic
def communication_approve(*, communication: Communication, by: User) -> Communication:
    c = _locked(communication)
    if not communication_may_approve(by, c):
        raise CommunicationError(NO_APPROVE_PERMISSION)
    if c.status != Status.AWAITING_APPROVAL:
        raise CommunicationError(NOT_AWAITING_APPROVAL)
    if c.created_by_id == by.pk:
        raise CommunicationError(SELF_APPROVAL)
    if by.pk in communication_editors(c):
        raise CommunicationError(EDITOR_APPROVAL)
    c.status, c.approved_by, c.approved_at = Status.APPROVED, by, timezone.now()
    c.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return c


@transaction.atomic
def communication_return_to_draft(*, communication: Communication, by: User) -> Communication:
    """Back to draft for changes; any approval is withdrawn and must be given again."""
    c = _locked(communication)
    if c.status not in {Status.AWAITING_APPROVAL, Status.APPROVED, Status.SCHEDULED}:
        raise CommunicationError(CANNOT_RETURN_TO_DRAFT)
    c.status = Status.DRAFT
    c.approved_by = c.approved_at = c.submitted_at = c.scheduled_for = None
    c.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "submitted_at",
            "scheduled_for",
            "updated_at",
        ]
    )
    return c


@transaction.atomic
def communication_send_test(*, communication: Communication, user: User) -> Delivery:
    """Send the message as it stands to the person asking, marked as a test."""
    _check_fields(communication)
    if not user.email:
        raise CommunicationError(NO_EMAIL)
    delivery = Delivery.objects.create(
        communication=communication,
        user=user,
        email=user.email,
        kind=communication.kind,
        is_test=True,
    )
    enqueue_on_commit(DELIVERY_SEND, delivery.pk)
    return delivery


# -- sending ---------------------------------------------------------------------------------


def _freeze_recipients(communication: Communication, now: datetime) -> int:
    """One delivery row per member of the audience as it is now, inserted in one statement."""
    users = audience_for(communication).order_by("id").values_list("id", "email")
    select_sql, params = users.query.sql_with_params()
    qn = connection.ops.quote_name
    columns = [
        "communication_id",
        "user_id",
        "email",
        "kind",
        "notification",
        "is_test",
        "status",
        "attempts",
        "claim_token",
        "error",
        "feedback",
        "resolution",
        "created_at",
    ]
    # Names are quoted by the backend; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(Delivery._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608  # nosec B608
        f"SELECT %s, a.{qn('id')}, a.{qn('email')}, %s, %s, %s, %s, 0, %s, %s, %s, %s, %s "
        f"FROM ({select_sql}) a"
    )
    values = [
        communication.pk,
        communication.kind,
        "",
        False,
        DeliveryStatus.QUEUED,
        "",
        "",
        "",
        "",
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, now, *params])
    return Delivery.objects.filter(communication=communication, is_test=False).count()


def communication_start(
    *, communication: Communication, by: User | None = None, now: datetime | None = None
) -> Communication:
    """Fix the recipient list and start sending (now, or when its scheduled time comes)."""
    now = now or timezone.now()
    with transaction.atomic():
        c = _locked(communication)
        if by is not None:
            _require(by, "send_communication", NO_SEND_PERMISSION)
        if c.status not in {Status.APPROVED, Status.SCHEDULED} or not c.approved_by_id:
            raise CommunicationError(NOT_APPROVED)
        if c.kind not in CONSENT_KINDS:
            raise CommunicationError(SERVICE_NOT_COMPOSABLE)
        if by is not None and audience_count(c) == 0:
            raise CommunicationError(EMPTY_AUDIENCE)
        c.recipient_count = _freeze_recipients(c, now)
        c.status, c.started_at, c.started_by = Status.SENDING, now, by
        c.save(
            update_fields=["status", "started_at", "started_by", "recipient_count", "updated_at"]
        )
        if c.recipient_count:
            enqueue_on_commit(COMMUNICATION_DISPATCH, c.pk)
        else:
            c.status, c.finished_at = Status.SENT, now
            c.save(update_fields=["status", "finished_at"])
    return c


@transaction.atomic
def communication_schedule(
    *, communication: Communication, by: User, when: datetime
) -> Communication:
    c = _locked(communication)
    _require(by, "send_communication", NO_SEND_PERMISSION)
    if c.status not in {Status.APPROVED, Status.SCHEDULED}:
        raise CommunicationError(NOT_APPROVED)
    if when <= timezone.now():
        raise CommunicationError(SCHEDULE_IN_PAST)
    c.status, c.scheduled_for = Status.SCHEDULED, when
    c.save(update_fields=["status", "scheduled_for", "updated_at"])
    return c


@transaction.atomic
def communication_unschedule(*, communication: Communication, by: User) -> Communication:
    c = _locked(communication)
    _require(by, "send_communication", NO_SEND_PERMISSION)
    if c.status != Status.SCHEDULED:
        raise CommunicationError(NOT_SCHEDULED)
    c.status, c.scheduled_for = Status.APPROVED, None
    c.save(update_fields=["status", "scheduled_for", "updated_at"])
    return c


@transaction.atomic
def communication_pause(*, communication: Communication, by: User) -> Communication:
    """Stop handing out recipients; batches under way stop within a few messages."""
    c = _locked(communication)
    _require(by, "send_communication", NO_SEND_PERMISSION)
    if c.status != Status.SENDING:
        raise CommunicationError(NOT_SENDING)
    c.status = Status.PAUSED
    c.save(update_fields=["status", "updated_at"])
    return c


@transaction.atomic
def communication_resume(*, communication: Communication, by: User) -> Communication:
    c = _locked(communication)
    _require(by, "send_communication", NO_SEND_PERMISSION)
    if c.status != Status.PAUSED:
        raise CommunicationError(NOT_PAUSED)
    c.status = Status.SENDING
    c.save(update_fields=["status", "updated_at"])
    enqueue_on_commit(COMMUNICATION_DISPATCH, c.pk)
    return c


@transaction.atomic
def communication_cancel(*, communication: Communication, by: User) -> Communication:
    """Before sending, or while paused: whoever has not been sent to yet never will be."""
    c = _locked(communication)
    if c.status in {Status.SENT, Status.CANCELLED}:
        raise CommunicationError(CANNOT_CANCEL)
    if c.status in {Status.SENDING, Status.PAUSED, Status.SCHEDULED, Status.APPROVED}:
        _require(by, "send_communication", NO_SEND_PERMISSION)
    if c.status == Status.SENDING:
        raise CommunicationError("Pause the sending first, then cancel it.")
    now = timezone.now()
    # Rows a worker still holds are its to finish or give back (then they are cancelled too).
    Delivery.objects.filter(communication=c, is_test=False, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.CANCELLED, error=CANCELLED
    )
    c.status = Status.CANCELLED
    c.finished_at = now if c.started_at else None
    c.save(update_fields=["status", "finished_at", "updated_at"])
    return c


def communication_dispatch(*, communication_id: int) -> int:
    """Enqueue one batch task per batch of queued recipients (the dispatch task's body)."""
    c = Communication.objects.filter(pk=communication_id).first()
    if c is None or c.status != Status.SENDING:
        return 0
    queued = Delivery.objects.filter(
        communication=c, is_test=False, status=DeliveryStatus.QUEUED
    ).count()
    Communication.objects.filter(pk=c.pk).update(dispatched_at=timezone.now())
    batches = math.ceil(queued / conf.batch_size())
    for _ in range(batches):
        enqueue(COMMUNICATION_SEND_BATCH, c.pk)
    if not batches:
        communication_finish_if_done(communication_id=c.pk)
    return batches


def communications_start_due(*, now: datetime | None = None) -> list[int]:
    """Start every scheduled communication whose time has come (run by Celery beat)."""
    now = now or timezone.now()
    started = []
    due = Communication.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=now)
    for c in due.order_by("scheduled_for"):
        try:
            communication_start(communication=c, now=now)
        except CommunicationError:
            continue  # changed meanwhile (returned to draft, cancelled)
        started.append(c.pk)
    return started


@dataclass(frozen=True)
class SweepResult:
    rows_requeued: int
    communications_dispatched: list[int]
    communications_finished: list[int]
    deliveries_enqueued: int


def deliveries_sweep(*, now: datetime | None = None, stale_after: int | None = None) -> SweepResult:
    """Put right what a dead worker or a lost task left (run by Celery beat).

    Rows held by a worker that is no longer there go back to the queue; a send whose tasks
    are gone is dispatched again; notifications whose task never ran are enqueued again.
    Work that is alive is left alone.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=conf.stale_after() if stale_after is None else stale_after)
    requeued = 0
    tokens = (
        Delivery.objects.filter(status__in=IN_FLIGHT, claimed_at__lte=stale)
        .values_list("claim_token", flat=True)
        .distinct()
    )
    for token in list(tokens[:1000]):
        if token and token_is_live(token):
            continue
        held = Delivery.objects.filter(
            claim_token=token, status__in=IN_FLIGHT, claimed_at__lte=stale
        ).order_by("pk")
        first = held.values_list("pk", flat=True).first()
        if first is not None and token:
            flag_uncertain(first, token)  # the one that may have gone: for review
        requeued += held.update(status=DeliveryStatus.QUEUED, claim_token="", claimed_at=None)  # nosec B106

    dispatched, finished = [], []
    for c in Communication.objects.filter(status=Status.SENDING).order_by("pk"):
        rows = Delivery.objects.filter(communication=c, is_test=False)
        if not rows.filter(status__in=UNFINISHED).exists():
            if communication_finish_if_done(communication_id=c.pk):
                finished.append(c.pk)
            continue
        if c.dispatched_at and c.dispatched_at > stale:
            continue
        if rows.filter(status__in=IN_FLIGHT).exists():
            continue
        due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        if rows.filter(status=DeliveryStatus.QUEUED).filter(due).exists():
            enqueue(COMMUNICATION_DISPATCH, c.pk)
            dispatched.append(c.pk)

    # Sent one by one: notifications, tests, and uncertain rows an officer chose to resend.
    single = Delivery.objects.filter(status=DeliveryStatus.QUEUED).filter(
        Q(communication__isnull=True) | Q(is_test=True) | Q(resolution=Resolution.RESENT)
    )
    waiting = single.filter(
        Q(next_attempt_at__isnull=True, created_at__lte=stale) | Q(next_attempt_at__lte=stale)
    )
    enqueued = 0
    for pk in waiting.values_list("pk", flat=True)[:5000]:
        enqueue(DELIVERY_SEND, pk)
        enqueued += 1
    webhook_events_prune(now=now)
    return SweepResult(requeued, dispatched, finished, enqueued)


# -- notifications ---------------------------------------------------------------------------


_KIND_RE = re.compile(r"[a-z][a-z0-9_]{0,59}")
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def _check_context(context: dict) -> None:
    if not isinstance(context, dict) or len(context) > 20:
        raise ValueError(NOTIFICATION_CONTEXT_REFUSED % {"key": "the context"})
    for key, value in context.items():
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key) or key == "user":
            raise ValueError(NOTIFICATION_CONTEXT_REFUSED % {"key": repr(key)})
        if value is None or isinstance(value, bool | int | float):
            continue
        if (
            not isinstance(value, str)
            or len(value) > MAX_CONTEXT_VALUE
            or "\n" in value
            or "\r" in value
        ):
            raise ValueError(NOTIFICATION_CONTEXT_REFUSED % {"key": repr(key)})


def notification_create(*, user: User, kind: str, context: dict) -> Delivery | None:
    """Record a notification to one person and send it once the caller's transaction
    commits. Inactive accounts get nothing."""
    made = notifications_create_many([(user, kind, context)])
    return made[0] if made else None


_DELIVERY_FIELDS = ["user", "email", "kind", "notification", "context", "created_at"]


def notifications_create_many(items: list[tuple[User, str, dict]]) -> list[Delivery]:
    """`deliveries_write`, returning the deliveries written (as model instances)."""
    return [
        Delivery(
            pk=pk,
            user_id=user_id,
            email=email,
            kind=kind,
            notification=notification,
            context=context,
            created_at=created_at,
            status=status,
            error=error,
        )
        for pk, (user_id, email, kind, notification, context, created_at), status, error in (
            deliveries_write(items)
        )
    ]


def deliveries_write(items: list[tuple[User | Recipient, str, dict]]) -> list[tuple]:
    """Notifications to many people at once (a bureau report returning thousands of
    collections), and to one (`notification_create`): the kind and context checked, nothing
    for inactive accounts or for members where the notice is for staff, the deliveries
    written in one COPY, consent checked in one query per kind, each sent once the caller's
    transaction commits. Returns (id, row, status, error) for each delivery written, row
    holding the values of _DELIVERY_FIELDS."""
    rows: list[tuple] = []
    consent_of: dict[str, str] = {}
    now = timezone.now()
    notices: dict[str, Notice] = {}  # each kind checked once
    for user, kind, context in items:
        notice = notices.get(kind) if isinstance(kind, str) else None
        if notice is None:
            if not isinstance(kind, str) or not _KIND_RE.fullmatch(kind):
                raise ValueError(NOTIFICATION_KIND_INVALID)
            notice = notices[kind] = notice_for(kind)
        _check_context(context)
        if not user.is_active or not user.email or (notice.staff_only and not user.is_staff):
            continue
        if notice.consent:
            consent_of[kind] = notice.consent
        rows.append((user.pk, user.email, Kind.SERVICE, kind, dict(context), now))
    ids = copy_insert(Delivery, _DELIVERY_FIELDS, rows)
    skipped: dict[int, str] = {}
    for kind, consent in consent_of.items():
        skipped.update(
            deliveries_to_skip(
                [pk for pk, row in zip(ids, rows, strict=True) if row[3] == kind],
                consent_kind=consent,
            )
        )
    # Recorded, not sent: the member turned this kind of notice off.
    update_rows(
        Delivery,
        ["status", "error"],
        [(pk, DeliveryStatus.SKIPPED, error) for pk, error in skipped.items()],
    )
    enqueue_each_on_commit(DELIVERY_SEND, [(pk,) for pk in ids if pk not in skipped])
    return [
        (pk, row, DeliveryStatus.SKIPPED, skipped[pk])
        if pk in skipped
        else (pk, row, DeliveryStatus.QUEUED, "")
        for pk, row in zip(ids, rows, strict=True)
    ]


# -- what comes back: bounces, complaints, unsubscribes ---------------------------------------


@transaction.atomic
def address_feedback_record(
    *, email: str, event: str, reason: str = "", message_id: str = ""
) -> AddressStatus:
    """A bounce or complaint about an address. Repeated hard bounces, or a complaint, stop
    campaigns, newsletters and journals to it; a complaint also withdraws that consent."""
    if event not in Feedback.values:
        raise ValueError(UNKNOWN_EVENT)
    email = email.strip().lower()
    now = timezone.now()
    status, _ = AddressStatus.objects.select_for_update().get_or_create(email=email)
    delivery = None
    delivery_id = delivery_id_from_message_id(message_id) if message_id else None
    if delivery_id:
        delivery = (
            Delivery.objects.select_related("user").filter(pk=delivery_id, email=email).first()
        )
    AddressEvent.objects.create(
        email=email, event=event, reason=reason[:500], delivery=delivery, at=now
    )
    if event == Feedback.HARD_BOUNCE:
        status.hard_bounces += 1
    elif event == Feedback.SOFT_BOUNCE:
        status.soft_bounces += 1
    else:
        status.complaints += 1
    status.suppressed = status.hard_bounces >= conf.hard_bounce_limit() or status.complaints > 0
    status.last_event_at, status.last_reason = now, reason[:500]
    status.save()
    if delivery is not None:
        Delivery.objects.filter(pk=delivery.pk).update(feedback=event, feedback_at=now)
        if event == Feedback.COMPLAINT and delivery.kind in CONSENT_KINDS:
            consent_withdraw(
                user=delivery.user, kind=delivery.kind, channel=Channel.EMAIL, source="complaint"
            )
    return status


@transaction.atomic
def feedback_event_receive(
    *,
    event_id: str,
    signed_at: datetime,
    email: str,
    event: str,
    reason: str = "",
    message_id: str = "",
) -> AddressStatus:
    """A signed webhook event, taken once: its id goes into the replay store in the same
    transaction as what it reports, so a replayed event (WebhookReplayed) changes nothing."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(event_id=event_id, signed_at=signed_at)
    except IntegrityError as error:
        raise WebhookReplayed(WEBHOOK_REPLAYED) from error
    return address_feedback_record(email=email, event=event, reason=reason, message_id=message_id)


def webhook_events_prune(*, now: datetime | None = None) -> int:
    """Forget event ids whose signature has expired anyway (their timestamp is refused)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=2 * conf.webhook_tolerance())
    return WebhookEvent.objects.filter(signed_at__lt=cutoff).delete()[0]


# -- uncertain deliveries: the officer's review ----------------------------------------------


def _uncertain(pks, by: User):
    _require(by, "send_communication", NO_SEND_PERMISSION)
    rows = (
        Delivery.objects.select_for_update(of=("self",))
        .filter(pk__in=list(pks), is_test=False, status=DeliveryStatus.UNCERTAIN)
        .exclude(communication__status=Status.CANCELLED)
    )
    found = list(rows.values_list("pk", flat=True))
    if not found:
        raise CommunicationError(NOT_UNCERTAIN)
    return found


@transaction.atomic
def deliveries_resend_uncertain(*, delivery_ids, by: User) -> int:
    """Send again the messages a dead worker may or may not have delivered, knowing that
    some members may get it twice; recorded on each row (who, when). Returns how many."""
    found = _uncertain(delivery_ids, by)
    Delivery.objects.filter(pk__in=found).update(
        status=DeliveryStatus.QUEUED,
        claim_token="",  # nosec B106 - a claim marker, not a password
        claimed_at=None,
        next_attempt_at=None,
        resolution=Resolution.RESENT,
        resolved_by=by,
        resolved_at=timezone.now(),
    )
    for pk in found:
        enqueue_on_commit(DELIVERY_SEND, pk)
    return len(found)


@transaction.atomic
def deliveries_mark_delivered(*, delivery_ids, by: User) -> int:
    """Record that uncertain messages did arrive (e.g. the mail provider's log shows them);
    recorded on each row (who, when). Returns how many."""
    found = _uncertain(delivery_ids, by)
    return Delivery.objects.filter(pk__in=found).update(
        status=DeliveryStatus.SENT,
        sent_at=F("claimed_at"),
        error="",
        resolution=Resolution.MARKED_DELIVERED,
        resolved_by=by,
        resolved_at=timezone.now(),
    )


@dataclass(frozen=True)
class Unsubscribe:
    user: User
    kind: str
    changed: bool = False

    @property
    def kind_label(self) -> str:
        return CommunicationKind(self.kind).label


def unsubscribe_check(*, token: str) -> Unsubscribe:
    """Who and what a token is for; InvalidToken if it is forged, changed or stale."""
    target = unsubscribe_token_read(token)
    user = User.objects.filter(pk=target.user_id, is_active=True).first()
    if user is None:
        raise InvalidToken
    return Unsubscribe(user=user, kind=target.kind)


def unsubscribe(*, token: str) -> Unsubscribe:
    """One-click unsubscribe from one kind by email, without logging in. A second use of
    the same token changes nothing."""
    found = unsubscribe_check(token=token)
    changed = consent_withdraw(
        user=found.user, kind=found.kind, channel=Channel.EMAIL, source="unsubscribe"
    )
    return Unsubscribe(user=found.user, kind=found.kind, changed=changed)
