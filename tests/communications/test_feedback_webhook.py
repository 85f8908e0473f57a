"""Bounces and complaints reported to the signed webhook: each event signed with its id and
timestamp, taken once, and only within five minutes."""

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.choices import Channel
from portal.accounts.models import ConsentState
from portal.communications import services
from portal.communications.models import (
    AddressEvent,
    AddressStatus,
    Communication,
    Delivery,
    Kind,
    WebhookEvent,
)
from portal.communications.rendering import message_id_for
from portal.communications.selectors import audience_for
from portal.communications.views import (
    WEBHOOK_BAD_HEADERS,
    WEBHOOK_BAD_SIGNATURE,
    WEBHOOK_STALE,
    webhook_signature,
)

from .helpers import NEWSLETTER, member

pytestmark = pytest.mark.django_db
SECRET = "webhook-secret-for-tests"
URL = "/communications/webhooks/feedback/"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.COMMUNICATIONS_WEBHOOK_SECRET = SECRET
    settings.COMMUNICATIONS_HARD_BOUNCE_LIMIT = 3


def signed(secret=SECRET, *, event_id=None, timestamp=None, **data):
    """A report as the provider sends it: body, event id, timestamp and their signature."""
    body = json.dumps(data).encode()
    event_id = event_id or f"evt_{uuid.uuid4().hex}"
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "X-Portal-Event-Id": event_id,
        "X-Portal-Timestamp": timestamp,
        "X-Portal-Signature": webhook_signature(
            secret=secret, event_id=event_id, timestamp=timestamp, body=body
        ),
    }
    return body, headers


def send(client, body, headers):
    return client.post(URL, body, content_type="application/json", headers=headers)


def report(client, secret=SECRET, **data):
    return send(client, *signed(secret, **data))


def newsletter_audience():
    return set(audience_for(Communication(kind=Kind.NEWSLETTER, statuses=["active"])))


def test_the_url_is_stable():
    assert reverse("communications:feedback_webhook") == URL


def test_off_without_a_secret(client, settings):
    settings.COMMUNICATIONS_WEBHOOK_SECRET = ""
    assert report(client, email="a@example.org", event="hard_bounce").status_code == 404


def test_unsigned_or_wrongly_signed_reports_are_refused(client):
    assert client.post(URL, b"{}", content_type="application/json").status_code == 400
    body, headers = signed(email="a@example.org", event="hard_bounce")
    unsigned = {k: v for k, v in headers.items() if k != "X-Portal-Signature"}
    assert send(client, body, unsigned).status_code == 403
    # The old scheme (a signature over the body alone) no longer passes.
    import hashlib
    import hmac

    body_only = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert send(client, body, {**headers, "X-Portal-Signature": body_only}).status_code == 403
    response = report(client, secret="guess", email="a@example.org", event="hard_bounce")
    assert response.status_code == 403 and response.json()["error"] == WEBHOOK_BAD_SIGNATURE
    assert client.get(URL).status_code == 405
    assert not AddressEvent.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-address", "event": "hard_bounce"},
        {"email": "a@example.org", "event": "delivered"},
        {"email": "a@example.org"},
        {"email": ["a@example.org"], "event": "hard_bounce"},
        {"email": "a@example.org", "event": "hard_bounce", "reason": 5},
    ],
)
def test_bad_reports_are_refused(client, data):
    assert report(client, **data).status_code == 400
    assert not AddressEvent.objects.exists()


def test_repeated_hard_bounces_stop_campaigns_but_not_service_messages(client):
    reader = member(consents=[NEWSLETTER])
    for n in range(1, 4):
        response = report(client, email=reader.email.upper(), event="hard_bounce", reason="550")
        assert response.status_code == 200
        assert response.json()["suppressed"] is (n == 3)
        assert (reader in newsletter_audience()) is (n < 3)
    status = AddressStatus.objects.get(email=reader.email)
    assert status.hard_bounces == 3 and status.suppressed
    # A notice about the member's own case is still attempted.
    notice = services.notification_create(user=reader, kind="case_update", context={})
    assert notice.status == "queued"


def test_soft_bounces_do_not_stop_anything(client):
    reader = member(consents=[NEWSLETTER])
    for _ in range(5):
        report(client, email=reader.email, event="soft_bounce")
    assert reader in newsletter_audience()


def test_a_complaint_stops_campaigns_and_withdraws_that_consent(client):
    reader = member(consents=[NEWSLETTER])
    delivery = Delivery.objects.create(user=reader, email=reader.email, kind=Kind.NEWSLETTER)
    response = report(
        client, email=reader.email, event="complaint", message_id=message_id_for(delivery.pk)
    )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.feedback == "complaint"
    assert not ConsentState.objects.get(user=reader, kind=NEWSLETTER, channel=Channel.EMAIL).granted
    assert reader not in newsletter_audience()


def test_a_made_up_message_id_marks_no_delivery(client):
    reader = member(consents=[NEWSLETTER])
    delivery = Delivery.objects.create(user=reader, email=reader.email, kind=Kind.NEWSLETTER)
    fake = f"<d{delivery.pk}.000000000000@portal.example>"
    report(client, email=reader.email, event="complaint", message_id=fake)
    delivery.refresh_from_db()
    assert delivery.feedback == ""
    assert ConsentState.objects.get(user=reader, kind=NEWSLETTER, channel=Channel.EMAIL).granted


def test_the_same_signed_event_is_taken_only_once(client):
    """The reported hole: the same signed body, sent again and again, counted each time
    until it suppressed the address. Now the second copy is refused and changes nothing."""
    reader = member(consents=[NEWSLETTER])
    body, headers = signed(email=reader.email, event="hard_bounce", reason="550")
    assert send(client, body, headers).status_code == 200
    for _ in range(3):
        again = send(client, body, headers)
        assert again.status_code == 409
        assert again.json()["error"] == services.WEBHOOK_REPLAYED
    status = AddressStatus.objects.get(email=reader.email)
    assert (status.hard_bounces, status.suppressed) == (1, False)
    assert AddressEvent.objects.count() == 1
    assert reader in newsletter_audience()


def test_a_new_event_id_with_the_same_body_needs_its_own_signature(client):
    reader = member(consents=[NEWSLETTER])
    body, headers = signed(email=reader.email, event="complaint")
    assert send(client, body, headers).status_code == 200
    renamed = {**headers, "X-Portal-Event-Id": "evt_another"}
    assert send(client, body, renamed).status_code == 403
    moved = {**headers, "X-Portal-Timestamp": str(int(time.time()) + 1)}
    assert send(client, body, moved).status_code == 403
    assert AddressEvent.objects.count() == 1


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_events_more_than_five_minutes_from_now_are_refused(client, age):
    body, headers = signed(
        timestamp=int(time.time()) - age, email="a@example.org", event="hard_bounce"
    )
    response = send(client, body, headers)
    assert response.status_code == 403 and response.json()["error"] == WEBHOOK_STALE
    assert not AddressEvent.objects.exists() and not WebhookEvent.objects.exists()


def test_an_event_four_minutes_old_is_taken(client):
    body, headers = signed(
        timestamp=int(time.time()) - 240, email="a@example.org", event="soft_bounce"
    )
    assert send(client, body, headers).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"X-Portal-Event-Id": ""},
        {"X-Portal-Event-Id": "has spaces"},
        {"X-Portal-Event-Id": "x" * 101},
        {"X-Portal-Timestamp": ""},
        {"X-Portal-Timestamp": "yesterday"},
        {"X-Portal-Timestamp": "1e9"},
        {"X-Portal-Timestamp": "9" * 40},
    ],
)
def test_bad_event_ids_and_timestamps_are_refused(client, change):
    body, headers = signed(email="a@example.org", event="hard_bounce")
    response = send(client, body, {**headers, **change})
    assert response.status_code == 400 and response.json()["error"] == WEBHOOK_BAD_HEADERS
    assert not AddressEvent.objects.exists()


def test_a_refused_body_does_not_use_up_its_event_id(client):
    body, headers = signed(email="not-an-address", event="hard_bounce")
    assert send(client, body, headers).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_the_replay_store_forgets_only_what_has_expired_anyway(client):
    report(client, email="a@example.org", event="soft_bounce")
    WebhookEvent.objects.create(
        event_id="evt_old", signed_at=timezone.now() - timedelta(minutes=11)
    )
    services.deliveries_sweep()
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)).count("evt_old") == 0
    assert WebhookEvent.objects.count() == 1
