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
import hmac
import ipaddress
import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

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


# --- Read when scraped ------------------------------------------------------------------------


def _broker_queue_lengths() -> dict[str, int]:
    """LLEN of each queue on the Redis broker (with its priority sub-queues)."""
    from portal.celery import app

    url = app.conf.broker_url
    if not url or not url.startswith(("redis://", "rediss://")) or app.conf.task_always_eager:
        return {}
    import redis

    queues = {app.conf.task_default_queue or "celery"}
    queues.update(app.amqp.queues.keys())
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        lengths = {}
        for queue in sorted(queues):
            keys = [queue] + [f"{queue}\x06\x16{p}" for p in (3, 6, 9)]
            with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.llen(key)
                lengths[queue] = sum(pipe.execute())
        return lengths
    finally:
        client.close()


class ScrapeCollector:
    """Figures read from the database and Redis at scrape time: each a cheap, indexed query."""

    def collect(self):
        yield from self._queues()
        yield from self._deliveries()
        yield from self._cases()
        yield from self._service_status()

    def _safely(self, name, fn):
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - a scrape never fails on one figure
            logger.warning("metrics: %s unavailable (%s)", name, type(error).__name__)
            return None

    def _queues(self):
        lengths = self._safely("queue depth", _broker_queue_lengths)
        family = GaugeMetricFamily(
            "portal_celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"]
        )
        for queue, length in (lengths or {}).items():
            family.add_metric([queue], length)
        yield family

    def _deliveries(self):
        from django.db.models import Count

        from portal.communications.models import Delivery, DeliveryStatus

        def counts():
            # delivery_trouble, a partial index of exactly these rows.
            rows = (
                Delivery.objects.filter(
                    status__in=[DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN]
                )
                .values_list("status")
                .order_by()
                .annotate(n=Count("id"))
            )
            found = dict(rows)
            return {s: found.get(s, 0) for s in (DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN)}

        def uncertain_unreviewed():
            return Delivery.objects.filter(status=DeliveryStatus.UNCERTAIN, resolution="").count()

        family = GaugeMetricFamily(
            "portal_deliveries_in_trouble",
            "Emails that failed, or may not have gone (uncertain), as recorded.",
            labels=["status"],
        )
        for status, n in (self._safely("deliveries", counts) or {}).items():
            family.add_metric([str(status)], n)
        yield family
        unreviewed = self._safely("uncertain deliveries", uncertain_unreviewed)
        if unreviewed is not None:
            yield GaugeMetricFamily(
                "portal_deliveries_uncertain_unreviewed",
                "Uncertain deliveries no officer has decided about yet.",
                value=unreviewed,
            )

        def sent_last_minute():
            since = timezone.now() - timedelta(minutes=1)
            return Delivery.objects.filter(status=DeliveryStatus.SENT, sent_at__gte=since).count()

        sent = self._safely("sends per minute", sent_last_minute)
        if sent is not None:
            yield GaugeMetricFamily(
                "portal_emails_sent_last_minute",
                "Emails recorded as sent in the last minute.",
                value=sent,
            )

    def _cases(self):
        from casework.models import Case, Status

        def overdue():
            # case_overdue_open, a partial index of exactly these rows.
            return Case.objects.filter(overdue=True).exclude(status=Status.CLOSED).count()

        n = self._safely("overdue cases", overdue)
        if n is not None:
            yield GaugeMetricFamily(
                "portal_cases_overdue", "Open cases past their response deadline.", value=n
            )

    def _service_status(self):
        from portal import service_status

        workers = self._safely("worker heartbeats", service_status.worker_heartbeats) or []
        age = GaugeMetricFamily(
            "portal_worker_heartbeat_age_seconds",
            "Seconds since each Celery worker last wrote its heartbeat.",
            labels=["worker"],
        )
        for worker in workers:
            age.add_metric([worker.name], worker.age_seconds)
        yield age
        yield GaugeMetricFamily(
            "portal_workers_alive",
            "Celery workers whose heartbeat is recent.",
            value=sum(1 for w in workers if w.alive),
        )
        jobs = self._safely("scheduled jobs", service_status.scheduled_jobs) or []
        last = GaugeMetricFamily(
            "portal_scheduled_job_last_run_timestamp_seconds",
            "When each scheduled job last finished (Unix time; 0 if never).",
            labels=["job"],
        )
        late = GaugeMetricFamily(
            "portal_scheduled_job_late",
            "1 when a scheduled job has not run within its interval and the grace period.",
            labels=["job"],
        )
        for job in jobs:
            last.add_metric([job.name], job.last_run.timestamp() if job.last_run else 0)
            late.add_metric([job.name], 1 if job.late else 0)
        yield last
        yield late


_scrape_registry = CollectorRegistry(auto_describe=False)
_scrape_registry.register(ScrapeCollector())


def exposition() -> bytes:
    """Everything `/metrics` shows: what the processes counted, then the scrape-time figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(_scrape_registry)


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = getattr(settings, "METRICS_ALLOWED_IPS", [])
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def metrics_view(request):
    """Prometheus's scrape: the token or an allowed address, else the same 404 as any
    unknown page."""
    if request.method != "GET" or not _allowed(request):
        raise Http404("not found")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def mark_process_dead(pid: int) -> None:
    """gunicorn's `child_exit` hook (deploy/gunicorn.conf.py): forget a dead worker's live
    figures in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
