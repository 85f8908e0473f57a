"""Paying arrears (or a one-off amount) by card through the demo provider."""

from datetime import date

import pytest
from django.urls import reverse

from membership.models import MembershipChange
from portal.accounts.choices import MembershipStatus
from portal.accounts.roles import Role
from portal.communications.models import Delivery
from subscriptions import card
from subscriptions.arrears import arrears_for, arrears_run_due
from subscriptions.models import CardPayment, CardPaymentStatus, CollectionStatus
from tests.factories import MembershipFactory, staff_user
from tests.subscriptions.conftest import dd_member
from tests.subscriptions.test_arrears import unpaid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_provider")]
PAY = "/me/subscription/pay/"


@pytest.fixture
def owing(clock):
    clock.set(date(2027, 3, 10))
    m = dd_member()
    unpaid(m, 1)
    unpaid(m, 2, amount=2000)
    return m


def test_the_member_sees_what_they_owe_and_that_the_demo_charges_nothing(client, owing):
    client.force_login(owing.user)
    page = client.get(PAY).content.decode()
    assert "Demo payment provider: no card is charged" in page
    assert "You owe £45.00, unpaid since 1 January 2027" in page
    assert "Everything I owe: £45.00" in page
    assert "<td>£25.00</td>" in page and "<td>£20.00</td>" in page
    assert 'name="card_number"' not in page
    summary = client.get(reverse("membership:subscription")).content.decode()
    assert "You owe £45.00" in summary and PAY in summary


def test_paying_everything_settles_the_arrears_oldest_first(client, owing):
    client.force_login(owing.user)
    response = client.post(PAY, {"what": "all"})
    assert response.status_code == 302
    payment = CardPayment.objects.get()
    assert response["Location"] == f"{PAY}{payment.intent_id}/"
    assert payment.amount_pence == 4500 and payment.provider == "demo"
    page = client.get(response["Location"]).content.decode()
    assert "Confirm demo payment" in page and "£45.00" in page
    assert arrears_for(owing).total_pence == 4500, "nothing settled before confirming"
    response = client.post(response["Location"], {"confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("membership:subscription")
    assert "Thank you: your payment of £45.00 is recorded." in response.content.decode()
    assert not arrears_for(owing)
    settled = owing.collections.filter(status=CollectionStatus.SETTLED)
    assert settled.count() == 2 and {c.settled_by_id for c in settled} == {payment.pk}
    rows = MembershipChange.objects.filter(membership=owing, source="payment")
    assert rows.filter(field="card_payment", new_value="£45.00 paid by card").exists()
    assert rows.filter(field="arrears", old_value="£45.00 owed", new_value="£0.00 owed").exists()
    # The page again (back button): already complete, nothing settled twice.
    again = client.post(f"{PAY}{payment.intent_id}/", {"confirm": "1"}, follow=True)
    assert "already complete" in again.content.decode()
    assert rows.filter(field="card_payment").count() == 1


def test_completing_twice_settles_once(owing):
    payment = card.card_payment_start(actor=owing.user, membership=owing, amount_pence=2500)
    card.card_payment_complete(intent_id=payment.intent_id, actor=owing.user)
    card.card_payment_complete(intent_id=payment.intent_id, actor=owing.user)
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    # £25 settles January (£25) only; February (£20) stays owed.
    assert arrears_for(owing).total_pence == 2000
    assert owing.collections.filter(status=CollectionStatus.SETTLED).count() == 1


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "between £1.00 and £1,000.00"),
        ("-5", "in pounds and pence"),
        ("abc", "in pounds and pence"),
        ("1000.01", "between £1.00 and £1,000.00"),
        ("12.345", "in pounds and pence"),
        ("0.99", "between £1.00 and £1,000.00"),
        ("", "Enter the amount you want to pay"),
        ("1e3", "in pounds and pence"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_started(client, owing, amount, message):
    client.force_login(owing.user)
    response = client.post(PAY, {"what": "other", "amount": amount})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not CardPayment.objects.exists()


def test_a_missing_or_unknown_choice_is_refused(client, owing):
    client.force_login(owing.user)
    for data in ({}, {"what": "everything"}):
        response = client.post(PAY, data)
        assert response.status_code == 400 and "Choose what you want to pay" in (
            response.content.decode()
        )
    assert not CardPayment.objects.exists()


def test_a_one_off_payment_is_allowed_with_nothing_owed_and_above_the_arrears(client, owing):
    other = dd_member()
    client.force_login(other.user)
    page = client.get(PAY).content.decode()
    assert "You owe nothing" in page and "Everything I owe" not in page
    assert client.post(PAY, {"what": "all"}).status_code == 400
    response = client.post(PAY, {"what": "other", "amount": "£1,000.00"})
    assert response.status_code == 302
    assert CardPayment.objects.get(membership=other).amount_pence == 100_000
    client.force_login(owing.user)
    response = client.post(PAY, {"what": "other", "amount": "60"})
    assert CardPayment.objects.get(membership=owing).amount_pence == 6000
    client.post(response["Location"], {"confirm": "1"})
    assert not arrears_for(owing), "more than owed: everything settled, the rest recorded"


def test_someone_elses_payment_or_a_bad_id_is_not_found(client, owing):
    payment = card.card_payment_start(actor=owing.user, membership=owing)
    stranger = MembershipFactory()
    client.force_login(stranger.user)
    assert client.get(f"{PAY}{payment.intent_id}/").status_code == 404
    assert client.post(f"{PAY}{payment.intent_id}/", {"confirm": "1"}).status_code == 404
    assert client.get(f"{PAY}no-such-intent/").status_code == 404
    assert client.get(f"{PAY}bad%20id%3B/").status_code == 404
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.CREATED


def test_cancelling_on_the_demo_page_pays_nothing(client, owing):
    client.force_login(owing.user)
    location = client.post(PAY, {"what": "all"})["Location"]
    response = client.post(location, {"cancel": "1"})
    assert response["Location"] == PAY
    assert arrears_for(owing).total_pence == 4500


def test_a_lapsed_member_who_clears_their_arrears_is_left_to_the_officers(owing, settings):
    settings.SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS = 2
    officer, _ = staff_user(Role.MEMBERSHIP_OFFICER)
    arrears_run_due(today=date(2027, 3, 10))
    owing.refresh_from_db()
    assert owing.status == MembershipStatus.LAPSED
    payment = card.card_payment_start(actor=owing.user, membership=owing)
    card.card_payment_complete(intent_id=payment.intent_id, actor=owing.user)
    owing.refresh_from_db()
    assert owing.status == MembershipStatus.LAPSED, "never reactivated by the software"
    [told] = Delivery.objects.filter(
        user=officer, notification="staff_subscription_lapsed_member_cleared"
    )
    assert told.context["number"] == owing.number
