"""Journey 14, subscriptions through the Bacs bureau, by mouse, keyboard only and on a 390 px
phone: the membership officer finds the day's bureau files, uploads the bureau's ARUDD
report (a malformed one is refused first, naming its line, nothing changed), reads what
the import did and finds the member in the arrears queue; the member sees the arrears on
/me/subscription/ and pays them by card (the demo provider). The collection returned is
already a re-presentation, so it is owed at once rather than collected again."""

from datetime import date

import pytest

from portal.accounts.roles import Role
from subscriptions import bureau
from subscriptions.bacs import reports
from subscriptions.models import CollectionKind, CollectionStatus, MandateStatus
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
    first = collection(
        m, due_on=date(2027, 1, 6), amount_pence=2475, status=CollectionStatus.REPRESENTED
    )
    c = collection(
        m,
        due_on=date(2027, 2, 3),
        amount_pence=2475,
        kind=CollectionKind.REPRESENTED,
        represents=first,
        period_start=first.period_start,
    )
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
    assert c.status == CollectionStatus.UNPAID  # returned twice: owed
    m.refresh_from_db()
    assert m.status == MandateStatus.ACTIVE
    staff.goto("/admin/subscriptions/arrears/", "admin-arrears")
    assert member.membership.number in staff.text() and "£24.75" in staff.text()

    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.goto("/me/subscription/", "member-subscription")
    assert "You owe £24.75" in you.text()
    you.press("main a[href='/me/subscription/pay/']")
    you.check("member-pay")
    assert "Demo payment provider: no card is charged" in you.text()
    you.choose("#id_what_0")  # everything owed
    you.submit("main form button[type=submit]")
    you.check("member-pay-confirm")
    you.submit("button[name=confirm]")
    assert you.path == "/me/subscription/"
    you.check("member-paid")
    assert "Thank you: your payment of £24.75 is recorded." in you.page.inner_text("body")
    c.refresh_from_db()
    assert c.status == CollectionStatus.SETTLED
    if mode == PHONE:
        assert you.page.evaluate("document.documentElement.scrollWidth") <= 390
