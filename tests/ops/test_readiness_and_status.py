"""/readyz/ for the load balancer, and the administrators' Service status page: the
workers' heartbeats and each scheduled job's last run and late flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab, schedule
from django.test import Client

from portal import service_status
from portal.accounts.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
URL = "/admin/service-status/"


def test_readyz_answers_when_database_cache_and_broker_do():
    response = Client().get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readyz_is_503_when_the_cache_is_down(settings):
    # Django's test signals rebuild the cache handlers when CACHES changes.
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.PortalRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = Client().get("/readyz/")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "down": ["cache"]}


def test_readyz_refuses_a_post():
    assert Client().post("/readyz/").status_code == 405


def _admin_client(role):
    user, _ = staff_user(role)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.CASEWORK_MANAGER, 403),
        (Role.COMMUNICATIONS_OFFICER, 403),
        (Role.PUBLISHER, 403),
    ],
)
def test_only_administrators_see_the_service_status(role, status):
    client = _admin_client(role)
    assert client.get(URL).status_code == status
    # The admin's home page links to it for administrators only.
    linked = URL in client.get("/admin/").content.decode()
    assert linked == (status == 200)


def test_members_and_visitors_are_sent_to_log_in(member):
    assert Client().get(URL).status_code == 302
    client = Client()
    client.force_login(member)
    assert client.get(URL).status_code == 302


def test_the_page_shows_workers_and_jobs_late_or_on_time():
    service_status.heartbeat_write("worker-a@host")
    old = (datetime.now(tz=UTC) - timedelta(minutes=5)).timestamp()
    service_status._redis().hset(service_status.WORKERS_KEY, "worker-b@host", old)
    assert service_status.job_record_run("portal.communications.tasks.deliveries_sweep", "SUCCESS")
    page = _admin_client(Role.ADMINISTRATOR).get(URL).content.decode()
    assert "worker-a@host" in page and "worker-b@host" in page
    assert "At least one worker is alive." in page
    row = page[page.index("communications-sweep") :].split("</tr>")[0]
    assert "on time" in row and "SUCCESS" in row and "every 2 min" in row
    never = page[page.index("casework-retention") :].split("</tr>")[0]
    assert "never" in never and "late" in never
    workers = {w.name: w for w in service_status.worker_heartbeats()}
    assert workers["worker-a@host"].alive and not workers["worker-b@host"].alive


def test_no_worker_alive_is_said_plainly():
    page = _admin_client(Role.ADMINISTRATOR).get(URL).content.decode()
    assert "No worker is alive" in page and "No worker has written a heartbeat." in page


def test_late_means_past_the_interval_plus_grace():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    every_two_minutes = schedule(timedelta(minutes=2))
    assert not service_status.is_late(
        every_two_minutes, now - timedelta(minutes=3), grace=60, now=now
    )
    assert service_status.is_late(every_two_minutes, now - timedelta(minutes=4), grace=60, now=now)
    assert service_status.is_late(every_two_minutes, None, grace=60, now=now)


def test_a_daily_crontab_is_late_only_after_its_next_run_is_missed():
    from portal.celery import app

    daily = crontab(hour=7, minute=0, app=app)
    london = ZoneInfo("Europe/London")
    now = datetime.now(tz=UTC)
    last_seven = now.astimezone(london).replace(hour=7, minute=0, second=0, microsecond=0)
    if last_seven > now:
        last_seven -= timedelta(days=1)
    # Ran at its last 07:00: the next is tomorrow's, not yet due.
    ran = last_seven + timedelta(minutes=1)
    assert not service_status.is_late(daily, ran.astimezone(UTC), grace=600, now=now)
    # Ran the day before: the last 07:00 was missed (more than the grace ago, unless it has
    # only just gone 07:00).
    if (now - last_seven) > timedelta(minutes=11):
        before = ran - timedelta(days=1)
        assert service_status.is_late(daily, before.astimezone(UTC), grace=600, now=now)


def test_a_scheduled_task_run_is_recorded_when_it_finishes():
    from standards.tasks import render_missing_pdfs

    render_missing_pdfs.delay()
    (job,) = [
        j for j in service_status.scheduled_jobs() if j.name == "standards-render-missing-pdfs"
    ]
    assert job.last_run is not None and job.last_state == "SUCCESS" and not job.late
    # A task that is not scheduled is not recorded anywhere.
    assert service_status.job_record_run("portal.not.scheduled", "SUCCESS") == 0
