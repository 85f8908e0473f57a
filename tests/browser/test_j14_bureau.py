"""Journey 14, subscriptions through the Bacs bureau, by mouse, keyboard only and on a 390 px
phone: the membership officer finds the day's bureau files, uploads the bureau's ARUDD
report (a malformed one is refused first, naming its line, nothing changed), reads what
the import did and finds the member in the arrears queue; the member sees the arrears on
/me/subscription/ (once that page shows them; until then the officer's collection page
shows the collection unpaid)."""

from datetime import date

import pytest

from portal.accounts.roles import Role
from subscriptions import bureau
from subscriptions.bacs import reports
from subscriptions.models import CollectionStatus, MandateStatus
from tests.factories import PASSWORD
from tests.subscriptions.bureau_helpers import collection, mandate

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def arudd_for(c) -> bytes:
    from django.conf import settings

    return reports.build_arudd(
        [
            reports.ReturnedDebit(
                reference=c.mandate.reference,
                transaction_code=c.kind,
                amount_pence=c.amount_pence,
                return_code="0",
                return_description="REFER TO PAYER",
                original_processing_date=c.bacs_file.processing_date,
                payer_name="OWEN PRICE",
                payer_sort_code=c.mandate.sort_code,
                payer_account_last2=c.mandate.account_last2,
            )
        ],
        report_date=date(2027, 2, 8),
        service_user_number=settings.BACS_SERVICE_USER_NUMBER,
    )


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_an_officer_uploads_an_arudd_and_the_member_sees_the_arrears(portal, mode):
    journey = portal.journey("j14-bureau", mode)
    member = portal.member(user__first_name="Owen", user__last_name="Price")
    m = mandate(member.membership)
    c = collection(m, due_on=date(2027, 2, 3), amount_pence=2475)
    bureau.files_write(today=date(2027, 2, 1))
    c.refresh_from_db()
    assert c.status == CollectionStatus.SUBMITTED
    good = arudd_for(c)
    broken = good.replace(b"<ReturnedDebitItem ", b"<ReturnedDebitItem <", 1)
    broken_line = (
        broken.decode()
        .splitlines()
        .index(
            next(line for line in broken.decode().splitlines() if "<ReturnedDebitItem <" in line)
        )
        + 1
    )

    officer, secret = portal.officer(Role.MEMBERSHIP_OFFICER)
    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret)
    staff.goto("/admin/subscriptions/bacsfile/", "admin-bacs-files")
    text = staff.text()
    assert "Standard 18 collection file" in text and "Download" in text
    staff.goto("/admin/subscriptions/bacsreport/add/", "admin-report-upload")
    staff.upload("#id_file", [{"name": "arudd.xml", "mime": "text/xml", "data": broken}])
    staff.submit("#content-main input[type=submit]")
    staff.check("admin-report-upload-errors", status=400, admin=True)
    assert f"line {broken_line}" in staff.text()
    c.refresh_from_db()
    assert c.status == CollectionStatus.SUBMITTED, "nothing changed"
    staff.upload("#id_file", [{"name": "arudd.xml", "mime": "text/xml", "data": good}])
    staff.submit("#content-main input[type=submit]")
    staff.check("admin-report-imported", admin=True)
    assert "unpaid: 1" in staff.text()
    c.refresh_from_db()
    assert c.status in (CollectionStatus.UNPAID, CollectionStatus.REPRESENTED)
    m.refresh_from_db()
    assert m.status == MandateStatus.ACTIVE
    staff.goto("/admin/subscriptions/arrears/", "admin-arrears")
    assert member.membership.number in staff.text() and "£24.75" in staff.text()

    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.goto("/me/subscription/", "member-subscription")
    if "rrears" in you.text():  # the member's arrears section (built beside this)
        assert "£24.75" in you.text()
    else:
        staff.goto(f"/admin/subscriptions/collection/{c.pk}/change/")
        assert "Unpaid" in staff.text()
    if mode == PHONE:
        assert you.page.evaluate("document.documentElement.scrollWidth") <= 390
