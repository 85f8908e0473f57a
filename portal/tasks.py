"""Enqueueing that never depends on the broker being up at commit time.

The database row is the truth (a delivery, an edition without its PDF, a consultation not
yet announced); the task is only a nudge. If the broker cannot be reached when the
transaction commits, the nudge is logged and dropped, and the periodic sweeps of each app
(Celery beat) find the row and enqueue it again.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` (a task, or its registered name, so that services need not import the
    tasks that sit on top of them) once the transaction commits."""

    def send():
        from celery import current_app

        resolved = current_app.tasks[task] if isinstance(task, str) else task
        try:
            resolved.apply_async(args, kwargs)
        except (BrokerUnavailable, ConnectionError, TimeoutError) as error:
            logger.warning(
                "Task %s was not queued (%s); the periodic sweep will queue it.",
                resolved.name,
                type(error).__name__,
            )

    transaction.on_commit(send)
