"""What `/metrics` shows: the figures the processes counted (portal/metrics.py), then the
figures read at scrape time from the database and Redis (queue depth, deliveries in trouble,
overdue cases, the service status). Apart from portal/metrics.py so that the low-level code
that counts (PDF rendering, sending) never imports the apps these read."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)


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
