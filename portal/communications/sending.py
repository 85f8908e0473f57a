"""The sending engine: exactly one email per delivery row.

Each row moves queued -> claimed -> sent (or failed, or back to queued for a retry). A task
claims a batch of rows under its own token (its Celery task id) with `SELECT ... FOR UPDATE
SKIP LOCKED`, so two tasks never hold the same row, and marks each row `sent` in its own
committed statement right after the mail server accepts it. Every later step only touches
rows still held under the task's token.

Therefore a task that runs again (a retry, a duplicate, a re-delivery after its worker was
killed) finds the rows already sent and never sends them again. While a task runs it holds
a PostgreSQL advisory lock on its token: a second copy of the same task running at the same
time gives way, and the sweep can tell a live worker's rows from a dead one's. When a worker
dies, the rows it had not marked sent go back to the queue: the re-delivered task resumes
them at once, and the periodic sweep catches any whose task is gone altogether.

The one message that can be sent twice is the one whose worker died after the mail server
accepted it and before `sent` was written (well under a millisecond): SMTP cannot tell us,
and a duplicate is better than a member who is never told.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from portal.i18n import member_language
from portal.tasks import enqueue

from . import conf
from .models import (
    IN_FLIGHT,
    UNFINISHED,
    Communication,
    Delivery,
    DeliveryStatus,
    Status,
)
from .notices import notice_for
from .rendering import Composers, composer_for, notification_message, recipient_for
from .selectors import deliveries_to_skip

logger = logging.getLogger(__name__)

# A running batch looks for a pause every so many messages, or every second.
PAUSE_CHECK_EVERY = 25
GAVE_UP = "Gave up after {attempts} attempts: {reason}"
NO_TEMPLATE = "No email template for notifications of kind {kind!r}."
NOT_SENT_BY_BACKEND = "The email backend did not send the message."
CANCELLED = "The send was cancelled."

# The tasks (tasks.py) sit on top of this module and services.py: they are queued by name.
COMMUNICATION_DISPATCH = "portal.communications.tasks.communication_dispatch"
COMMUNICATION_SEND_BATCH = "portal.communications.tasks.communication_send_batch"
DELIVERY_SEND = "portal.communications.tasks.delivery_send"


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    released: int = 0
    skipped: bool = False
    # Rows not sent because consent was withdrawn (or the address stopped) since they were
    # recorded: marked "skipped" with the reason.
    withheld: int = 0
    retry_in: list[int] = field(default_factory=list)


# -- locks -----------------------------------------------------------------------------------


def _lock_key(token: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"comms:{token}".encode()).digest()[:8], "big", signed=True
    )


@contextmanager
def token_lock(token: str) -> Iterator[bool]:
    """Hold an advisory lock on `token` while working (PostgreSQL; elsewhere always True:
    SQLite is only the single-process demo). Yields False if someone else holds it."""
    if db_connection.vendor != "postgresql":
        yield True
        return
    key = _lock_key(token)
    if settings.DATABASE_POOLER:
        with _pinned_transaction_lock(key) as got:
            yield got
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _pinned_transaction_lock(key: int) -> Iterator[bool]:
    """The lock behind PgBouncer in transaction mode, where a session-level lock could be
    taken on one server connection and released on another (or never). A connection of its
    own keeps one transaction open for as long as the work lasts, holding a
    transaction-level lock: PgBouncer keeps an open transaction on one server connection,
    and the lock goes when the transaction ends, or when a dead worker's connection drops.
    The transaction takes no snapshot and no transaction id, so it holds back no vacuum."""
    lock_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        lock_connection.ensure_connection()
        lock_connection.set_autocommit(False)
        with lock_connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
            got = cursor.fetchone()[0]
        yield got
    finally:
        with contextlib.suppress(DatabaseError):
            lock_connection.rollback()
        lock_connection.close()


@contextmanager
def quick_commits() -> Iterator[None]:
    """Status marks are committed without waiting for the disk (PostgreSQL's
    synchronous_commit off, for this session only while sending). They are visible to every
    other session at once, so a killed worker loses nothing; only a crash of the database
    server itself could forget the last fraction of a second of "sent" marks, whose
    messages would then be sent again. It makes each mark several times cheaper.
    Not behind PgBouncer in transaction mode: a SET outside a transaction would stay on a
    server connection other clients get next."""
    if (
        db_connection.vendor != "postgresql"
        or db_connection.in_atomic_block
        or settings.DATABASE_POOLER
    ):
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def token_is_live(token: str) -> bool:
    """Whether a worker is working under `token` now (its lock is held)."""
    if db_connection.vendor != "postgresql":
        return False
    with token_lock(token) as got:
        return not got


# -- rate limit ------------------------------------------------------------------------------


class RateLimiter:
    """At most `rate` messages a second across every worker, counted in the shared cache."""

    def __init__(self, rate: int):
        self.rate = rate

    def wait(self) -> None:
        if self.rate <= 0:
            return
        while True:
            now = time.time()
            key = f"communications:rate:{int(now)}"
            cache.add(key, 0, timeout=10)
            try:
                count = cache.incr(key)
            except ValueError:
                count = 1
            if count <= self.rate:
                return
            time.sleep(max(0.001, int(now) + 1 - time.time()))


# -- errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    temporary: bool
    reason: str
    connection_broken: bool = False


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def classify(error: Exception) -> Failure:
    """4xx answers and lost connections are temporary; 5xx answers are permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(error.recipients.values()), (450, b""))
        return Failure(not 500 <= code < 600, f"{code} {_text(message)}"[:480])
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return Failure(
            not 500 <= code < 600, f"{code} {_text(error.smtp_error)}"[:480], code == 421
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return Failure(True, "The mail server closed the connection.", True)
    if isinstance(error, OSError | smtplib.SMTPException):
        return Failure(True, f"Could not reach the mail server ({type(error).__name__}).", True)
    # Another backend (e.g. a provider's API through django-anymail): retry a few times.
    return Failure(True, f"{type(error).__name__}: {_text(error)}"[:480], True)


# -- row transitions (each one statement, committed at once) ---------------------------------


def _mine(pk: int, token: str):
    return Delivery.objects.filter(pk=pk, claim_token=token)


# The mark every message gets is plain SQL: it runs thousands of times a second.
_TABLE = Delivery._meta.db_table


def _mark_sent(pk: int, token: str) -> None:
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET status = %s, sent_at = %s, error = '', "  # noqa: S608  # nosec B608
            "next_attempt_at = NULL WHERE id = %s AND claim_token = %s AND status = %s",
            [DeliveryStatus.SENT, timezone.now(), pk, token, DeliveryStatus.CLAIMED],
        )


def _mark_failed(pk: int, token: str, reason: str) -> None:
    _mine(pk, token).update(
        status=DeliveryStatus.FAILED, failed_at=timezone.now(), error=reason[:500]
    )


def _mark_skipped(pks: list[int], token: str, reason: str) -> int:
    return Delivery.objects.filter(
        pk__in=pks, claim_token=token, status=DeliveryStatus.CLAIMED
    ).update(status=DeliveryStatus.SKIPPED, error=reason[:500], next_attempt_at=None)


def _defer(pk: int, token: str, attempts: int, reason: str) -> int | None:
    """Back to the queue for a later attempt; None when there are no attempts left."""
    if attempts >= conf.max_attempts():
        _mark_failed(pk, token, GAVE_UP.format(attempts=attempts, reason=reason))
        return None
    delay = conf.retry_delay(attempts)
    _mine(pk, token).update(
        status=DeliveryStatus.QUEUED,
        claim_token="",  # nosec B106 - a claim marker, not a password
        claimed_at=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        error=reason[:500],
    )
    return delay


def release(token: str, pks=None, *, delay: int | None = None) -> int:
    """Give rows held under `token` (and not yet attempted) back to the queue."""
    rows = Delivery.objects.filter(claim_token=token, status=DeliveryStatus.CLAIMED)
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    values = {
        "status": DeliveryStatus.QUEUED,
        "claim_token": "",  # nosec B105 - a claim marker, not a password
        "claimed_at": None,
        "attempts": Greatest(F("attempts") - 1, 0),
    }
    if delay is not None:
        values["next_attempt_at"] = timezone.now() + timedelta(seconds=delay)
    return rows.update(**values)


def _due() -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())


def claim_batch(*, communication_id: int, token: str, limit: int) -> list[int]:
    """Rows this token already holds (a re-delivered task resumes them), else up to `limit`
    queued rows that are due, claimed so that no other task can take them."""
    own = list(
        Delivery.objects.filter(claim_token=token, status__in=IN_FLIGHT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if own:
        # Rows are sent in order and each is marked right after the server takes it, so
        # only the first unmarked row can have been handed over when the worker died.
        flag_uncertain(own[0], token)
        return own[1:]
    with transaction.atomic():
        pks = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(communication_id=communication_id, status=DeliveryStatus.QUEUED)
            .filter(_due())
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if pks:
            Delivery.objects.filter(pk__in=pks, status=DeliveryStatus.QUEUED).update(
                status=DeliveryStatus.CLAIMED,
                claim_token=token,
                claimed_at=timezone.now(),
                attempts=F("attempts") + 1,
            )
    return pks


def flag_uncertain(pk: int, token: str) -> int:
    """Set aside the one row a dead worker may have sent, for review rather than resending."""
    return _mine(pk, token).update(
        status=DeliveryStatus.UNCERTAIN,
        error="The worker stopped while sending this message: it may have been delivered.",
    )


def claim_one(*, delivery_id: int, token: str) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery_id)
        .filter(Q(status=DeliveryStatus.QUEUED) | Q(status__in=IN_FLIGHT, claim_token=token))
        .update(
            status=DeliveryStatus.CLAIMED,
            claim_token=token,
            claimed_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    )


# -- the loop --------------------------------------------------------------------------------


def send_rows(
    deliveries: list[Delivery],
    *,
    token: str,
    build: Callable,
    should_stop: Callable[[], bool] | None = None,
    consent_kind: str | None = None,
) -> Outcome:
    """Send each row over one SMTP connection, marking it before and after.

    `consent_kind`: the consent these messages need. It is checked again as they go (before
    the first and then as often as a pause is looked for, every few messages or every
    second): whoever has turned it off, or whose address was stopped, since the row was
    recorded is skipped, and the row says why."""
    outcome = Outcome()
    limiter = RateLimiter(conf.rate_limit())
    envelope_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    mail = None
    last_check = time.monotonic()
    withheld: set[int] = set()

    def check_consent(index: int) -> None:
        """The rows up to the next scheduled look (each row is looked at just before it is
        sent, never the whole rest of the batch again and again)."""
        if consent_kind is None:
            return
        until = (index // PAUSE_CHECK_EVERY + 1) * PAUSE_CHECK_EVERY
        pending = [d.pk for d in deliveries[index:until] if d.pk not in withheld]
        by_reason: dict[str, list[int]] = {}
        for pk, reason in deliveries_to_skip(pending, consent_kind=consent_kind).items():
            by_reason.setdefault(reason, []).append(pk)
        for reason, pks in by_reason.items():
            outcome.withheld += _mark_skipped(pks, token, reason)
            withheld.update(pks)

    try:
        for index, delivery in enumerate(deliveries):
            if index == 0:
                check_consent(0)
            elif index % PAUSE_CHECK_EVERY == 0 or time.monotonic() - last_check > 1:
                last_check = time.monotonic()
                if should_stop and should_stop():
                    outcome.released += release(token, [d.pk for d in deliveries[index:]])
                    break
                check_consent(index)
            if delivery.pk in withheld:
                continue
            limiter.wait()
            attempts = delivery.attempts  # counted when claimed
            try:
                if mail is None:
                    mail = get_connection()
                    mail.open()
            except Exception as error:  # noqa: BLE001 - the server is down: try again later
                failure = classify(error)
                delay = _defer(delivery.pk, token, attempts, failure.reason)
                rest = [d.pk for d in deliveries[index + 1 :]]
                retry_in = delay or conf.retry_delay(1)
                outcome.released += release(token, rest, delay=retry_in)
                outcome.deferred += 1
                outcome.retry_in.append(retry_in)
                logger.warning("communications: cannot open a connection: %s", failure.reason)
                mail = None
                break
            try:
                message = build(delivery, mail)
            except (TemplateDoesNotExist, TemplateSyntaxError):
                _mark_failed(delivery.pk, token, NO_TEMPLATE.format(kind=delivery.notification))
                outcome.failed += 1
                continue
            except Exception as error:  # noqa: BLE001 - record it on the row, go on
                logger.exception("communications: cannot compose delivery %s", delivery.pk)
                _mark_failed(
                    delivery.pk, token, f"Could not compose the email ({type(error).__name__})."
                )
                outcome.failed += 1
                continue
            try:
                prepared = getattr(message, "prepared", None)
                if prepared is not None and isinstance(mail, SMTPBackend):
                    # Django's SMTP backend, its connection open: the bytes are ready.
                    mail.connection.sendmail(envelope_from, [delivery.email], prepared)
                elif not mail.send_messages([message]):
                    raise smtplib.SMTPException(NOT_SENT_BY_BACKEND)
            except Exception as error:  # noqa: BLE001 - classified below
                failure = classify(error)
                if failure.temporary:
                    delay = _defer(delivery.pk, token, attempts, failure.reason)
                    if delay is None:
                        outcome.failed += 1
                    else:
                        outcome.deferred += 1
                        outcome.retry_in.append(delay)
                else:
                    _mark_failed(delivery.pk, token, failure.reason)
                    outcome.failed += 1
                if failure.connection_broken:
                    _close_quietly(mail)
                    mail = None
                continue
            _mark_sent(delivery.pk, token)
            outcome.sent += 1
    finally:
        _close_quietly(mail)
        _count_and_log(outcome, len(deliveries))
    return outcome


def _count_and_log(outcome: Outcome, rows: int) -> None:
    """The metrics' email counters, and one log line per batch (the request id on it joins
    it to the request that queued the send: portal.observability)."""
    from portal.metrics import EMAILS

    if outcome.sent:
        EMAILS.labels("sent").inc(outcome.sent)
    if outcome.failed:
        EMAILS.labels("failed").inc(outcome.failed)
    if outcome.deferred:
        EMAILS.labels("deferred").inc(outcome.deferred)
    logger.info(
        "communications: %d of %d sent, %d failed, %d deferred, %d withheld, %d released",
        outcome.sent,
        rows,
        outcome.failed,
        outcome.deferred,
        outcome.withheld,
        outcome.released,
    )


def _close_quietly(mail) -> None:
    if mail is None:
        return
    with contextlib.suppress(Exception):  # the connection is being dropped anyway
        mail.close()


def _communication_status(communication_id: int) -> str | None:
    return (
        Communication.objects.filter(pk=communication_id).values_list("status", flat=True).first()
    )


def communication_finish_if_done(*, communication_id: int) -> bool:
    unfinished = Delivery.objects.filter(
        communication_id=communication_id, is_test=False, status__in=UNFINISHED
    )
    if unfinished.exists():
        return False
    return bool(
        Communication.objects.filter(pk=communication_id, status=Status.SENDING).update(
            status=Status.SENT, finished_at=timezone.now()
        )
    )


def _cancel_if_cancelled(communication_id: int) -> None:
    """Rows a batch gave back after its communication was cancelled are cancelled too."""
    if _communication_status(communication_id) == Status.CANCELLED:
        Delivery.objects.filter(
            communication_id=communication_id, is_test=False, status=DeliveryStatus.QUEUED
        ).update(status=DeliveryStatus.CANCELLED, error=CANCELLED)


def batch_send(*, communication_id: int, token: str) -> Outcome:
    """One batch of a bulk send (the body of the `communication_send_batch` task)."""
    with token_lock(token) as locked, quick_commits():
        if not locked:
            return Outcome(skipped=True)
        communication = Communication.objects.filter(pk=communication_id).first()
        if communication is None:
            return Outcome(skipped=True)
        if communication.status != Status.SENDING:
            outcome = Outcome(released=release(token), skipped=True)
            _cancel_if_cancelled(communication_id)
            return outcome
        pks = claim_batch(communication_id=communication_id, token=token, limit=conf.batch_size())
        if not pks:
            communication_finish_if_done(communication_id=communication_id)
            return Outcome()
        # Each member's in their language: one Composer per language in the batch.
        composers = Composers(communication)
        deliveries = list(
            Delivery.objects.filter(pk__in=pks).select_related("user__membership").order_by("pk")
        )
        outcome = send_rows(
            deliveries,
            token=token,
            build=lambda d, mail: composers.for_user(d.user).message_for(
                recipient_for(d), connection=mail, bytes_only=isinstance(mail, SMTPBackend)
            ),
            should_stop=lambda: _communication_status(communication_id) != Status.SENDING,
            consent_kind=communication.consent_kind,
        )
    if outcome.released:
        _cancel_if_cancelled(communication_id)
    if outcome.retry_in:
        enqueue(COMMUNICATION_SEND_BATCH, communication_id, countdown=min(outcome.retry_in))
    communication_finish_if_done(communication_id=communication_id)
    return outcome


def notification_consent(kind: str) -> str | None:
    """The consent a notification needs (None: a service notice, always sent)."""
    try:
        return notice_for(kind).consent
    except ValueError:
        return None  # refused when recorded; an older row is sent as it was recorded


def delivery_send(*, delivery_id: int, token: str) -> Outcome:
    """One notification or test email (the body of the `delivery_send` task)."""
    with token_lock(token) as locked:
        if not locked or not claim_one(delivery_id=delivery_id, token=token):
            return Outcome(skipped=True)
        delivery = Delivery.objects.select_related("user__membership", "communication").get(
            pk=delivery_id
        )
        consent_kind = None
        if delivery.communication_id:
            c = delivery.communication
            # A test goes to the officer who asked; a bulk row sent on its own (an uncertain
            # one resent by an officer) is the real message and still needs consent.
            composer = composer_for(
                c, language=member_language(delivery.user), test=delivery.is_test
            )
            if not delivery.is_test:
                consent_kind = c.consent_kind

            def build(d, mail):
                return composer.message_for(recipient_for(d), connection=mail)
        else:
            consent_kind = notification_consent(delivery.notification)

            def build(d, mail):
                return notification_message(d, connection=mail)

        outcome = send_rows([delivery], token=token, build=build, consent_kind=consent_kind)
    if outcome.retry_in:
        enqueue(DELIVERY_SEND, delivery_id, countdown=min(outcome.retry_in))
    return outcome
