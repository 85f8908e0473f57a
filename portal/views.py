from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    return render(request, "home.html")


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was written")
    return "ok"


def _check_broker() -> str:
    from portal.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _check_antivirus() -> str:
    from casework import scanning

    return scanning.status()


@never_cache
@require_GET
def healthz(request):
    """The state of what the portal depends on: 200 when all are up, 503 otherwise.
    Antivirus reports "not configured" when no clamd is set (uploads are then unscanned)."""
    checks = {
        "database": _check_database,
        "cache": _check_cache,
        "broker": _check_broker,
        "antivirus": _check_antivirus,
    }
    result, healthy = {}, True
    for name, check in checks.items():
        try:
            result[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure means "down"
            logger.warning("healthz: %s is down: %s", name, type(error).__name__)
            result[name] = "down"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "down", **result}, status=200 if healthy else 503
    )


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


@never_cache
@require_GET
def readyz(request):
    """For the load balancer: may this process take traffic? 200 when the database, the cache
    and the broker answer, 503 otherwise (the body names only what is down)."""
    checks = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
    down = []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readyz: %s is down: %s", name, type(error).__name__)
            down.append(name)
    if down:
        return JsonResponse({"status": "not ready", "down": down}, status=503)
    return JsonResponse({"status": "ready"})
