"""Reads where a few seconds of lag are harmless go to a read replica, when there is one.

`DATABASE_REPLICA_URL` adds `DATABASES["replica"]` (a streaming standby). Nothing is routed
there by default: the reports, consultation results, exports and the standards list ask for it
explicitly, with `queryset.using(replica_alias())` or inside `with replica_reads():`. A member's
own pages always read the primary, so what they just changed is there.

`replica_alias()` answers "replica" only while the standby is reachable and no more than
`REPLICA_MAX_LAG_SECONDS` behind; otherwise "default" (the primary). The answer is kept for
`REPLICA_CHECK_SECONDS` in each process, so a page costs no extra query most of the time.
Lag is `now() - pg_last_xact_replay_timestamp()`, except that a standby which has replayed
everything it received is not behind at all: on an idle primary (or just after the standby
restarted) the last replayed transaction may be old without anything being missing.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"

LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE
         WHEN NOT pg_is_in_recovery() THEN 0
         -- Nothing received is waiting to be replayed (after a restart of the standby the
         -- receive position starts again behind the replay position).
         WHEN pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() THEN 0
         ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END
"""

_state: dict[str, float | bool] = {"checked_at": float("-inf"), "usable": False}
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "replica_reads", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float:
    """How far the standby is behind, in seconds (0 when it has replayed all it received).
    Raises DatabaseError when it cannot be reached."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        _in_recovery, lag = cursor.fetchone()
    return float(lag)


def _check() -> bool:
    try:
        lag = replica_lag_seconds()
    except DatabaseError as error:
        logger.warning("Read replica unreachable, reading from the primary: %s", error)
        # A broken connection must not be reused on the next check.
        connections[REPLICA].close()
        return False
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if lag > limit:
        logger.warning(
            "Read replica %.1f s behind (limit %s s), reading from the primary", lag, limit
        )
        return False
    return True


def replica_usable() -> bool:
    if not replica_configured():
        return False
    now = time.monotonic()
    if now - float(_state["checked_at"]) >= settings.REPLICA_CHECK_SECONDS:
        _state["usable"] = _check()
        _state["checked_at"] = time.monotonic()
    return bool(_state["usable"])


def forget_replica_state() -> None:
    """Check the replica again at the next read (after a failover, and in tests)."""
    _state["checked_at"] = float("-inf")


def replica_alias() -> str:
    """The database alias for a read where lag is harmless: the replica when it is
    configured, reachable and up to date enough, the primary otherwise. Inside a transaction
    on the primary the primary (the transaction may have written what is being read)."""
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA if replica_usable() else PRIMARY


@contextmanager
def replica_reads() -> Iterator[str]:
    """Queries made inside (the ORM's reads, not writes) go to `replica_alias()`."""
    alias = replica_alias()
    token = _replica_reads.set(alias == REPLICA)
    try:
        yield alias
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """Writes and migrations always on the primary; reads on the replica only inside
    `replica_reads()` (or where a queryset says `.using(...)`)."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
