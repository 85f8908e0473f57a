"""The bureau's reports imported back: ARUDD (unpaid), ADDACS (the payer's bank cancels or
moves a mandate), AUDDIS returns (refused instructions); unknown mandates become
exceptions; the same file twice and a malformed file change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from membership.models import MembershipChange
from portal.accounts.roles import Role
from portal.communications.models import Delivery
from subscriptions import bureau
from subscriptions.bacs import reports
from subscriptions.models import (
    BacsException,
    BacsReport,
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    MandateStatus,
)
from tests.factories import staff_user
from tests.subscriptions.bureau_helpers import ACCOUNTS, collection, mandate

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 2, 1)
DUE = date(2027, 2, 3)
SUN = settings.BACS_SERVICE_USER_NUMBER


def submitted(n=1, amount=2150):
    """n members whose collection went in the file written on Monday."""
    made = []
    for i in range(n):
        m = mandate(account=i)
        made.append((m, collection(m, due_on=DUE, amount_pence=amount + i)))
    bureau.files_write(today=MONDAY)
    for m, c in made:
        m.refresh_from_db()
        c.refresh_from_db()
    return made


def returned(c, code="0", description="REFER TO PAYER", amount=None, on=None):
    return reports.ReturnedDebit(
        reference=c.mandate.reference,
        transaction_code=c.kind,
        amount_pence=amount if amount is not None else c.amount_pence,
        return_code=code,
        return_description=description,
        original_processing_date=on or c.bacs_file.processing_date,
        payer_name="OWEN PRICE",
        payer_sort_code=c.mandate.sort_code,
        payer_account_last2=c.mandate.account_last2,
    )


def arudd(items, day=date(2027, 2, 8)):
    return reports.build_arudd(items, report_date=day, service_user_number=SUN)


def addacs(items, day=date(2027, 2, 8)):
    return reports.build_addacs(items, report_date=day, service_user_number=SUN)


def amendment(m, code, **extra):
    return reports.Amendment(
        reference=m.reference,
        reason_code=code,
        effective_date=date(2027, 2, 5),
        payer_name="OWEN PRICE",
        **extra,
    )


def snapshot():
    """Everything an import may change, to compare before and after."""
    return (
        sorted(Mandate.objects.values_list("pk", "status", "account_last2", "end_reason")),
        sorted(Collection.objects.values_list("pk", "status", "unpaid_code", "unpaid_reason")),
        BacsReport.objects.count(),
        BacsException.objects.count(),
        MembershipChange.objects.count(),
        Delivery.objects.count(),
    )


def test_an_unpaid_collection_becomes_arrears_with_its_reason():
    [(m, c), (m2, c2)] = submitted(2)
    officer = staff_user(Role.MEMBERSHIP_OFFICER)[0]

    outcome = bureau.report_import(
        actor=officer, data=arudd([returned(c, "0")]), filename="arudd.xml"
    )

    assert outcome.created
    report = outcome.report
    assert report.kind == "arudd" and report.item_count == 1
    assert report.applied == {"unpaid": 1}
    c.refresh_from_db()
    assert c.status in (CollectionStatus.UNPAID, CollectionStatus.REPRESENTED)
    assert c.unpaid_code == "0"
    assert c.unpaid_reason == "Refer to payer"
    c2.refresh_from_db()
    assert c2.status == CollectionStatus.SUBMITTED
    m.refresh_from_db()
    assert m.status == MandateStatus.ACTIVE  # refer to payer: the mandate continues
    history = MembershipChange.objects.filter(membership=m.membership, field="collection")
    assert "returned unpaid: Refer to payer" in [h.new_value for h in history]
    assert report.content.startswith("<?xml")  # kept (encrypted at rest)


def test_a_closed_account_in_an_arudd_cancels_the_mandate_and_what_was_scheduled():
    [(m, c)] = submitted(1)
    nxt = collection(m, due_on=date(2027, 3, 3), period_start=date(2027, 3, 1))

    bureau.report_import(actor=None, data=arudd([returned(c, "B", "ACCOUNT CLOSED")]))

    c.refresh_from_db()
    m.refresh_from_db()
    nxt.refresh_from_db()
    assert c.status == CollectionStatus.UNPAID and c.unpaid_reason == "Account closed"
    assert m.status == MandateStatus.CANCELLED and m.end_reason == "Account closed"
    assert nxt.status == CollectionStatus.CANCELLED
    told = set(
        Delivery.objects.filter(user=m.membership.user).values_list("notification", flat=True)
    )
    # What is owed and how to pay it, and that the Direct Debit has stopped.
    assert told == {"subscription_arrears_reminder", "subscription_bureau_cancelled"}


def test_an_arudd_for_an_unknown_mandate_or_amount_is_an_exception_and_changes_nothing_else():
    [(m, c)] = submitted(1)
    stranger = reports.ReturnedDebit(
        reference="NOSUCHREF123",
        transaction_code="17",
        amount_pence=999,
        return_code="0",
        return_description="REFER TO PAYER",
        original_processing_date=c.bacs_file.processing_date,
        payer_name="SOMEONE",
        payer_sort_code="200000",
        payer_account_last2="11",
    )
    wrong_amount = returned(c, amount=c.amount_pence + 1)
    wrong_day = returned(c, on=date(2027, 1, 5))

    report = bureau.report_import(
        actor=None, data=arudd([stranger, wrong_amount, wrong_day])
    ).report

    assert report.applied == {"exceptions": 3}
    messages = list(report.exceptions.order_by("pk").values_list("reference", "message"))
    assert messages[0][0] == "NOSUCHREF123"
    assert "no mandate has the reference NOSUCHREF123" in messages[0][1]
    assert "no collection of that amount" in messages[1][1]
    assert "no collection of that amount" in messages[2][1]
    c.refresh_from_db()
    assert c.status == CollectionStatus.SUBMITTED


def test_the_same_report_twice_changes_nothing():
    [(m, c)] = submitted(1)
    data = arudd([returned(c)])
    first = bureau.report_import(actor=None, data=data, filename="a.xml")
    before = snapshot()

    again = bureau.report_import(actor=None, data=data, filename="renamed.xml")

    assert not again.created and again.report == first.report
    assert "already imported on" in again.already_imported_message
    assert snapshot() == before


def test_a_malformed_report_is_refused_with_its_line_and_nothing_changes():
    [(m, c)] = submitted(1)
    good = arudd([returned(c)]).decode()
    lines = good.splitlines()
    # Break one element in the middle: an unclosed tag.
    broken_at = next(i for i, line in enumerate(lines) if "ReturnedDebitItem " in line)
    lines[broken_at] = lines[broken_at].replace("<ReturnedDebitItem ", "<ReturnedDebitItem <")
    before = snapshot()

    with pytest.raises(bureau.BureauError) as refused:
        bureau.report_import(actor=None, data="\n".join(lines).encode())

    assert refused.value.line == broken_at + 1
    assert f"line {broken_at + 1}" in refused.value.message
    assert snapshot() == before
    for junk in (b"", b"not xml at all", b"<?xml version='1.0'?><Other/>"):
        with pytest.raises(bureau.BureauError):
            bureau.report_import(actor=None, data=junk)
    assert snapshot() == before


def test_a_report_for_another_service_user_is_refused():
    [(m, c)] = submitted(1)
    before = snapshot()
    data = reports.build_arudd([returned(c)], report_date=MONDAY, service_user_number="111111")
    with pytest.raises(bureau.BureauError, match="service user number 111111"):
        bureau.report_import(actor=None, data=data)
    assert snapshot() == before


@pytest.mark.parametrize("code", ["0", "1", "2", "B"])
def test_addacs_cancellations_end_the_mandate_and_tell_the_member(code):
    [(m, c)] = submitted(1)
    nxt = collection(m, due_on=date(2027, 3, 3), period_start=date(2027, 3, 1))

    report = bureau.report_import(actor=None, data=addacs([amendment(m, code)])).report

    m.refresh_from_db()
    nxt.refresh_from_db()
    c.refresh_from_db()
    assert m.status == MandateStatus.CANCELLED
    assert m.end_reason == reports.ADDACS_REASONS[code].meaning
    assert nxt.status == CollectionStatus.CANCELLED
    assert c.status == CollectionStatus.SUBMITTED  # already with the bank: untouched
    assert report.applied == {"cancelled": 1, "collections_cancelled": 1}
    notice = Delivery.objects.get(user=m.membership.user)
    assert notice.notification == "subscription_bureau_cancelled"
    change = MembershipChange.objects.filter(membership=m.membership).order_by("-pk").first()
    assert change.new_value.startswith("Cancelled by your bank:")


def test_a_closed_account_with_no_live_mandate_is_an_exception():
    [(m, c)] = submitted(1)
    m.status = MandateStatus.CANCELLED
    m.save()
    report = bureau.report_import(actor=None, data=addacs([amendment(m, "B")])).report
    (exception,) = report.exceptions.all()
    assert exception.code == "B" and exception.mandate == m
    assert "no live mandate" in exception.message
    assert report.applied == {"exceptions": 1}


def test_addacs_change_of_bank_moves_the_mandate_to_the_new_account():
    [(m, c)] = submitted(1)
    new_sort, new_account = ACCOUNTS[3]
    report = bureau.report_import(
        actor=None,
        data=addacs(
            [
                amendment(
                    m,
                    "3",
                    new_sort_code=new_sort,
                    new_account_number=new_account,
                    new_account_name="O PRICE",
                    old_sort_code=m.sort_code,
                    old_account_number=m.account_number,
                )
            ]
        ),
    ).report
    m.refresh_from_db()
    assert m.status == MandateStatus.ACTIVE
    assert (m.sort_code, m.account_number, m.account_last2) == (
        new_sort,
        new_account,
        new_account[-2:],
    )
    assert m.account_holder == "O PRICE"
    raw = Mandate.objects.filter(pk=m.pk).values_list("account_number", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(str(raw.query))
        assert cursor.fetchone()[0].startswith("fernet:")  # still encrypted
    change = MembershipChange.objects.filter(membership=m.membership).order_by("-pk").first()
    assert change.new_value == (
        f"Your bank moved your Direct Debit to the account ending {new_account[-2:]}"
    )
    assert new_account not in change.new_value + change.old_value
    assert report.applied == {"bank_details_changed": 1}
    # The next collection file collects from the new account.
    collection(m, due_on=date(2027, 3, 3), period_start=date(2027, 3, 1))
    from subscriptions.bacs import standard18

    written = bureau.collection_file_write(today=date(2027, 3, 1))
    (record,) = standard18.parse(written.content).records
    assert (record.dest_sort_code, record.dest_account) == (new_sort, new_account)


def test_addacs_reinstatement_and_amendment():
    [(m, c)] = submitted(1)
    m.status = MandateStatus.CANCELLED
    m.save()
    report = bureau.report_import(
        actor=None, data=addacs([amendment(m, "R")], day=date(2027, 2, 9))
    ).report
    m.refresh_from_db()
    assert m.status == MandateStatus.ACTIVE and report.applied == {"reinstated": 1}
    report = bureau.report_import(
        actor=None, data=addacs([amendment(m, "E")], day=date(2027, 2, 10))
    ).report
    assert report.applied == {"exceptions": 1}
    assert "Instruction amended" in report.exceptions.get().message


def test_an_auddis_return_fails_the_mandate_and_tells_the_member_to_set_it_up_again():
    m = mandate()
    x = collection(m, due_on=date(2027, 3, 3), kind=CollectionKind.FIRST)
    bureau.auddis_file_write(today=MONDAY)
    data = reports.build_auddis(
        [
            reports.AuddisRejection(
                reference=m.reference, reason_code="L", transaction_code="0N", payer_name="X"
            ),
            reports.AuddisRejection(
                reference="UNKNOWN12345", reason_code="5", transaction_code="0N", payer_name="Y"
            ),
        ],
        report_date=date(2027, 2, 3),
        service_user_number=SUN,
    )
    report = bureau.report_import(actor=None, data=data).report
    m.refresh_from_db()
    x.refresh_from_db()
    assert m.status == MandateStatus.FAILED
    assert m.end_reason == "Incorrect payer's account details"
    assert x.status == CollectionStatus.CANCELLED
    assert report.applied == {"refused": 1, "exceptions": 1, "collections_cancelled": 1}
    notice = Delivery.objects.get(user=m.membership.user)
    assert notice.notification == "subscription_bureau_refused"
    assert report.exceptions.get().reference == "UNKNOWN12345"


# --- Through the officer's upload form -------------------------------------------------------


@pytest.fixture
def officer_client():
    user = staff_user(Role.MEMBERSHIP_OFFICER)[0]
    client = Client()
    client.force_login(user)
    return client


def upload(client, data, name="report.xml"):
    return client.post(
        "/admin/subscriptions/bacsreport/add/",
        {"file": SimpleUploadedFile(name, data, content_type="text/xml")},
        follow=True,
    )


def test_the_upload_form_imports_shows_the_result_and_refuses_a_second_time(officer_client):
    [(m, c)] = submitted(1)
    data = arudd([returned(c)])
    page = upload(officer_client, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Imported" in body and "unpaid: 1" in body
    before = snapshot()
    again = upload(officer_client, data, "again.xml").content.decode()
    assert "already imported on" in again and "Nothing was changed" in again
    assert snapshot() == before


def test_the_upload_form_names_the_line_of_a_malformed_report_with_a_400(officer_client):
    [(m, c)] = submitted(1)
    before = snapshot()
    broken = arudd([returned(c)]).replace(b"</ARUDD>", b"</ARUDDX>")
    response = upload(officer_client, broken)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "line " in body
    assert snapshot() == before
    for data, words in (
        (b"", "The submitted file is empty"),
        (b"\xff\xfe garbage", "could not be read"),
    ):
        response = upload(officer_client, data)
        assert response.status_code == 400 and words in response.content.decode()
    no_file = officer_client.post("/admin/subscriptions/bacsreport/add/", {})
    assert no_file.status_code == 400 and "This field is required" in no_file.content.decode()
    assert snapshot() == before


def test_an_oversize_report_is_refused_before_it_is_read(officer_client, monkeypatch):
    monkeypatch.setattr(bureau, "REPORT_MAX_BYTES", 1000)
    before = snapshot()
    response = upload(officer_client, b"<" + b"x" * 2000 + b"/>")
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert snapshot() == before
    with pytest.raises(bureau.BureauError, match="larger than"):
        bureau.report_import(actor=None, data=b"x" * 2000)


def test_any_bytes_are_imported_or_refused_cleanly():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    [(m, c)] = submitted(1)
    good = arudd([returned(c)])
    before = snapshot()

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.one_of(
            st.binary(max_size=400),
            st.integers(0, len(good) - 1).map(lambda i: good[:i]),  # cut short anywhere
            st.tuples(st.integers(0, len(good) - 1), st.binary(min_size=1, max_size=3)).map(
                lambda t: good[: t[0]] + t[1] + good[t[0] + len(t[1]) :]  # a byte changed
            ),
        )
    )
    def check(data):
        from django.db import transaction

        with transaction.atomic():
            try:
                outcome = bureau.report_import(actor=None, data=data)
            except bureau.BureauError as error:
                assert error.message
                assert snapshot() == before
            else:  # a change that still reads: imported, and the next example starts over
                assert outcome.report.pk
            transaction.set_rollback(True)

    check()


def _import_queries(n, codes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = submitted(n)
    items = [returned(c, codes[i % len(codes)]) for i, (m, c) in enumerate(made)]
    with CaptureQueriesContext(connection) as ctx:
        bureau.report_import(actor=None, data=arudd(items))
    return made, len(ctx.captured_queries)


def test_a_large_arudd_costs_the_same_queries_as_a_small_one_and_each_member_is_told_once():
    # "0" (refer to payer) is re-presented, "B" (account closed) is owed and ends the mandate.
    few, few_queries = _import_queries(4, ["0", "B"])
    Delivery.objects.all().delete()
    many, many_queries = _import_queries(40, ["0", "B"])

    assert many_queries <= few_queries + 2  # chunked, not one set of queries per item
    statuses = dict(Collection.objects.values_list("pk", "status"))
    for i, (_m, c) in enumerate(many):
        expected = CollectionStatus.REPRESENTED if i % 2 == 0 else CollectionStatus.UNPAID
        assert statuses[c.pk] == expected
    again = Collection.objects.filter(represents__in=[c for _, c in many])
    assert again.count() == 20
    assert all(a.kind == CollectionKind.REPRESENTED for a in again)
    told: dict[int, list[str]] = {}
    for user_id, kind in Delivery.objects.values_list("user_id", "notification"):
        told.setdefault(user_id, []).append(kind)
    for i, (m, _c) in enumerate(many):
        kinds = sorted(told[m.membership.user_id])
        if i % 2 == 0:
            assert kinds == ["subscription_collection_represented"]
        else:
            assert kinds == ["subscription_arrears_reminder", "subscription_bureau_cancelled"]
