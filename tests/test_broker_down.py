"""Enqueuing does not depend on the broker being up at commit time: the row is the truth,
and the sweep enqueues it once the broker is back."""

import pytest
from celery.signals import before_task_publish

from portal.celery import app
from portal.communications import services as comms
from portal.communications.models import Delivery, DeliveryStatus
from portal.communications.notifications import notification_send
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def reset_pool():
    """Forget the app's pools so that the next publish uses the new URL. (kombu keeps one
    pool per URL process-wide: closing one would break every later publish to it.)"""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    # What the app had before this test (read before the setting changes: Celery may load
    # its configuration from the settings at first use), put back afterwards, so that the
    # tests after this one run their tasks as the suite does.
    old = (app.conf.task_always_eager, app.conf.broker_url)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    reset_pool()
    yield
    app.conf.task_always_eager, app.conf.broker_url = old
    reset_pool()


def test_a_notification_survives_a_broker_outage(broker_down, django_capture_on_commit_callbacks):
    member = MembershipFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            user=member,
            kind="case_update",
            context={"reference": "CW-2026-000001", "url": "/cases/"},
        )
    delivery = Delivery.objects.get(user=member)
    assert delivery.status == DeliveryStatus.QUEUED, "kept as the truth while the broker is down"
    published = []

    def seen(sender=None, **kwargs):
        published.append(sender)

    before_task_publish.connect(seen, weak=False)
    try:
        app.conf.broker_url = "redis://127.0.0.1:6379/13"
        reset_pool()
        with django_capture_on_commit_callbacks(execute=True):
            comms.deliveries_sweep(stale_after=0)
    finally:
        before_task_publish.disconnect(seen)
        with app.connection_for_write() as connection:
            connection.default_channel.client.flushdb()
    assert any("delivery_send" in str(name) for name in published), published
