# ruff: noqa: F811  (pytest fixtures imported from gc_server, named as parameters)
"""GoCardless behind the provider interface, against a local server standing in for its API:
what the official client sends, the ids the portal keeps, retries that create nothing twice,
and outages that never stop a member or leave half a change behind."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import transaction

from portal.observability import JsonFormatter
from subscriptions import gocardless
from subscriptions.gocardless import ProviderError
from subscriptions.models import CollectionStatus, MandateStatus
from subscriptions.providers import direct_debit_provider
from tests.factories import MembershipFactory
from tests.subscriptions.gc_server import (
    ACCOUNT_NUMBER,
    HOLDER,
    SORT_CODE,
    gocardless_api,  # noqa: F401 - the fixture
    make_collection,
    make_mandate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership(db):
    return MembershipFactory(user__first_name="Alex", user__last_name="Member")


def test_the_provider_is_gocardless_when_configured(gocardless_api):
    assert direct_debit_provider().name == "gocardless"


def test_a_new_mandate_creates_customer_bank_account_and_mandate_after_commit(
    gocardless_api, membership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mandate = make_mandate(membership)
        direct_debit_provider().mandate_created(mandate)
        assert gocardless_api.requests == []  # nothing sent inside the transaction

    customer, account, created = (
        gocardless_api.posts("/customers")[0],
        gocardless_api.posts("/customer_bank_accounts")[0],
        gocardless_api.posts("/mandates")[0],
    )
    assert customer.headers["Authorization"] == "Bearer sandbox_test_token"
    assert customer.body["customers"]["email"] == membership.user.email
    assert customer.body["customers"]["given_name"] == "Alex"
    assert customer.body["customers"]["family_name"] == "Member"
    bank = account.body["customer_bank_accounts"]
    assert bank["account_number"] == ACCOUNT_NUMBER
    assert bank["branch_code"] == SORT_CODE
    assert bank["account_holder_name"] == HOLDER
    assert bank["country_code"] == "GB"
    assert bank["links"]["customer"].startswith("CU")
    sent = created.body["mandates"]
    assert sent["scheme"] == "bacs"
    assert sent["reference"] == mandate.reference
    assert sent["metadata"] == {"mandate": str(mandate.pk)}
    assert sent["links"]["customer_bank_account"].startswith("BA")
    # One idempotency key per create, made from our mandate's id.
    assert customer.headers["Idempotency-Key"] == f"mandate-{mandate.pk}-customer"
    assert account.headers["Idempotency-Key"] == f"mandate-{mandate.pk}-bank-account"
    assert created.headers["Idempotency-Key"] == f"mandate-{mandate.pk}-mandate"

    mandate.refresh_from_db()
    assert mandate.provider_id.startswith("MD")
    assert gocardless_api.resources[mandate.provider_id]["reference"] == mandate.reference
    assert mandate.status == MandateStatus.PENDING  # active when GoCardless says so


def test_nothing_is_sent_when_the_transaction_rolls_back(
    gocardless_api, membership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                mandate = make_mandate(membership)
                direct_debit_provider().mandate_created(mandate)
                raise RuntimeError("the member's form failed later")
        except RuntimeError:
            pass
    assert gocardless_api.requests == []


def test_running_the_task_again_creates_nothing_more(gocardless_api, membership):
    mandate = make_mandate(membership)
    gocardless.mandate_create(mandate.pk)
    gocardless.mandate_create(mandate.pk)
    assert len(gocardless_api.posts("/mandates")) == 1
    assert len(gocardless_api.posts("/customers")) == 1


def test_a_retry_after_an_outage_half_way_reuses_what_was_created(gocardless_api, membership):
    mandate = make_mandate(membership)
    gocardless_api.fail_once(
        "/mandates",
        500,
        {
            "type": "gocardless",
            "code": 500,
            "message": "Uh-oh!",
            "request_id": "REQ-500",
            "errors": [{"reason": "internal_server_error", "message": "Uh-oh!"}],
        },
    )
    with pytest.raises(ProviderError) as raised:
        gocardless.mandate_create(mandate.pk)
    assert raised.value.transient
    assert "creating the mandate" in str(raised.value)
    mandate.refresh_from_db()
    assert mandate.provider_id == ""

    gocardless.mandate_create(mandate.pk)  # the task's retry
    mandate.refresh_from_db()
    assert mandate.provider_id.startswith("MD")
    customers = [r for r in gocardless_api.resources if r.startswith("CU")]
    accounts = [r for r in gocardless_api.resources if r.startswith("BA")]
    assert len(customers) == 1 and len(accounts) == 1  # the 409 gave back the first ones
    assert len(gocardless_api.posts("/customers")) == 2


def test_bank_details_gocardless_refuses_fail_the_mandate_and_tell_the_member(
    gocardless_api, membership, caplog
):
    from subscriptions.gocardless_tasks import gocardless_mandate_create

    mandate = make_mandate(membership)
    gocardless_api.fail_once(
        "/customer_bank_accounts",
        422,
        {
            "type": "validation_failed",
            "code": 422,
            "message": "Validation failed",
            "request_id": "REQ-422",
            "documentation_url": "https://developer.gocardless.com/api-reference#validation_failed",
            "errors": [
                {
                    "field": "account_number",
                    "message": "is invalid",
                    "request_pointer": "/customer_bank_accounts/account_number",
                }
            ],
        },
    )
    with caplog.at_level(logging.WARNING):
        gocardless_mandate_create.apply(args=[mandate.pk])
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.FAILED
    assert "could not set up" in mandate.end_reason
    assert any("account_number" in r.getMessage() for r in caplog.records)
    assert all(ACCOUNT_NUMBER not in r.getMessage() for r in caplog.records)
    assert all(SORT_CODE not in r.getMessage() for r in caplog.records)
    # The log as production writes it too: one JSON line per record.
    json_lines = [JsonFormatter().format(r) for r in caplog.records]
    assert any("account_number" in line for line in json_lines)
    assert all(ACCOUNT_NUMBER not in line and SORT_CODE not in line for line in json_lines)
    assert len(mail.outbox) == 0 or all(ACCOUNT_NUMBER not in m.body for m in mail.outbox)
    from portal.communications.models import Delivery

    assert Delivery.objects.filter(user=membership.user).exists()  # the member is told
    assert not gocardless_api.posts("/mandates")


def test_an_unreachable_gocardless_does_not_stop_the_member(
    settings, membership, django_capture_on_commit_callbacks
):
    settings.SUBSCRIPTIONS_PROVIDER = "gocardless"
    settings.GOCARDLESS_ACCESS_TOKEN = "sandbox_test_token"
    settings.GOCARDLESS_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        mandate = make_mandate(membership)
        direct_debit_provider().mandate_created(mandate)
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.PENDING and mandate.provider_id == ""
    # The sweep finds it and queues it again.
    assert mandate.pk in gocardless.unfinished()[gocardless.TASK_MANDATE_CREATE]


def test_a_collection_becomes_one_payment_keyed_by_its_id(
    gocardless_api, membership, django_capture_on_commit_callbacks
):
    mandate = make_mandate(membership, status="active", provider_id="MD000000000077")
    with django_capture_on_commit_callbacks(execute=True):
        collection = make_collection(mandate, pence=2150)
        direct_debit_provider().collection_scheduled(collection)
    [sent] = gocardless_api.posts("/payments")
    assert sent.body["payments"]["amount"] == 2150
    assert sent.body["payments"]["currency"] == "GBP"
    assert sent.body["payments"]["charge_date"] == collection.due_on.isoformat()
    assert sent.body["payments"]["links"] == {"mandate": "MD000000000077"}
    assert sent.body["payments"]["metadata"] == {"collection": str(collection.pk)}
    assert sent.headers["Idempotency-Key"] == f"collection-{collection.pk}"
    collection.refresh_from_db()
    assert collection.provider_id.startswith("PM")
    assert collection.status == CollectionStatus.SCHEDULED

    # A retry of the same task (the id was lost, say) gets the same payment back.
    first = collection.provider_id
    collection.provider_id = ""
    collection.save(update_fields=["provider_id"])
    gocardless.payment_create(collection.pk)
    collection.refresh_from_db()
    assert collection.provider_id == first
    assert len([r for r in gocardless_api.resources if r.startswith("PM")]) == 1


def test_a_payment_waits_for_its_mandate_to_be_lodged(gocardless_api, membership):
    from subscriptions.gocardless_tasks import gocardless_payment_create

    mandate = make_mandate(membership)
    collection = make_collection(mandate)
    with pytest.raises(gocardless.NotReady):
        gocardless.payment_create(collection.pk)
    gocardless_payment_create.apply(args=[collection.pk])  # in-process: left for the sweep
    assert gocardless_api.posts("/payments") == []
    assert collection.pk in gocardless.unfinished()[gocardless.TASK_PAYMENT_CREATE]


def test_cancelling_a_mandate_cancels_it_at_gocardless(
    gocardless_api, membership, django_capture_on_commit_callbacks
):
    mandate = make_mandate(membership)
    gocardless.mandate_create(mandate.pk)
    mandate.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        mandate.status = MandateStatus.CANCELLING
        mandate.save(update_fields=["status"])
        direct_debit_provider().mandate_cancelled(mandate)
    assert gocardless_api.posts(f"/mandates/{mandate.provider_id}/actions/cancel")
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.CANCELLED
    assert mandate.cancelled_at is not None
    assert gocardless_api.resources[mandate.provider_id]["status"] == "cancelled"


def test_cancelling_a_collection_cancels_its_payment(
    gocardless_api, membership, django_capture_on_commit_callbacks
):
    mandate = make_mandate(membership, status="active", provider_id="MD000000000077")
    collection = make_collection(mandate)
    gocardless.payment_create(collection.pk)
    collection.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        collection.status = CollectionStatus.CANCELLED
        collection.save(update_fields=["status"])
        direct_debit_provider().collection_cancelled(collection)
    assert gocardless_api.posts(f"/payments/{collection.provider_id}/actions/cancel")
    assert gocardless_api.resources[collection.provider_id]["status"] == "cancelled"


def test_a_collection_cancelled_before_its_payment_exists_is_never_created(
    gocardless_api, membership
):
    mandate = make_mandate(membership, status="active", provider_id="MD000000000077")
    collection = make_collection(mandate, status="cancelled")
    gocardless.payment_cancel(collection.pk)
    gocardless.payment_create(collection.pk)
    assert gocardless_api.requests == []


def test_a_missing_access_token_is_a_clear_error(settings, membership):
    settings.GOCARDLESS_ACCESS_TOKEN = ""
    mandate = make_mandate(membership)
    with pytest.raises(ProviderError, match="GOCARDLESS_ACCESS_TOKEN"):
        gocardless.mandate_create(mandate.pk)


def test_the_sweep_queues_again_what_a_lost_task_left(
    gocardless_api, membership, django_capture_on_commit_callbacks
):
    from subscriptions.gocardless_tasks import gocardless_sweep

    mandate = make_mandate(membership)  # saved, but its task never ran
    with django_capture_on_commit_callbacks(execute=True):
        counts = gocardless_sweep.apply().get()
    assert counts["gocardless_mandate_create"] == 1
    mandate.refresh_from_db()
    assert mandate.provider_id.startswith("MD")
    with django_capture_on_commit_callbacks(execute=True):
        assert gocardless_sweep.apply().get()["gocardless_mandate_create"] == 0
