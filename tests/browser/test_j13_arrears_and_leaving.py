"""Journey 13, arrears and leaving, by mouse, keyboard only and on a 390 px phone: the
member sees what they owe and pays it by card through the demo provider (which says that
no card is charged), after a bad amount is refused; then resigns and sees the final
collection."""

from datetime import date

import pytest

from portal.accounts.models import Membership
from subscriptions.arrears import arrears_for, collection_returned_unpaid
from subscriptions.leaving import final_collection_for
from subscriptions.models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    Mandate,
    Method,
    PaymentArrangement,
)
from tests.factories import PASSWORD

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_arrears(membership):
    PaymentArrangement.objects.create(membership=membership, method=Method.DIRECT_DEBIT)
    mandate = Mandate.objects.create(
        membership=membership,
        provider="bureau",
        reference=f"J13{membership.number}",
        account_holder="Journey Member",
        sort_code="200000",
        account_number="55779911",
        account_last2="11",
        status="active",
    )
    c = Collection.objects.create(
        membership=membership,
        method=Method.DIRECT_DEBIT,
        mandate=mandate,
        kind=CollectionKind.FIRST,
        status=CollectionStatus.SUBMITTED,
        due_on=date(2026, 11, 2),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        amount_pence=2500,
    )
    collection_returned_unpaid(collection=c, code="B", reason="Account closed", may_represent=False)


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_the_member_pays_arrears_by_card_then_resigns(portal, mode, settings):
    settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS = 30
    settings.CARD_PROVIDER = "demo"
    journey = portal.journey("j13-arrears", mode)
    member = portal.member()
    membership = Membership.objects.get(user=member)
    in_arrears(membership)
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.goto("/me/subscription/", "subscription-arrears")
    assert "You owe £25.00" in you.text()
    you.press("main a[href='/me/subscription/pay/']")
    you.check("pay")
    text = you.text()
    assert "Demo payment provider: no card is charged" in text
    assert "You owe £25.00, unpaid since 2 November 2026" in text
    you.choose("#id_what_1")  # another amount
    you.fill("#id_amount", "abc")
    you.submit("main form button[type=submit]")
    you.check("pay-errors", status=400)
    summary = you.page.locator(".error-summary")
    assert summary.is_visible() and "in pounds and pence" in summary.inner_text()
    assert arrears_for(membership).total_pence == 2500
    you.choose("#id_what_0")  # everything owed
    you.submit("main form button[type=submit]")
    you.check("pay-confirm")
    assert "no card is charged" in you.text() and "£25.00" in you.text()
    you.submit("button[name=confirm]")
    assert you.path == "/me/subscription/"
    you.check("paid")
    assert "Thank you: your payment of £25.00 is recorded." in you.page.inner_text("body")
    assert "You owe" not in you.text()
    assert not arrears_for(membership)
    you.goto("/me/resign/", "resign")
    you.choose("#id_confirm")
    you.submit("main form button[type=submit]")
    you.check("resigned")
    final = final_collection_for(membership)
    assert final is not None and final.kind == CollectionKind.FINAL
    expected = f"Your final collection: £{final.amount_pence / 100:.2f} on {final.due_on:%-d %B %Y}"
    assert expected in you.text()
    if mode == PHONE:
        width = you.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
