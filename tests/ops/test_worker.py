"""With a real Celery worker: its heartbeat makes it "alive" on the Service status page and in
the metrics and stops when it dies; a request's id reaches the task it queued and the
worker's JSON log line about the email it sent."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from portal import observability, service_status
from portal.accounts.roles import Role
from portal.communications import services
from tests.communications.helpers import member
from tests.factories import staff_user

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _alive_workers():
    return [w for w in service_status.worker_heartbeats() if w.alive]


def test_a_running_worker_is_alive_and_a_killed_one_goes_late(worker_factory, smtp, settings):
    settings.WORKER_HEARTBEAT_SECONDS = 1  # as the worker below is told
    worker = worker_factory(WORKER_HEARTBEAT_SECONDS=1)
    (beat,) = wait_for(_alive_workers, timeout=20, message="no heartbeat from the worker")
    assert beat.name.startswith("comms-test-")
    admin, _ = staff_user(Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/service-status/").content.decode()
    assert beat.name in page and "At least one worker is alive." in page
    metrics = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert "portal_workers_alive 1.0" in metrics

    worker.kill()
    time.sleep(3.5)  # three heartbeats missed
    assert not _alive_workers()
    page = client.get("/admin/service-status/").content.decode()
    assert "No worker is alive" in page
    metrics = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert "portal_workers_alive 0.0" in metrics


def test_the_request_id_reaches_the_task_and_the_email_log_line(worker_factory, smtp):
    worker = worker_factory()
    person = member()
    token = observability.request_id_var.set("web-request-0042")
    try:
        # As inside a request: the notification's task is queued when the row commits.
        services.notification_create(user=person, kind="case_update", context={"reference": "X"})
    finally:
        observability.request_id_var.reset(token)
    wait_for(lambda: smtp.to(person.email), message="the notification was not sent")

    def sent_line():
        for text in worker.log.read_text().splitlines():
            if text.startswith("{") and "communications: 1 of 1 sent" in text:
                return json.loads(text)
        return None

    line = wait_for(sent_line, timeout=10, message=f"no JSON send line:\n{worker.tail()}")
    assert line["request_id"] == "web-request-0042"
    assert line["level"] == "INFO" and line["logger"] == "portal.communications.sending"
    assert person.email not in worker.log.read_text()
