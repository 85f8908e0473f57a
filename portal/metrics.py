"""Prometheus metrics: what the portal counts as it works, and what is read when scraped.

Labels are view names, status codes, task names, queue names, delivery states and job names:
never a path, an id, an address or anything a person typed.

Several processes (gunicorn's workers, Celery's pool): with `PROMETHEUS_MULTIPROC_DIR` set in
the environment of every web and worker process on the host (one directory they share,
emptied before they start), each process writes its figures there and `/metrics` adds them
up; the Celery worker's figures are therefore served by the web's `/metrics` too. Without
it (the demo, tests) each process counts on its own.

`/metrics` answers only a request with `Authorization: Bearer <METRICS_TOKEN>` or one from an
address in `METRICS_ALLOWED_IPS` (default: this machine); anyone else gets the portal's 404.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import time

from prometheus_client import (
    Counter,
    Histogram,
)

logger = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_SMALL_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)

REQUESTS = Counter(
    "portal_http_requests", "Requests answered, by view and status.", ["view", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds", "Time to answer a request.", ["view"],
    buckets=_LATENCY_BUCKETS,
)  # fmt: skip
REQUEST_DB_SECONDS = Histogram(
    "portal_http_db_seconds", "Database time within one request.", ["view"],
    buckets=_SMALL_BUCKETS,
)  # fmt: skip
REQUEST_DB_QUERIES = Counter("portal_http_db_queries", "Database queries run, by view.", ["view"])
REQUEST_CACHE_SECONDS = Histogram(
    "portal_http_cache_seconds", "Cache (Redis) time within one request.", ["view"],
    buckets=_SMALL_BUCKETS,
)  # fmt: skip
TASKS = Counter(
    "portal_celery_tasks", "Celery tasks finished, by task and state.", ["task", "state"]
)
TASK_SECONDS = Histogram(
    "portal_celery_task_duration_seconds", "Time a Celery task ran.", ["task"],
    buckets=_LATENCY_BUCKETS + (60, 300),
)  # fmt: skip
EMAILS = Counter(
    "portal_emails", "Emails handed to the mail server or given up, by outcome.", ["outcome"]
)
PDF_SECONDS = Histogram(
    "portal_pdf_render_seconds", "Time to render one PDF, by outcome.", ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)  # fmt: skip


def timed_render(render):
    """Decorates the PDF renderer (portal.pdf.render_pdf): its time, by outcome."""

    @functools.wraps(render)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        outcome = "error"
        try:
            result = render(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            PDF_SECONDS.labels(outcome).observe(time.perf_counter() - start)

    return timed


# --- Per request: database and cache time ----------------------------------------------------

# [database seconds, queries, cache seconds] of the request running in this context.
_request_timings: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "portal_request_timings", default=None
)


def add_cache_time(seconds: float) -> None:
    timings = _request_timings.get()
    if timings is not None:
        timings[2] += seconds


class _DatabaseTimer:
    def __init__(self, timings: list):
        self.timings = timings

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings[0] += time.perf_counter() - start
            self.timings[1] += 1


class MetricsMiddleware:
    """Counts each request by view name and status, and times it, its queries and its cache
    calls. Placed right after the request id middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection

        from portal.observability import view_name

        timings = [0.0, 0, 0.0]
        token = _request_timings.set(timings)
        start = time.perf_counter()
        status = 500
        try:
            with connection.execute_wrapper(_DatabaseTimer(timings)):
                response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - start
            _request_timings.reset(token)
            view = view_name(request)
            REQUESTS.labels(view, _method(request.method), str(status)).inc()
            REQUEST_SECONDS.labels(view).observe(elapsed)
            REQUEST_DB_SECONDS.labels(view).observe(timings[0])
            if timings[1]:
                REQUEST_DB_QUERIES.labels(view).inc(timings[1])
            REQUEST_CACHE_SECONDS.labels(view).observe(timings[2])


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _method(method: str | None) -> str:
    return method if method in _METHODS else "other"


# --- Celery tasks ---------------------------------------------------------------------------

_task_started: dict[str, float] = {}


def _on_task_prerun(sender=None, task_id=None, **kwargs):
    if task_id:
        _task_started[task_id] = time.perf_counter()


def _on_task_postrun(sender=None, task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None) if task_id else None
    name = getattr(task, "name", None) or getattr(sender, "name", None) or "unknown"
    TASKS.labels(name, state or "UNKNOWN").inc()
    if started is not None:
        TASK_SECONDS.labels(name).observe(time.perf_counter() - started)


def connect_celery(app) -> None:
    from celery import signals

    signals.task_prerun.connect(_on_task_prerun, weak=False)
    signals.task_postrun.connect(_on_task_postrun, weak=False)


def mark_process_dead(pid: int) -> None:
    """gunicorn's `child_exit` hook (deploy/gunicorn.conf.py): forget a dead worker's live
    figures in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
