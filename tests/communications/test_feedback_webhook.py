"""Bounces and complaints reported to the signed webhook."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from portal.accounts.choices import Channel
from portal.accounts.models import ConsentState
from portal.communications.models import AddressEvent, AddressStatus, Communication, Delivery, Kind
from portal.communications.rendering import message_id_for
from portal.communications.selectors import audience_for
from portal.communications.views import WEBHOOK_BAD_SIGNATURE

from .helpers import NEWSLETTER, member

pytestmark = pytest.mark.django_db
SECRET = "webhook-secret-for-tests"
URL = "/communications/webhooks/feedback/"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.COMMUNICATIONS_WEBHOOK_SECRET = SECRET
    settings.COMMUNICATIONS_HARD_BOUNCE_LIMIT = 3


def report(client, secret=SECRET, **data):
    body = json.dumps(data).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        URL, body, content_type="application/json", headers={"X-Portal-Signature": signature}
    )


def newsletter_audience():
    return set(audience_for(Communication(kind=Kind.NEWSLETTER, statuses=["active"])))


def service_audience():
    return set(audience_for(Communication(kind=Kind.SERVICE, statuses=["active"])))


def test_the_url_is_stable():
    assert reverse("communications:feedback_webhook") == URL


def test_off_without_a_secret(client, settings):
    settings.COMMUNICATIONS_WEBHOOK_SECRET = ""
    assert report(client, email="a@example.org", event="hard_bounce").status_code == 404


def test_unsigned_or_wrongly_signed_reports_are_refused(client):
    assert client.post(URL, b"{}", content_type="application/json").status_code == 403
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
    assert reader in service_audience()


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
