"""Setting up and changing a member's Direct Debit: the modulus check refuses bad details
with a clear message and saves nothing; a change of bank cancels the old mandate and sets
up the new one together (or neither); the confirmation email and everything logged or
queued never carry the bank details."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from celery.signals import before_task_publish, task_prerun
from django.core import mail
from django.db import connection

from membership.models import MembershipChange
from portal.observability import JsonFormatter
from subscriptions import mandates
from subscriptions.models import Mandate, MandateStatus, Method, PaymentArrangement
from tests.subscriptions.member_support import (
    GOOD_ACCOUNT,
    GOOD_SORT_CODE,
    OTHER_ACCOUNT,
    OTHER_SORT_CODE,
    a_membership,
    use_recording_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(monkeypatch, settings):
    yield from use_recording_provider(monkeypatch, settings)


@pytest.fixture
def membership(db):
    return a_membership()


TODAY = dt.date(2026, 12, 2)


def set_up(membership, sort_code=GOOD_SORT_CODE, account=GOOD_ACCOUNT, holder="Ada Lovelace"):
    return mandates.mandate_set_up(
        actor=membership.user,
        membership=membership,
        account_holder=holder,
        sort_code=sort_code,
        account_number=account,
        today=TODAY,
    )


@pytest.fixture
def task_arguments():
    seen: list[str] = []

    def on_publish(sender=None, body=None, **kwargs):
        seen.append(repr(body))

    def on_prerun(sender=None, task=None, args=None, kwargs=None, **extra):
        seen.append(f"{getattr(task, 'name', sender)} {args!r} {kwargs!r}")

    before_task_publish.connect(on_publish, weak=False)
    task_prerun.connect(on_prerun, weak=False)
    yield seen
    before_task_publish.disconnect(on_publish)
    task_prerun.disconnect(on_prerun)


def test_a_mandate_is_set_up_pending_with_its_reference_and_first_date(membership, provider):
    mandate = set_up(membership)
    assert mandate.status == MandateStatus.PENDING
    assert mandate.account_last2 == "72"
    assert mandate.reference == f"EU{membership.number[:4]}-{membership.number[4:]}-01"
    assert 6 <= len(mandate.reference) <= 18
    from subscriptions.bacs.standard18 import validate_reference

    assert validate_reference(mandate.reference) == mandate.reference
    # 14 days' notice from 2 December 2026 is 16 December; the 1st of January 2027 is a
    # bank holiday and the 2nd and 3rd a weekend: the first collection is Monday 4 January.
    assert mandate.first_collection_on == dt.date(2027, 1, 4)
    assert PaymentArrangement.objects.get(membership=membership).method == Method.DIRECT_DEBIT
    assert provider.calls == [("mandate_created", mandate.pk)]
    stored = Mandate.objects.get(pk=mandate.pk)
    assert (stored.sort_code, stored.account_number) == (GOOD_SORT_CODE, GOOD_ACCOUNT)


def test_bank_details_are_encrypted_at_rest(membership, provider):
    mandate = set_up(membership)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_holder, sort_code, account_number FROM subscriptions_mandate "
            "WHERE id = %s",
            [mandate.pk],
        )
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert GOOD_ACCOUNT not in raw and GOOD_SORT_CODE not in raw and "Lovelace" not in raw


def test_the_history_says_account_ending_only(membership, provider):
    set_up(membership)
    rows = MembershipChange.objects.filter(membership=membership)
    text = " ".join(f"{r.field} {r.old_value} {r.new_value}" for r in rows)
    assert "account ending 72" in text
    assert GOOD_ACCOUNT not in text and GOOD_SORT_CODE not in text
    assert {r.source for r in rows} == {"payment"}


def test_the_confirmation_email_has_reference_and_date_and_no_bank_details(
    membership, provider, caplog, task_arguments, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        mandate = set_up(membership)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert mandate.reference in message.subject
    assert mandate.reference in message.body
    assert "4 January 2027" in message.body
    assert "£25.00" in message.body
    assert "ending 72" in message.body
    assert "999123" in message.body and "EDUCATION UNION" in message.body
    assert "full and immediate refund" in message.body
    sort_code_shapes = (GOOD_SORT_CODE, "20-29-59", "20 29 59")
    # The log as production writes it too: one JSON line per record.
    json_lines = [JsonFormatter().format(r) for r in caplog.records]
    for text in [message.subject, message.body, caplog.text, *json_lines, *task_arguments]:
        assert GOOD_ACCOUNT not in text
        assert all(shape not in text for shape in sort_code_shapes)
    # The task was handed the mandate's id and nothing else.
    assert any(f"({mandate.pk},)" in t or f"[{mandate.pk}]" in t for t in task_arguments)


def test_the_confirmation_is_sent_once_if_the_task_runs_twice(membership, provider):
    from subscriptions.mandate_emails import mandate_confirmation_send

    mandate = set_up(membership)
    assert mandate_confirmation_send(mandate_id=mandate.pk) is True
    assert mandate_confirmation_send(mandate_id=mandate.pk) is False


def test_a_confirmation_lost_with_the_broker_is_sent_by_the_sweep_once(
    membership, provider, django_capture_on_commit_callbacks
):
    from portal.communications.models import Delivery
    from subscriptions.mandate_emails import KIND, mandate_confirmations_sweep

    # The commit's nudge is never run, as when the broker was down at that moment.
    with django_capture_on_commit_callbacks(execute=False):
        mandate = set_up(membership)
    assert not Delivery.objects.filter(notification=KIND).exists()
    assert mandate_confirmations_sweep() == 1
    (delivery,) = Delivery.objects.filter(notification=KIND, user=membership.user)
    assert delivery.context["reference"] == mandate.reference
    assert mandate_confirmations_sweep() == 0  # never twice


@pytest.mark.parametrize("typed", ["20-29-59", "20 29 59", "202959"])
def test_a_sort_code_in_three_formats(membership, provider, typed):
    mandate = set_up(membership, sort_code=typed)
    assert Mandate.objects.get(pk=mandate.pk).sort_code == GOOD_SORT_CODE


@pytest.mark.parametrize(
    ("sort_code", "account", "field", "message"),
    [
        ("00-00-00", "12345678", "sort_code", mandates.SORT_CODE_UNKNOWN),
        ("20-29-59", "63748473", "account_number", mandates.DETAILS_DO_NOT_MATCH),
        ("20-29-5", "63748472", "sort_code", mandates.SORT_CODE_FORMAT),
        ("20-29-59", "6374847a", "account_number", mandates.ACCOUNT_FORMAT),
        ("20-29-59", "12345", "account_number", mandates.ACCOUNT_LENGTH),
        ("20-29-59", "123456789012", "account_number", mandates.ACCOUNT_LENGTH),
        ("20-29-59", "", "account_number", mandates.ACCOUNT_REQUIRED),
    ],
)
def test_bad_bank_details_are_refused_and_nothing_is_saved(
    membership, provider, sort_code, account, field, message
):
    with pytest.raises(mandates.MandateError) as refused:
        set_up(membership, sort_code=sort_code, account=account)
    assert refused.value.field == field
    assert refused.value.message == message
    assert not Mandate.objects.exists()
    assert not PaymentArrangement.objects.filter(method=Method.DIRECT_DEBIT).exists()
    assert provider.calls == []


def test_a_change_of_bank_cancels_the_old_mandate_and_sets_up_a_new_one(membership, provider):
    old = set_up(membership)
    Mandate.objects.filter(pk=old.pk).update(status=MandateStatus.ACTIVE)
    new = set_up(membership, sort_code=OTHER_SORT_CODE, account=OTHER_ACCOUNT)
    old.refresh_from_db()
    assert old.status == MandateStatus.CANCELLING
    assert old.cancel_requested_at is not None
    assert new.status == MandateStatus.PENDING
    assert new.reference.endswith("-02") and new.reference != old.reference
    assert provider.calls[-2:] == [("mandate_cancelled", old.pk), ("mandate_created", new.pk)]
    assert (
        Mandate.objects.filter(membership=membership, status__in=["pending", "active"]).get() == new
    )


def test_a_change_of_bank_that_fails_half_way_leaves_the_old_mandate_live(membership, provider):
    old = set_up(membership)
    Mandate.objects.filter(pk=old.pk).update(status=MandateStatus.ACTIVE)
    history_before = MembershipChange.objects.filter(membership=membership).count()
    provider.fail_on = "mandate_created"  # after the old one was cancelled
    with pytest.raises(RuntimeError):
        set_up(membership, sort_code=OTHER_SORT_CODE, account=OTHER_ACCOUNT)
    old.refresh_from_db()
    assert old.status == MandateStatus.ACTIVE and old.cancel_requested_at is None
    assert Mandate.objects.filter(membership=membership).count() == 1
    assert MembershipChange.objects.filter(membership=membership).count() == history_before


def test_an_ended_membership_cannot_set_up_a_mandate(membership, provider):
    membership.status = "resigned"
    membership.save(update_fields=["status"])
    with pytest.raises(mandates.MandateError) as refused:
        set_up(membership)
    assert refused.value.message == mandates.MEMBERSHIP_ENDED
    assert not Mandate.objects.exists()


def test_mandate_cancel_stops_direct_debit(membership, provider):
    mandate = set_up(membership)
    mandates.mandate_cancel(actor=None, mandate=mandate, reason="Resigned")
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.CANCELLING and mandate.end_reason == "Resigned"
    assert PaymentArrangement.objects.get(membership=membership).method == Method.NONE
    # Cancelling again changes nothing.
    mandates.mandate_cancel(actor=None, mandate=mandate, reason="Again")
    mandate.refresh_from_db()
    assert mandate.end_reason == "Resigned"


@pytest.mark.parametrize(
    ("today", "day", "expected"),
    [
        (dt.date(2026, 12, 2), 1, dt.date(2027, 1, 4)),  # bank holiday then a weekend
        (dt.date(2026, 3, 2), 1, dt.date(2026, 4, 1)),
        (dt.date(2026, 3, 18), 1, dt.date(2026, 4, 1)),  # 14 days' notice just fits
        (dt.date(2026, 3, 19), 1, dt.date(2026, 5, 1)),
        (dt.date(2026, 1, 10), 31, dt.date(2026, 2, 2)),  # Saturday 31 January moves on
        (dt.date(2026, 1, 20), 31, dt.date(2026, 3, 2)),  # 28 February, a Saturday
    ],
)
def test_the_first_collection_falls_on_the_collection_day(settings, today, day, expected):
    settings.DIRECT_DEBIT_COLLECTION_DAY = day
    assert mandates.first_collection_date(today) == expected
