"""The bureau's files written from the database and read back field by field."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from membership.models import MembershipChange
from subscriptions import bureau
from subscriptions.bacs import calendar, standard18
from subscriptions.models import (
    BacsFile,
    BacsFileKind,
    Collection,
    CollectionKind,
    CollectionStatus,
    MandateStatus,
    Provider,
)
from tests.subscriptions.bureau_helpers import ACCOUNTS, collection, mandate

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 2, 1)  # a processing day


def union():
    return (
        settings.BACS_UNION_SORT_CODE,
        settings.BACS_UNION_ACCOUNT_NUMBER,
        standard18.sanitise_name(settings.BACS_SERVICE_USER_NAME),
    )


def check_originator(record):
    sort_code, account, name = union()
    assert record.orig_sort_code == sort_code
    assert record.orig_account == account
    assert record.originator_name.rstrip() == name


def test_the_auddis_file_lodges_new_instructions_and_cancels_ending_ones():
    new_a = mandate(account=0, holder="Siân O'Brien-Jones")
    new_b = mandate(account=1)
    ending = mandate(account=2, status=MandateStatus.ACTIVE)
    ending.status = MandateStatus.CANCELLING
    ending.save()
    untouched = mandate(account=3, status=MandateStatus.ACTIVE)
    elsewhere = mandate(account=4, provider=Provider.GOCARDLESS)

    written = bureau.auddis_file_write(today=MONDAY)

    assert written.kind == BacsFileKind.AUDDIS and written.serial == 1
    assert written.record_count == 3 and written.total_pence == 0
    parsed = standard18.parse(written.content)
    assert parsed.service_user_number == settings.BACS_SERVICE_USER_NUMBER
    assert int(parsed.serial) == 1
    assert parsed.created_on == MONDAY
    assert parsed.processing_date == calendar.add_processing_days(MONDAY, 1)
    assert parsed.contras == []
    assert parsed.debit_count == 3 and parsed.debit_total == 0
    assert parsed.credit_count == 0 and parsed.credit_total == 0
    expected = [
        (new_a, "0N", ACCOUNTS[0], "SIAN OBRIEN-JONES"),
        (new_b, "0N", ACCOUNTS[1], standard18.sanitise_name(new_b.account_holder)),
        (ending, "0C", ACCOUNTS[2], standard18.sanitise_name(ending.account_holder)),
    ]
    assert len(parsed.records) == 3
    for record, (m, code, (sort_code, account), name) in zip(parsed.records, expected, strict=True):
        assert record.dest_sort_code == sort_code
        assert record.dest_account == account
        assert record.transaction_code == code
        assert record.amount_pence == 0
        assert record.reference.rstrip() == m.reference
        assert record.dest_name.rstrip() == name
        check_originator(record)

    for m in (new_a, new_b):
        m.refresh_from_db()
        assert m.status == MandateStatus.ACTIVE and m.lodged_in == written
    ending.refresh_from_db()
    assert ending.status == MandateStatus.CANCELLED and ending.cancelled_in == written
    untouched.refresh_from_db()
    elsewhere.refresh_from_db()
    assert untouched.status == MandateStatus.ACTIVE and untouched.lodged_in is None
    assert elsewhere.status == MandateStatus.PENDING
    told = MembershipChange.objects.filter(membership=new_a.membership, source="payment")
    assert told.get().new_value == "Direct Debit lodged with your bank"
    assert (
        MembershipChange.objects.get(membership=ending.membership).new_value
        == "Direct Debit cancelled"
    )
    for change in MembershipChange.objects.all():  # bank details never in the history
        assert ACCOUNTS[0][1] not in change.new_value + change.old_value

    # Nothing left to lodge: no second file.
    assert bureau.auddis_file_write(today=MONDAY) is None
    assert BacsFile.objects.count() == 1
    # The content is encrypted at rest.
    raw = BacsFile.objects.values_list("content", flat=True).query
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(str(raw))
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:") and "VOL1" not in stored


def test_the_collection_file_holds_every_collection_due_with_its_contra():
    a = mandate(account=0, status=MandateStatus.ACTIVE)
    b = mandate(account=1, status=MandateStatus.ACTIVE)
    c = mandate(account=2, status=MandateStatus.ACTIVE)
    d = mandate(account=3, status=MandateStatus.ACTIVE)
    due = date(2027, 2, 3)  # input day: Monday 1 February
    assert calendar.input_day_for(due) == MONDAY
    first = collection(a, due_on=due, amount_pence=2150, kind=CollectionKind.FIRST)
    regular = collection(b, due_on=due, amount_pence=1999, kind=CollectionKind.REGULAR)
    earlier = collection(c, due_on=date(2027, 1, 29), amount_pence=1)  # late: still taken
    unpaid = collection(
        d, due_on=date(2027, 1, 4), amount_pence=3300, status=CollectionStatus.UNPAID
    )
    again = collection(
        d,
        due_on=due,
        amount_pence=3300,
        kind=CollectionKind.REPRESENTED,
        represents=unpaid,
        period_start=date(2027, 1, 1),
    )
    final = collection(c, due_on=due, amount_pence=4321, kind=CollectionKind.FINAL)
    # Not in the file: not due yet, already in a file, cancelled, another provider, a
    # mandate being set up.
    later = collection(a, due_on=date(2027, 2, 4), period_start=date(2027, 3, 1))
    sent = collection(b, due_on=date(2027, 1, 1), status=CollectionStatus.SUBMITTED)
    cancelled = collection(b, due_on=due, period_start=date(2026, 12, 1))
    cancelled.status = CollectionStatus.CANCELLED
    cancelled.save()
    gc = mandate(account=4, status=MandateStatus.ACTIVE, provider=Provider.GOCARDLESS)
    gc_collection = collection(gc, due_on=due)
    pending = mandate(account=4)
    pending_collection = collection(pending, due_on=due)

    written = bureau.collection_file_write(today=MONDAY)

    in_file = [first, regular, earlier, again, final]
    total = sum(x.amount_pence for x in in_file)
    assert written.kind == BacsFileKind.COLLECTION
    assert written.record_count == 5 and written.total_pence == total
    parsed = standard18.parse(written.content)
    assert parsed.service_user_number == settings.BACS_SERVICE_USER_NUMBER
    assert parsed.processing_date == calendar.add_processing_days(MONDAY, 1)
    assert parsed.created_on == MONDAY
    assert len(parsed.records) == 5
    by_pk = sorted(in_file, key=lambda x: x.pk)
    for record, x in zip(parsed.records, by_pk, strict=True):
        m = x.mandate
        assert record.dest_sort_code == m.sort_code
        assert record.dest_account == m.account_number
        assert record.account_type == "0"
        assert record.transaction_code == x.kind
        assert record.amount_pence == x.amount_pence
        assert record.reference.rstrip() == m.reference
        assert record.dest_name.rstrip() == standard18.sanitise_name(m.account_holder)
        check_originator(record)
    assert [r.transaction_code for r in parsed.records] == ["01", "17", "17", "18", "19"]
    (contra,) = parsed.contras
    sort_code, account, name = union()
    assert contra.transaction_code == "99"
    assert contra.dest_sort_code == sort_code and contra.dest_account == account
    assert contra.amount_pence == total
    assert contra.reference.rstrip() == "CONTRA"
    check_originator(contra)
    assert parsed.debit_total == total and parsed.credit_total == total
    assert parsed.debit_count == 5 and parsed.credit_count == 1

    for x in in_file:
        x.refresh_from_db()
        assert x.status == CollectionStatus.SUBMITTED and x.bacs_file == written
    for x in (later, gc_collection, pending_collection):
        x.refresh_from_db()
        assert x.status == CollectionStatus.SCHEDULED and x.bacs_file is None
    sent.refresh_from_db()
    assert sent.bacs_file is None

    # The same collections are never written twice.
    assert bureau.collection_file_write(today=MONDAY) is None
    # The next day, the one due later goes in a file of its own, with the next serial.
    tuesday = date(2027, 2, 2)
    following = bureau.collection_file_write(today=tuesday)
    assert following.serial == 2 and following.record_count == 1
    assert [r.amount_pence for r in standard18.parse(following.content).records] == [
        later.amount_pence
    ]
    assert Collection.objects.filter(bacs_file=following).get() == later


def test_a_collection_after_the_christmas_bank_holidays_is_sent_on_its_input_day():
    m = mandate(status=MandateStatus.ACTIVE)
    # 25 and 28 December 2026 are bank holidays (Boxing Day falls on a Saturday), 26 and 27
    # the weekend: two processing days before Tuesday 29 December is Wednesday 23 December.
    due = date(2026, 12, 29)
    assert calendar.input_day_for(due) == date(2026, 12, 23)
    x = collection(m, due_on=due)

    assert bureau.collection_file_write(today=date(2026, 12, 22)) is None
    written = bureau.collection_file_write(today=date(2026, 12, 23))
    assert written.processing_date == date(2026, 12, 24)
    x.refresh_from_db()
    assert x.bacs_file == written


def test_the_daily_task_writes_auddis_then_collections_and_returns_ids_only(settings):
    from subscriptions import bureau_tasks

    m = mandate()
    collection(m, due_on=date(2027, 2, 3))
    # The task takes today's date: drive the functions it calls with a fixed day instead.
    files = bureau.files_write(today=MONDAY)
    assert [f.kind for f in files] == [BacsFileKind.AUDDIS, BacsFileKind.COLLECTION]
    # A pending mandate is lodged first, so its first collection goes the same day.
    assert files[1].record_count == 1
    assert bureau_tasks.write_bureau_files.name == "subscriptions.bureau_tasks.write_bureau_files"
    assert "subscriptions-bureau-files" in settings.CELERY_BEAT_SCHEDULE


def test_a_collection_due_on_a_bank_holiday_goes_with_the_next_processing_day():
    m = mandate(status=MandateStatus.ACTIVE)
    x = collection(m, due_on=date(2026, 12, 25))  # Christmas Day: taken on 29 December
    assert bureau.collection_file_write(today=date(2026, 12, 22)) is None
    assert bureau.collection_file_write(today=date(2026, 12, 23)).record_count == 1
    x.refresh_from_db()
    assert x.status == CollectionStatus.SUBMITTED


def test_the_provider_leaves_the_work_to_the_next_files():
    from subscriptions.providers import direct_debit_provider

    provider = direct_debit_provider("bureau")
    assert provider.name == "bureau"
    lodged = mandate(status=MandateStatus.ACTIVE)
    never_lodged = mandate(account=1)
    provider.mandate_created(never_lodged)
    assert never_lodged.status == MandateStatus.PENDING
    provider.mandate_cancelled(lodged)
    provider.mandate_cancelled(never_lodged)
    lodged.refresh_from_db()
    never_lodged.refresh_from_db()
    assert lodged.status == MandateStatus.CANCELLING  # the next AUDDIS file writes 0C
    assert never_lodged.status == MandateStatus.CANCELLED  # nothing to tell the bank
    (record,) = standard18.parse(bureau.auddis_file_write(today=MONDAY).content).records
    assert (record.transaction_code, record.reference.rstrip()) == ("0C", lodged.reference)


def test_the_daily_task_does_nothing_on_a_bank_holiday_and_writes_on_a_working_day(
    monkeypatch,
):
    import datetime as dt

    from django.utils import timezone

    from subscriptions import bureau_tasks

    m = mandate()
    collection(m, due_on=date(2027, 1, 5))  # input day: 31 December 2026

    def on(day):
        moment = dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    on(date(2027, 1, 1))  # New Year's Day
    assert bureau_tasks.write_bureau_files() == []
    on(date(2027, 1, 4))
    ids = bureau_tasks.write_bureau_files()
    assert [BacsFile.objects.get(pk=i).kind for i in ids] == ["auddis", "collection"]
    assert all(isinstance(i, int) for i in ids)
