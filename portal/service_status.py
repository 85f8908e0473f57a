"""Is the background work being done? The Celery worker's heartbeat and the last run of each
scheduled (beat) job, both kept in Redis, read by the administrators' "Service status" page
and by `/metrics`.

- Heartbeat: each worker's main process starts a thread when it is ready that writes the time
  to the hash `portal:workers` every `WORKER_HEARTBEAT_SECONDS` (default 15). A worker is
  alive while its last heartbeat is younger than three intervals.
- Scheduled jobs: whenever a task named in `CELERY_BEAT_SCHEDULE` finishes, the time (and its
  state) goes into the hash `portal:beat:last_run`, under the schedule entry's name. A job is
  late when its next run after the last one was due longer than `SCHEDULE_GRACE_SECONDS`
  ago (default 10 minutes), or when it has never run.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings

logger = logging.getLogger(__name__)

WORKERS_KEY = "portal:workers"
LAST_RUN_KEY = "portal:beat:last_run"


def _redis():
    import redis

    url = settings.REDIS_URL
    if not url:
        return None
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def heartbeat_seconds() -> int:
    return int(getattr(settings, "WORKER_HEARTBEAT_SECONDS", 15))


def _now() -> datetime:
    return datetime.now(tz=UTC)


# --- The worker's heartbeat ------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerBeat:
    name: str
    last_seen: datetime
    age_seconds: float
    alive: bool


def heartbeat_write(name: str, *, client=None) -> None:
    client = client or _redis()
    if client is None:
        return
    client.hset(WORKERS_KEY, name, _now().timestamp())


def worker_heartbeats() -> list[WorkerBeat]:
    client = _redis()
    if client is None:
        return []
    now = _now()
    limit = 3 * heartbeat_seconds()
    beats = []
    for raw_name, raw_time in sorted(client.hgetall(WORKERS_KEY).items()):
        try:
            seen = datetime.fromtimestamp(float(raw_time), tz=UTC)
        except ValueError:
            continue
        age = max(0.0, (now - seen).total_seconds())
        beats.append(WorkerBeat(raw_name.decode(), seen, age, age <= limit))
    return beats


def workers_forget_stale(older_than: timedelta = timedelta(days=1)) -> int:
    """Drop the heartbeats of workers gone for a day (a restarted worker has a new name)."""
    client = _redis()
    if client is None:
        return 0
    cutoff = (_now() - older_than).timestamp()
    stale = [k for k, v in client.hgetall(WORKERS_KEY).items() if float(v) < cutoff]
    return client.hdel(WORKERS_KEY, *stale) if stale else 0


class _Heartbeat(threading.Thread):
    def __init__(self, name: str, every: int):
        super().__init__(name="portal-heartbeat", daemon=True)
        self.worker_name, self.every = name, every
        self.stopping = threading.Event()

    def run(self):
        client = None
        while not self.stopping.is_set():
            try:
                client = client or _redis()
                heartbeat_write(self.worker_name, client=client)
            except Exception as error:  # noqa: BLE001 - try again next time
                logger.warning("heartbeat: not written (%s)", type(error).__name__)
                client = None
            self.stopping.wait(self.every)


_heartbeat: _Heartbeat | None = None


def _on_worker_ready(sender=None, **kwargs):
    global _heartbeat
    name = getattr(sender, "hostname", None) or socket.gethostname()
    _heartbeat = _Heartbeat(name, heartbeat_seconds())
    _heartbeat.start()


def _on_worker_shutdown(sender=None, **kwargs):
    if _heartbeat is not None:
        _heartbeat.stopping.set()


# --- Scheduled jobs --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    task: str
    every: str
    last_run: datetime | None
    last_state: str
    late: bool


def _jobs_by_task() -> dict[str, list[str]]:
    by_task: dict[str, list[str]] = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        by_task.setdefault(entry["task"], []).append(name)
    return by_task


def job_record_run(task_name: str, state: str, *, client=None) -> int:
    """Note that `task_name` just finished, for each schedule entry that runs it."""
    names = _jobs_by_task().get(task_name)
    if not names:
        return 0
    client = client or _redis()
    if client is None:
        return 0
    value = json.dumps({"at": _now().timestamp(), "state": state})
    client.hset(LAST_RUN_KEY, mapping=dict.fromkeys(names, value))
    return len(names)


def _describe(schedule) -> str:
    from celery.schedules import crontab

    if isinstance(schedule, crontab):
        return (
            f"cron {schedule._orig_minute} {schedule._orig_hour} {schedule._orig_day_of_month} "
            f"{schedule._orig_month_of_year} {schedule._orig_day_of_week}"
        )
    seconds = int(schedule.run_every.total_seconds())
    if seconds % 3600 == 0:
        return f"every {seconds // 3600} h"
    if seconds % 60 == 0:
        return f"every {seconds // 60} min"
    return f"every {seconds} s"


def is_late(schedule, last_run: datetime | None, *, grace: float, now: datetime) -> bool:
    """Late: never run, or the run due after `last_run` is more than `grace` seconds past."""
    if last_run is None:
        return True
    from celery.schedules import crontab

    if isinstance(schedule, crontab):
        # Celery's own arithmetic: the time from now to the run due after `last_run`.
        due_at = now + schedule.remaining_estimate(last_run)
    else:
        due_at = last_run + schedule.run_every
    return (now - due_at).total_seconds() > grace


def scheduled_jobs() -> list[ScheduledJob]:
    from celery.schedules import maybe_schedule

    from portal.celery import app

    client = _redis()
    recorded = client.hgetall(LAST_RUN_KEY) if client is not None else {}
    grace = float(getattr(settings, "SCHEDULE_GRACE_SECONDS", 600))
    now = _now()
    jobs = []
    for name, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items()):
        schedule = maybe_schedule(entry["schedule"], app=app)
        raw = recorded.get(name.encode())
        last_run, state = None, ""
        if raw:
            try:
                data = json.loads(raw)
                last_run = datetime.fromtimestamp(float(data["at"]), tz=UTC)
                state = str(data.get("state", ""))
            except (ValueError, KeyError, TypeError):
                pass
        jobs.append(
            ScheduledJob(
                name=name,
                task=entry["task"],
                every=_describe(schedule),
                last_run=last_run,
                last_state=state,
                late=is_late(schedule, last_run, grace=grace, now=now),
            )
        )
    return jobs


def _on_task_postrun(sender=None, task=None, state=None, **kwargs):
    name = getattr(task, "name", None)
    if not name:
        return
    try:
        job_record_run(name, state or "")
    except Exception as error:  # noqa: BLE001 - never fail the task for the status page
        logger.warning("scheduled job run not recorded (%s)", type(error).__name__)


def connect_celery(app) -> None:
    from celery import signals

    signals.worker_ready.connect(_on_worker_ready, weak=False)
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False)
    signals.task_postrun.connect(_on_task_postrun, weak=False)


def service_status_view(request, admin_site):
    """The administrators' "Service status" page: the Celery workers' heartbeats and each
    scheduled job's last run."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import render

    from portal.accounts.roles import is_administrator

    if not is_administrator(request.user):
        raise PermissionDenied
    problems = []
    try:
        workers = worker_heartbeats()
        jobs = scheduled_jobs()
    except Exception as error:  # noqa: BLE001 - Redis down: say so on the page
        logger.warning("service status: Redis unavailable (%s)", type(error).__name__)
        workers, jobs = [], []
        problems.append("redis")
    context = {
        **admin_site.each_context(request),
        "title": "Service status",
        "workers": workers,
        "any_alive": any(w.alive for w in workers),
        "jobs": jobs,
        "late_jobs": sum(1 for j in jobs if j.late),
        "heartbeat_seconds": heartbeat_seconds(),
        "problems": problems,
    }
    return render(request, "admin/service_status.html", context)
