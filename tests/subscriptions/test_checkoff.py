# ruff: noqa: F811  (pytest fixtures imported from gc_server, named as parameters)
"""Payroll deduction: the member's choice, the employers' monthly schedules and their CSV,
and reconciling what each employer says it deducted."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.selectors import quote_on
from portal.accounts.roles import Role
from subscriptions import checkoff
from subscriptions.models import (
    CheckOffDownload,
    CheckOffSchedule,
    Collection,
    CollectionStatus,
    MandateStatus,
    Method,
    PaymentArrangement,
)
from tests.factories import EmployerFactory, MembershipFactory, staff_user
from tests.subscriptions.gc_server import gocardless_api, make_collection, make_mandate  # noqa: F401

pytestmark = pytest.mark.django_db

MONTH = dt.date(2027, 2, 1)


def on_payroll(employer, number="", **kwargs):
    membership = MembershipFactory(**kwargs)
    PaymentArrangement.objects.create(
        membership=membership,
        method=Method.PAYROLL,
        payroll_employer=employer,
        payroll_number=number or f"P{membership.pk:05d}",
    )
    return membership


def pence(membership, day=MONTH) -> int:
    return int(quote_on(membership, day).amount * 100)


@pytest.fixture
def employer(db):
    return EmployerFactory(name="Leeds City Council", town="Leeds")


@pytest.fixture
def officer(db):
    return staff_user(Role.MEMBERSHIP_OFFICER)[0]


# --- The member's choice -------------------------------------------------------------------


def test_payroll_set_up_records_the_employer_and_number(employer):
    membership = MembershipFactory()
    checkoff.payroll_set_up(
        actor=membership.user, membership=membership, employer=employer, payroll_number=" e1234 "
    )
    arrangement = PaymentArrangement.objects.get(membership=membership)
    assert arrangement.method == Method.PAYROLL
    assert arrangement.payroll_employer == employer
    assert arrangement.payroll_number == "E1234"
    change = membership.changes.get(field="payment method")
    assert change.new_value == "Payroll deduction (Leeds City Council, Leeds)"
    assert "E1234" not in change.new_value


def test_choosing_payroll_cancels_a_live_direct_debit(
    gocardless_api, employer, django_capture_on_commit_callbacks
):
    membership = MembershipFactory()
    mandate = make_mandate(membership, status="active", provider_id="MD000000000077")
    gocardless_api.resources["MD000000000077"] = {"id": "MD000000000077", "status": "active"}
    collection = make_collection(mandate, provider_id="PM000000000078")
    gocardless_api.resources["PM000000000078"] = {"id": "PM000000000078"}
    with django_capture_on_commit_callbacks(execute=True):
        checkoff.payroll_set_up(
            actor=membership.user, membership=membership, employer=employer, payroll_number="77"
        )
    mandate.refresh_from_db()
    collection.refresh_from_db()
    assert mandate.status == MandateStatus.CANCELLED  # GoCardless confirmed the cancellation
    assert collection.status == CollectionStatus.CANCELLED
    assert gocardless_api.posts("/mandates/MD000000000077/actions/cancel")
    assert gocardless_api.posts("/payments/PM000000000078/actions/cancel")


@pytest.mark.parametrize("number", ["", "   ", "=HYPERLINK()", "a" * 21, "12 34", "<b>"])
def test_a_bad_payroll_number_is_refused_and_nothing_saved(employer, number):
    membership = MembershipFactory()
    with pytest.raises(checkoff.CheckOffError):
        checkoff.payroll_set_up(
            actor=membership.user, membership=membership, employer=employer, payroll_number=number
        )
    assert not PaymentArrangement.objects.filter(membership=membership).exists()


def test_a_lapsed_member_cannot_choose_payroll(employer):
    membership = MembershipFactory(status="lapsed")
    with pytest.raises(checkoff.CheckOffError):
        checkoff.payroll_set_up(
            actor=membership.user, membership=membership, employer=employer, payroll_number="1"
        )


# --- Schedules ------------------------------------------------------------------------------


def test_one_schedule_per_employer_with_that_months_payroll_collections(employer):
    other = EmployerFactory(name="St Mary's Academy Trust")
    a, b = on_payroll(employer), on_payroll(employer)
    c = on_payroll(other)
    on_payroll(employer, status="lapsed")  # not a current member: not deducted
    dd = MembershipFactory(employer=employer)
    PaymentArrangement.objects.create(membership=dd, method=Method.DIRECT_DEBIT)
    schedules = checkoff.checkoff_schedules_build(month=dt.date(2027, 2, 17))
    assert {s.employer for s in schedules} == {employer, other}
    mine = CheckOffSchedule.objects.get(employer=employer, month=MONTH)
    assert mine.line_count == 2
    assert mine.total_pence == pence(a) + pence(b)
    assert set(mine.collections.values_list("membership", flat=True)) == {a.pk, b.pk}
    line = mine.collections.first()
    assert line.method == Method.PAYROLL and line.period_start == MONTH
    assert CheckOffSchedule.objects.get(employer=other).total_pence == pence(c)


def test_building_again_changes_nothing_and_links_what_the_engine_made(employer):
    a = on_payroll(employer)
    made = Collection.objects.create(
        membership=a,
        method=Method.PAYROLL,
        due_on=MONTH,
        period_start=MONTH,
        period_end=dt.date(2027, 2, 28),
        amount_pence=1234,
    )
    checkoff.checkoff_schedules_build(month=MONTH)
    checkoff.checkoff_schedules_build(month=MONTH)
    assert CheckOffSchedule.objects.count() == 1
    assert Collection.objects.filter(membership=a).count() == 1
    made.refresh_from_db()
    assert made.checkoff_schedule is not None
    assert made.checkoff_schedule.total_pence == 1234


def test_the_csv_the_employer_receives(employer):
    a = on_payroll(employer, number="E100", user__first_name="Siân", user__last_name="Prys")
    on_payroll(employer, number="-5", user__first_name="=cmd|' /C calc'!A0", user__last_name="+X")
    [schedule] = checkoff.checkoff_schedules_build(month=MONTH)
    rows = list(csv.reader(io.StringIO(checkoff.checkoff_csv(schedule))))
    assert rows[0] == ["Membership number", "Surname", "Forenames", "Payroll number", "Amount"]
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[a.number] == [a.number, "Prys", "Siân", "E100", f"{pence(a) / 100:.2f}"]
    hostile = next(r for r in rows[1:] if r[0] != a.number)
    assert hostile[1] == "'+X"
    assert hostile[2].startswith("'=")
    assert hostile[3] == "'-5"


# --- Reconciling --------------------------------------------------------------------------------


@pytest.fixture
def schedule(employer):
    members = [on_payroll(employer, number=f"E{n}") for n in (1, 2, 3, 4)]
    [schedule] = checkoff.checkoff_schedules_build(month=MONTH)
    schedule.members = members
    return schedule


def a_return(rows, header="Membership number,Payroll number,Amount deducted") -> bytes:
    return ("\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n").encode()


def status_of(membership):
    return Collection.objects.get(membership=membership, represents=None).status


def test_reconciling_the_employers_return(officer, schedule):
    full, short, missing, by_payroll = schedule.members
    due = pence(short)
    data = a_return(
        [
            f"{full.number},,{pence(full) / 100:.2f}",
            f"{short.number},,10.00",
            f",e4,£{pence(by_payroll) / 100:.2f}",  # matched by payroll number
            "99999999,,21.50",  # not on the schedule
        ]
    )
    result = checkoff.checkoff_reconcile(actor=officer, schedule=schedule, data=data)
    assert len(result.paid) == 2 and len(result.short) == 1 and len(result.not_deducted) == 1
    assert result.unknown == [{"line": 5, "reference": "99999999", "amount": "£21.50"}]
    assert status_of(full) == status_of(by_payroll) == CollectionStatus.PAID
    unpaid = Collection.objects.get(membership=short)
    assert unpaid.status == CollectionStatus.UNPAID
    assert unpaid.unpaid_reason == f"employer deducted £10.00 of £{due / 100:.2f}"
    assert not Collection.objects.filter(represents=unpaid).exists()  # never re-presented
    nothing = Collection.objects.get(membership=missing)
    assert nothing.status == CollectionStatus.UNPAID
    assert nothing.unpaid_reason == "not deducted by the employer"
    schedule.refresh_from_db()
    assert schedule.reconciled_by == officer
    assert schedule.paid_pence == pence(full) + 1000 + pence(by_payroll)
    assert schedule.reconciliation.summary["unknown"][0]["line"] == 5


def test_reconciling_twice_changes_nothing_the_second_time(officer, schedule):
    data = a_return([f"{m.number},,1.00" for m in schedule.members])
    checkoff.checkoff_reconcile(actor=officer, schedule=schedule, data=data)
    rows = sum(m.changes.count() for m in schedule.members)
    statuses = [status_of(m) for m in schedule.members]
    again = checkoff.checkoff_reconcile(
        actor=officer,
        schedule=schedule,
        data=a_return([f"{m.number},,99.00" for m in schedule.members]),
    )
    assert again.already_reconciled
    assert [status_of(m) for m in schedule.members] == statuses
    assert sum(m.changes.count() for m in schedule.members) == rows


@pytest.mark.parametrize(
    "rows, line",
    [
        (["{n},,21.5O"], 2),
        (["{n},,abc"], 2),
        (["{n},,-3.00"], 2),
        (["{n},,1.005"], 2),
        (["{n},,NaN"], 2),
        (["{n},,1.00", ",,2.00"], 3),
        (["{n},,1.00", "{n},,Infinity"], 3),
    ],
)
def test_a_malformed_line_refuses_the_file_with_its_line_number(officer, schedule, rows, line):
    n = schedule.members[0].number
    data = a_return([r.format(n=n) for r in rows])
    with pytest.raises(checkoff.CheckOffError) as raised:
        checkoff.checkoff_reconcile(actor=officer, schedule=schedule, data=data)
    assert f"Line {line}" in raised.value.lines[0]
    schedule.refresh_from_db()
    assert schedule.reconciled_at is None
    assert all(status_of(m) == CollectionStatus.SCHEDULED for m in schedule.members)


@pytest.mark.parametrize(
    "data",
    [b"", b"   \r\n", b"\xff\xfe\x00\x00binary", b"Name,Total\r\nA,1.00\r\n", b"\x00\x01\x02"],
)
def test_files_that_are_not_a_return_are_refused(officer, schedule, data):
    with pytest.raises(checkoff.CheckOffError):
        checkoff.checkoff_reconcile(actor=officer, schedule=schedule, data=data)
    schedule.refresh_from_db()
    assert schedule.reconciled_at is None


# --- The member's page ----------------------------------------------------------------------------


URL = "/me/subscription/payroll/"


def test_the_member_chooses_payroll_deduction(client, employer):
    membership = MembershipFactory(employer=employer)
    client.force_login(membership.user)
    page = client.get(URL)
    assert page.status_code == 200
    assert "You have not set up a way to pay yet." in page.content.decode()
    response = client.post(
        URL, {"employer": "Leeds City Council, Leeds", "payroll_number": "E55", "confirm": "on"}
    )
    assert response.status_code == 302
    page = client.get(URL)
    assert "deducted from your pay by Leeds City Council, Leeds" in page.content.decode()
    assert "E55" in page.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"employer": "", "payroll_number": "E1", "confirm": "on"},
            "Enter the name of the employer",
        ),
        ({"employer": "Nowhere Ltd", "payroll_number": "E1", "confirm": "on"}, "We do not know"),
        (
            {"employer": "Leeds City Council", "payroll_number": "", "confirm": "on"},
            "Enter your payroll number",
        ),
        (
            {"employer": "Leeds City Council", "payroll_number": "=1+1", "confirm": "on"},
            "up to 20 letters",
        ),
        ({"employer": "Leeds City Council", "payroll_number": "E1"}, "Tick the box"),
        ({"employer": "x" * 5000, "payroll_number": "E1" * 500, "confirm": "on"}, "error"),
    ],
)
def test_bad_answers_get_400_with_the_form_and_nothing_saved(client, employer, data, message):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.post(URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message.replace("'", "&#x27;") in body or message in body
    assert 'class="error-summary"' in body or "error-summary" in body
    assert not PaymentArrangement.objects.filter(membership=membership).exists()


def test_an_unverified_employer_someone_else_named_is_not_offered(client):
    EmployerFactory(name="Secret Free School", verified=False)
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.post(
        URL, {"employer": "Secret Free School", "payroll_number": "E1", "confirm": "on"}
    )
    assert response.status_code == 400


# --- The membership officer's screens -----------------------------------------------------------


def test_the_officer_downloads_the_csv_and_the_download_is_recorded(client, officer, schedule):
    client.force_login(officer)
    url = reverse("admin:subscriptions_checkoffschedule_download", args=[schedule.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    assert schedule.members[0].number in response.content.decode("utf-8-sig")
    assert CheckOffDownload.objects.get(schedule=schedule).downloaded_by == officer


def test_nobody_else_downloads_or_reconciles(client, schedule):
    caseworker = staff_user(Role.CASEWORKER)[0]
    client.force_login(caseworker)
    for name in ("download", "reconcile", "change"):
        url = reverse(f"admin:subscriptions_checkoffschedule_{name}", args=[schedule.pk])
        assert client.get(url).status_code == 403, name
    assert client.get(reverse("admin:subscriptions_checkoffschedule_changelist")).status_code == 403
    assert not CheckOffDownload.objects.exists()


def test_the_officer_uploads_the_return(client, officer, schedule):
    client.force_login(officer)
    url = reverse("admin:subscriptions_checkoffschedule_reconcile", args=[schedule.pk])
    assert client.get(url).status_code == 200
    bad = a_return([f"{schedule.members[0].number},,lots"])
    response = client.post(url, {"file": SimpleUploadedFile("return.csv", bad)})
    assert response.status_code == 400
    assert "Line 2" in response.content.decode()
    assert all(status_of(m) == CollectionStatus.SCHEDULED for m in schedule.members)
    good = a_return([f"{m.number},,{pence(m) / 100:.2f}" for m in schedule.members])
    response = client.post(url, {"file": SimpleUploadedFile("return.csv", good)})
    assert response.status_code == 200
    assert "4 paid" in response.content.decode()
    assert all(status_of(m) == CollectionStatus.PAID for m in schedule.members)


def test_the_officer_builds_a_month(client, officer, employer):
    on_payroll(employer)
    client.force_login(officer)
    url = reverse("admin:subscriptions_checkoffschedule_build")
    listing = client.get(reverse("admin:subscriptions_checkoffschedule_changelist"))
    assert url in listing.content.decode()  # the list links to it
    assert client.post(url, {"month": "2027-13"}).status_code == 400
    assert client.post(url, {"month": "not a month"}).status_code == 400
    assert not CheckOffSchedule.objects.exists()
    assert client.post(url, {"month": "2027-02"}).status_code == 302
    assert CheckOffSchedule.objects.get().month == MONTH


def test_the_schedule_list_costs_the_same_queries_for_more_employers(client, officer):
    client.force_login(officer)
    url = reverse("admin:subscriptions_checkoffschedule_changelist")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    on_payroll(EmployerFactory())
    checkoff.checkoff_schedules_build(month=MONTH)
    count()  # the first request of a session also stores it
    few = count()
    for _ in range(5):
        on_payroll(EmployerFactory())
    checkoff.checkoff_schedules_build(month=MONTH)
    checkoff.checkoff_schedules_build(month=dt.date(2027, 3, 1))
    assert count() == few


def test_the_demo_rep_pays_by_payroll_with_last_month_reconciled():
    from django.core.management import call_command

    from subscriptions import demo_checkoff

    call_command("seed_demo", stdout=io.StringIO())
    demo_checkoff.seed()
    rep = PaymentArrangement.objects.get(membership__user__email="rep@demo.example")
    assert rep.method == Method.PAYROLL and rep.payroll_employer == rep.membership.employer
    schedules = list(CheckOffSchedule.objects.filter(employer=rep.payroll_employer))
    assert len(schedules) == 2
    newer, older = schedules  # newest month first
    assert older.reconciled_at is not None and older.paid_pence == older.total_pence > 0
    assert newer.reconciled_at is None and newer.line_count >= 1
    counts = (CheckOffSchedule.objects.count(), Collection.objects.count())
    demo_checkoff.seed()
    assert (CheckOffSchedule.objects.count(), Collection.objects.count()) == counts


def test_the_page_shows_a_direct_debit_by_its_last_two_digits_only(client, employer):
    membership = MembershipFactory(employer=employer)
    make_mandate(membership, status="active", provider_id="MD000000000077")
    client.force_login(membership.user)
    body = client.get(URL).content.decode()
    assert "account ending 11" in body
    assert "55779911" not in body and "200000" not in body
    assert "cancels your Direct Debit" in body


def test_a_lapsed_member_is_refused_on_the_page(client, employer):
    membership = MembershipFactory(employer=employer, status="lapsed")
    client.force_login(membership.user)
    assert "Only a current member" in client.get(URL).content.decode()
    response = client.post(
        URL, {"employer": "Leeds City Council, Leeds", "payroll_number": "E1", "confirm": "on"}
    )
    assert response.status_code == 400
    assert not PaymentArrangement.objects.filter(membership=membership).exists()
