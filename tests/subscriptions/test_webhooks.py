# ruff: noqa: F811  (pytest fixtures imported from gc_server, named as parameters)
"""GoCardless's webhooks, with bodies in its documented format (fixtures/gocardless/), signed
as GoCardless signs them: what a member and an officer would see change, and what a forged
or repeated delivery must not change."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from portal.communications.models import Delivery
from subscriptions.models import (
    Collection,
    CollectionStatus,
    MandateStatus,
    ProviderEvent,
)
from subscriptions.webhooks import bacs_code
from tests.factories import MembershipFactory
from tests.subscriptions.gc_server import make_collection, make_mandate

pytestmark = pytest.mark.django_db

SECRET = "ElCOyCw9PIuhzMWU1VwvGm9zPa3g6lxWD6CzQ0WA"
URL = "/webhooks/gocardless/"
FIXTURES = Path(__file__).parent / "fixtures" / "gocardless"


@pytest.fixture(autouse=True)
def _gocardless(settings):
    settings.SUBSCRIPTIONS_PROVIDER = "gocardless"
    settings.GOCARDLESS_WEBHOOK_SECRET = SECRET
    settings.GOCARDLESS_ACCESS_TOKEN = "sandbox_test_token"
    settings.GOCARDLESS_BASE_URL = "http://127.0.0.1:9"


def body_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, body: bytes, signature: str | None = None):
    headers = {}
    if signature is not False:
        headers["HTTP_WEBHOOK_SIGNATURE"] = sign(body) if signature is None else signature
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.fixture
def mandate(db):
    membership = MembershipFactory()
    return make_mandate(membership, status="active", provider_id="MD000TESTMANDATE")


@pytest.fixture
def collection(mandate):
    return make_collection(mandate, provider_id="PM000TESTPAYMENT")


def test_a_new_mandate_becomes_active(client, db):
    mandate = make_mandate(MembershipFactory(), provider_id="MD000TESTMANDATE")
    response = deliver(client, body_of("mandate_active.json"))
    assert response.status_code == 200
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.ACTIVE
    assert mandate.lodged_at is not None
    assert ProviderEvent.objects.filter(provider="gocardless").count() == 2
    outcomes = [e["outcome"] for e in response.json()["events"]]
    assert outcomes == ["mandate active", "mandate already active"]


def test_a_mandate_cancelled_by_the_payers_bank(client, mandate, collection):
    later = make_collection(mandate, due_on=collection.due_on.replace(month=2))
    response = deliver(client, body_of("mandate_cancelled_by_bank.json"))
    assert response.status_code == 200
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.CANCELLED
    assert mandate.end_reason == "The customer's bank account was closed."
    assert mandate.cancelled_at is not None
    later.refresh_from_db()
    collection.refresh_from_db()
    assert later.status == collection.status == CollectionStatus.CANCELLED
    # The member is told (a service notice: no bank details in it) and the history says why.
    delivery = Delivery.objects.get(user=mandate.membership.user)
    assert delivery.notification == "subscription_direct_debit_stopped"
    change = mandate.membership.changes.filter(field="mandate").first()
    assert "bank account was closed" in change.new_value


def test_a_failed_payment_goes_down_the_arrears_path(client, collection):
    response = deliver(client, body_of("payment_failed.json"))
    assert response.status_code == 200
    collection.refresh_from_db()
    # Insufficient funds may be collected again: once, as a re-presentation.
    assert collection.status == CollectionStatus.REPRESENTED
    assert collection.unpaid_code == "0"
    assert "insufficient funds" in collection.unpaid_reason
    again = Collection.objects.get(represents=collection)
    assert again.kind == "18" and again.status == CollectionStatus.SCHEDULED
    assert again.amount_pence == collection.amount_pence


def test_a_failure_that_cannot_be_retried_leaves_the_month_owed(client, collection):
    body = json.loads(body_of("payment_failed.json"))
    body["events"][0]["id"] = "EV00PAYFAIL002"
    body["events"][0]["details"].update(
        cause="bank_account_closed",
        reason_code="ARUDD-B",
        description="The customer's bank account was closed.",
    )
    raw = json.dumps(body).encode()
    assert deliver(client, raw).status_code == 200
    collection.refresh_from_db()
    assert collection.status == CollectionStatus.UNPAID
    assert collection.unpaid_code == "B"
    assert not Collection.objects.filter(represents=collection).exists()


def test_a_batch_of_events_each_does_its_part(client, mandate, collection):
    other = make_collection(
        mandate, due_on=collection.due_on.replace(month=3), provider_id="PM000OTHERPAYMENT"
    )
    response = deliver(client, body_of("batch.json"))
    assert response.status_code == 200
    collection.refresh_from_db()
    other.refresh_from_db()
    mandate.refresh_from_db()
    assert collection.status == CollectionStatus.PAID and collection.paid_at is not None
    assert other.status == CollectionStatus.CANCELLED
    assert mandate.provider_id == "MD000NEWMANDATE"
    outcomes = {e["id"]: e["outcome"] for e in response.json()["events"]}
    assert outcomes["EV00BATCH00003"] == "ignored"  # payouts: stored, acknowledged
    assert ProviderEvent.objects.get(event_id="EV00BATCH00003").resource_type == "payouts"
    assert ProviderEvent.objects.filter(processed_at__isnull=False).count() == 5


def test_an_event_seen_before_is_acknowledged_and_processed_once(client, collection):
    assert deliver(client, body_of("payment_failed.json")).status_code == 200
    history_rows = collection.membership.changes.count()
    collection.refresh_from_db()
    status = collection.status
    again = deliver(client, body_of("payment_failed.json"))
    assert again.status_code == 200
    assert again.json()["events"][0]["outcome"] == "seen before"
    collection.refresh_from_db()
    assert collection.status == status
    assert Collection.objects.filter(represents=collection).count() == 1
    assert collection.membership.changes.count() == history_rows
    assert ProviderEvent.objects.filter(event_id="EV00PAYFAIL001").count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        "0" * 64,
        sign(b"another body"),
        "not hex at all",
        "é" * 10,
        "",
    ],
)
def test_a_bad_signature_answers_498_and_changes_nothing(client, collection, signature):
    response = deliver(client, body_of("payment_failed.json"), signature=signature)
    assert response.status_code == 498
    collection.refresh_from_db()
    assert collection.status == CollectionStatus.SCHEDULED
    assert not ProviderEvent.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(client, collection):
    body = body_of("payment_failed.json")
    response = deliver(client, body, signature=sign(body, "someone-elses-secret"))
    assert response.status_code == 498
    assert not ProviderEvent.objects.exists()


def test_a_missing_signature_header_is_refused(client, collection):
    response = deliver(client, body_of("payment_failed.json"), signature=False)
    assert response.status_code == 498
    assert not ProviderEvent.objects.exists()


def test_without_a_configured_secret_every_delivery_is_refused(client, settings, collection):
    settings.GOCARDLESS_WEBHOOK_SECRET = ""
    body = body_of("payment_failed.json")
    assert deliver(client, body, signature=sign(body, "")).status_code == 498
    assert not ProviderEvent.objects.exists()


def test_a_signed_body_that_is_not_a_webhook_is_a_400(client, db):
    for body in (b"not json", b'{"no": "events"}', b'{"events": "x"}'):
        assert deliver(client, body).status_code == 400, body
    assert not ProviderEvent.objects.exists()


def test_only_post_and_a_size_limit(client, db):
    assert client.get(URL).status_code == 405
    big = b'{"events": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert deliver(client, big).status_code == 413


def test_an_event_that_fails_does_not_lose_the_others(client, collection, monkeypatch):
    from subscriptions import webhooks

    def broken(action, links, details):
        raise RuntimeError("the mandate handler is broken")

    monkeypatch.setitem(webhooks.HANDLERS, "mandates", broken)
    response = deliver(client, body_of("batch.json"))
    assert response.status_code == 500  # GoCardless sends it again
    collection.refresh_from_db()
    assert collection.status == CollectionStatus.PAID  # the payment events still counted
    failed = ProviderEvent.objects.get(event_id="EV00BATCH00005")
    assert failed.processed_at is None and failed.outcome.startswith("error")

    monkeypatch.undo()
    again = deliver(client, body_of("batch.json"))  # the redelivery
    assert again.status_code == 200
    outcomes = {e["id"]: e["outcome"] for e in again.json()["events"]}
    assert outcomes["EV00BATCH00002"] == "seen before"
    assert outcomes["EV00BATCH00005"] == "mandate replaced"


def test_events_about_unknown_resources_are_acknowledged(client, db):
    body = json.loads(body_of("payment_failed.json"))
    body["events"][0]["links"] = {"payment": "PM999NOTOURS"}
    raw = json.dumps(body).encode()
    response = deliver(client, raw)
    assert response.status_code == 200
    assert response.json()["events"][0]["outcome"] == "unknown payment"


def test_bacs_codes_from_gocardless_details():
    assert bacs_code({"reason_code": "ARUDD-0", "cause": "insufficient_funds"}) == "0"
    assert bacs_code({"reason_code": "ADDACS-B"}) == "B"
    assert bacs_code({"cause": "refer_to_payer"}) == "0"
    assert bacs_code({"cause": "something_new"}) == ""
