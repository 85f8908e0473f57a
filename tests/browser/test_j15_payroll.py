"""Journey 15, payroll deduction, by mouse, keyboard only and on a 390 px phone: a member
chooses to pay through their salary, is refused first for a payroll number that is not one
(nothing saved), then names their employer and number and sees the arrangement on the page."""

import pytest

from subscriptions.models import Method, PaymentArrangement
from tests.factories import PASSWORD, EmployerFactory

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_chooses_payroll_deduction(portal, mode):
    journey = portal.journey("j15-payroll", mode)
    employer = EmployerFactory(name="Bradford Metropolitan District Council", town="Bradford")
    member = portal.member(employer=employer, user__first_name="Nia")
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.goto("/me/subscription/payroll/", "payroll")
    assert "You have not set up a way to pay yet." in you.text()
    you.fill("#id_payroll_number", "=SUM(A1)")
    you.submit("main form button[type=submit]")
    you.check("payroll-errors", status=400)
    summary = you.page.locator(".error-summary")
    assert summary.is_visible()
    assert "up to 20 letters" in summary.inner_text()
    assert "Tick the box" in summary.inner_text()
    assert not PaymentArrangement.objects.filter(membership__user=member).exists()
    you.fill("#id_payroll_number", "BD-20931")
    you.choose("#id_confirm")
    you.submit("main form button[type=submit]")
    you.check("payroll-chosen")
    text = you.text()
    assert "deducted from your pay by Bradford Metropolitan District Council" in text
    assert "BD-20931" in text
    arrangement = PaymentArrangement.objects.get(membership__user=member)
    assert arrangement.method == Method.PAYROLL and arrangement.payroll_employer == employer
    if mode == PHONE:
        width = you.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
