"""The membership officer's back office for the bureau: who sees it, what it shows (never
bank details), downloads recorded, files written on demand, exceptions resolved with a note,
and lists whose query counts do not grow with the data."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from portal.accounts.roles import Role
from subscriptions import bureau
from subscriptions.bacs import standard18
from subscriptions.models import (
    BacsException,
    BacsFileDownload,
    BacsReport,
    CollectionStatus,
    MandateStatus,
)
from tests.factories import staff_user
from tests.subscriptions.bureau_helpers import ACCOUNTS, collection, mandate

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/subscriptions/mandate/",
    "/admin/subscriptions/collection/",
    "/admin/subscriptions/collection/?arrears=yes",
    "/admin/subscriptions/arrears/",
    "/admin/subscriptions/bacsfile/",
    "/admin/subscriptions/bacsreport/",
    "/admin/subscriptions/bacsreport/add/",
    "/admin/subscriptions/bacsexception/?resolved=no",
]


def login(role):
    user = staff_user(role)[0]
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def officer_client():
    return login(Role.MEMBERSHIP_OFFICER)


def world(n_unpaid=1):
    """Members paying through the bureau: files written, collections returned unpaid."""
    monday = date(2027, 2, 1)
    mandates = []
    for i in range(n_unpaid):
        m = mandate(account=i)
        collection(m, due_on=date(2027, 2, 3), amount_pence=2150 + i)
        mandates.append(m)
    files = bureau.files_write(today=monday)
    report = BacsReport.objects.create(kind="arudd", sha256=f"{n_unpaid:064d}", content="x")
    for m in mandates:
        c = m.collections.get()
        c.status = CollectionStatus.UNPAID
        c.unpaid_reason = "Refer to payer"
        c.unpaid_at = timezone.now()
        c.save()
        BacsException.objects.create(
            report=report, reference=m.reference, code="0", message="Test exception", mandate=m
        )
    return mandates, files, report


def test_the_officer_opens_every_screen_and_no_other_role_does(officer_client):
    mandates, files, report = world(2)
    _, client = officer_client
    pages = PAGES + [
        f"/admin/subscriptions/mandate/{mandates[0].pk}/change/",
        f"/admin/subscriptions/collection/{mandates[0].collections.get().pk}/change/",
        f"/admin/subscriptions/bacsfile/{files[1].pk}/change/",
        f"/admin/subscriptions/bacsreport/{report.pk}/change/",
        f"/admin/subscriptions/bacsexception/{report.exceptions.first().pk}/change/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        # Bank details are never on a page: not the account number, not the sort code.
        for sort_code, account in ACCOUNTS:
            assert account not in body, page
            assert sort_code not in body, page
    listing = client.get("/admin/subscriptions/mandate/").content.decode()
    assert f"ending {ACCOUNTS[0][1][-2:]}" in listing
    assert mandates[0].reference in listing
    for role in (
        Role.CASEWORKER,
        Role.CASEWORK_MANAGER,
        Role.PUBLISHER,
        Role.COMMUNICATIONS_OFFICER,
        Role.ADMINISTRATOR,
    ):
        _, other = login(role)
        for page in pages:
            assert other.get(page).status_code == 403, (role, page)
        assert (
            other.post(f"/admin/subscriptions/bacsfile/{files[0].pk}/download/").status_code == 403
        )
        assert other.post("/admin/subscriptions/bacsfile/write/").status_code == 403
    assert not BacsFileDownload.objects.exists()


def test_the_arrears_queue_adds_up_what_each_member_owes(officer_client):
    mandates, _, _ = world(2)
    m = mandates[0]
    extra = collection(m, due_on=date(2027, 3, 3), amount_pence=1000, period_start=date(2027, 3, 1))
    extra.status = CollectionStatus.UNPAID
    extra.unpaid_at = timezone.now()
    extra.save()
    paid = collection(m, due_on=date(2027, 4, 1), amount_pence=999, period_start=date(2027, 4, 1))
    paid.status = CollectionStatus.PAID
    paid.save()
    _, client = officer_client
    response = client.get("/admin/subscriptions/arrears/")
    rows = list(response.context["cl"].result_list)
    assert [r.number for r in rows] == [m.membership.number, mandates[1].membership.number]
    assert rows[0].owed_pence == 2150 + 1000 and rows[0].unpaid_count == 2
    assert rows[0].oldest_due == date(2027, 2, 3)
    body = response.content.decode()
    assert "£31.50" in body and "£21.51" in body
    assert "£9.99" not in body


@pytest.mark.parametrize(
    "page",
    [
        "/admin/subscriptions/mandate/",
        "/admin/subscriptions/collection/",
        "/admin/subscriptions/arrears/",
        "/admin/subscriptions/bacsfile/",
        "/admin/subscriptions/bacsreport/",
        "/admin/subscriptions/bacsexception/",
    ],
)
def test_list_pages_do_not_grow_queries_with_the_data(
    officer_client, page, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, client = officer_client
    world(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page).status_code == 200
    world(12)
    bureau.files_write(today=date(2027, 2, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(page).status_code == 200


def test_a_download_is_the_file_as_text_and_is_recorded(officer_client):
    user, client = officer_client
    _, files, _ = world(1)
    auddis, collections = files
    listing = client.get("/admin/subscriptions/bacsfile/").content.decode()
    assert f"/admin/subscriptions/bacsfile/{collections.pk}/download/" in listing
    assert client.get(f"/admin/subscriptions/bacsfile/{collections.pk}/download/").status_code == (
        405
    )
    assert not BacsFileDownload.objects.exists()
    response = client.post(f"/admin/subscriptions/bacsfile/{collections.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    parsed = standard18.parse(response.content.decode())
    assert parsed.debit_count == 1
    (download,) = BacsFileDownload.objects.all()
    assert download.user == user and download.bacs_file == collections
    page = client.get(f"/admin/subscriptions/bacsfile/{collections.pk}/change/").content.decode()
    assert str(user) in page  # who downloaded, on the file's page
    assert client.post("/admin/subscriptions/bacsfile/999999/download/").status_code == 404
    assert client.post("/admin/subscriptions/bacsfile/abc/download/").status_code in (302, 404)
    assert BacsFileDownload.objects.count() == 1


def test_write_files_now_writes_what_is_due(officer_client):
    user, client = officer_client
    m = mandate()
    today = timezone.localdate()
    # Due far enough ahead that today is past its input day only if the job runs: use the
    # earliest date whose input day is today or earlier.
    due = bureau.latest_due_date(today)
    collection(m, due_on=due)
    response = client.post("/admin/subscriptions/bacsfile/write/", follow=True)
    assert response.status_code == 200
    m.refresh_from_db()
    assert m.status == MandateStatus.ACTIVE and m.lodged_in.created_by == user
    assert "Written:" in response.content.decode()
    again = client.post("/admin/subscriptions/bacsfile/write/", follow=True).content.decode()
    assert "Nothing to write" in again
    assert client.get("/admin/subscriptions/bacsfile/write/").status_code == 405


def test_exceptions_are_resolved_only_with_a_note(officer_client):
    user, client = officer_client
    _, _, report = world(2)
    pks = [str(e.pk) for e in report.exceptions.all()]
    blank = client.post(
        "/admin/subscriptions/bacsexception/",
        {"action": "resolve", "_selected_action": pks, "apply": "1", "note": "  "},
    )
    assert blank.status_code == 400
    assert "This field is required" in blank.content.decode()
    assert BacsException.objects.filter(resolved_at=None).count() == 2
    done = client.post(
        "/admin/subscriptions/bacsexception/",
        {"action": "resolve", "_selected_action": pks, "apply": "1", "note": "Member rang us"},
        follow=True,
    )
    assert "2 exception(s) resolved" in done.content.decode()
    assert set(BacsException.objects.values_list("resolved_by", "resolution")) == {
        (user.pk, "Member rang us")
    }
    listing = client.get("/admin/subscriptions/bacsexception/?resolved=no")
    assert list(listing.context["cl"].result_list) == []
    assert client.get("/admin/subscriptions/bacsexception/?resolved=maybe").status_code == 200
    assert client.get("/admin/subscriptions/bacsexception/?message__icontains=a").status_code == 400


def test_no_bank_details_on_change_forms_and_nothing_editable(officer_client):
    mandates, files, _ = world(1)
    _, client = officer_client
    page = client.get(f"/admin/subscriptions/mandate/{mandates[0].pk}/change/")
    assert page.status_code == 200
    form_fields = page.context["adminform"].form.fields
    assert not {"sort_code", "account_number", "account_holder"} & set(form_fields)
    # Read-only: no change, no delete.
    assert (
        client.post(
            f"/admin/subscriptions/mandate/{mandates[0].pk}/change/", {"status": "cancelled"}
        ).status_code
        == 403
    )
    assert client.get(f"/admin/subscriptions/mandate/{mandates[0].pk}/delete/").status_code == 403
    mandates[0].refresh_from_db()
    assert mandates[0].status == MandateStatus.ACTIVE
    file_page = client.get(f"/admin/subscriptions/bacsfile/{files[0].pk}/change/")
    assert "content" not in file_page.context["adminform"].form.fields
