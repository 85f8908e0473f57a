"""Enqueueing by name, and never depending on the broker being up at commit time.

Tasks sit on top of services (`make lint` holds it): a `services`/`selectors` module never
imports a `tasks` module, it names the task, e.g.
`enqueue_on_commit("casework.tasks.refresh_case_flags", case.pk)`.

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


def task_named(name: str):
    """The registered task called `name`. Not `send_task`: that goes to the broker even
    when CELERY_TASK_ALWAYS_EAGER asks for in-process runs (the demo, the tests); the task
    object's `apply_async` honours it. A web process has not necessarily imported every
    app's tasks module yet: Celery's autodiscovery does that on first need."""
    from celery import current_app

    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.loader.import_default_modules()  # runs autodiscover_tasks()
        return current_app.tasks[name]


def enqueue(task, *args, countdown: float | None = None, **kwargs):
    """Queue `task` (its registered name, or the task) now, e.g. a retry from inside a task."""
    resolved = task_named(task) if isinstance(task, str) else task
    return resolved.apply_async(args, kwargs, countdown=countdown)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` (its registered name, or the task) once the transaction commits."""
    transaction.on_commit(lambda: _send_each(task, [(args, kwargs)]))


def enqueue_each_on_commit(task, args_list) -> None:
    """Queue `task` once for each tuple of arguments (a delivery id each, for thousands of
    notices) once the transaction commits: one commit hook instead of one per task. If the
    broker cannot be reached the rest are left to the periodic sweep, as for one."""
    calls = [(tuple(args), {}) for args in args_list]
    if calls:
        transaction.on_commit(lambda: _send_each(task, calls))


def _send_each(task, calls: list[tuple[tuple, dict]]) -> None:
    resolved = task_named(task) if isinstance(task, str) else task
    for done, (args, kwargs) in enumerate(calls):
        try:
            resolved.apply_async(args, kwargs)
        except (BrokerUnavailable, ConnectionError, TimeoutError) as error:
            if len(calls) == 1:
                logger.warning(
                    "Task %s was not queued (%s); the periodic sweep will queue it.",
                    resolved.name,
                    type(error).__name__,
                )
            else:
                logger.warning(
                    "Task %s was not queued %d times (%s); the periodic sweep will queue them.",
                    resolved.name,
                    len(calls) - done,
                    type(error).__name__,
                )
            return
