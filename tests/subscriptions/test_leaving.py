"""Resigning: the final collection pro rata to the day the membership ends, later
collections cancelled, the mandate cancelled when the resignation applies; withdrawing
undoes it."""

from datetime import date

import pytest

from membership import services as membership_services
from membership.models import MembershipChange
from portal.accounts.choices import MembershipStatus
from portal.communications.models import Delivery
from subscriptions.collections import collections_schedule
from subscriptions.leaving import final_collection_for, pro_rata
from subscriptions.models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    MandateStatus,
)
from tests.subscriptions.conftest import dd_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_provider")]

TODAY = date(2027, 1, 10)


@pytest.fixture
def member(clock, settings):
    settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS = 30
    clock.set(TODAY)
    m = dd_member()
    collections_schedule(today=TODAY)  # February, £25.00 on 1 February
    return m


def test_pro_rata_counts_the_days_up_to_the_end():
    assert pro_rata(2500, date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 9)) == 804
    assert pro_rata(2500, date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 28)) == 2500
    assert pro_rata(2500, date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 1)) == 89


def test_resigning_works_out_the_final_collection_and_shows_it(client, member):
    client.force_login(member.user)
    response = client.post("/me/resign/", {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    final = final_collection_for(member)
    # The membership ends on 9 February: 9 of February's 28 days.
    assert (final.kind, final.amount_pence, final.period_end) == (
        CollectionKind.FINAL,
        804,
        date(2027, 2, 9),
    )
    assert final.due_on == date(2027, 2, 1) and final.status == CollectionStatus.SCHEDULED
    assert Collection.objects.filter(membership=member).count() == 1
    page = response.content.decode()
    assert "Your final collection: £8.04 on 1 February 2027" in page
    summary = client.get("/me/subscription/").content.decode()
    assert "Your final collection: £8.04 on 1 February 2027" in summary
    [notice] = Delivery.objects.filter(
        user=member.user, notification="subscription_final_collection"
    )
    assert notice.context["amount"] == "£8.04" and notice.context["ends"] == "9 February 2027"
    assert MembershipChange.objects.filter(
        membership=member, field="collection", new_value__startswith="final collection £8.04"
    ).exists()
    # No collection is scheduled after the membership ends, whatever the engine's runs.
    collections_schedule(today=date(2027, 2, 5))
    assert not Collection.objects.filter(
        membership=member, period_start__gt=date(2027, 2, 9)
    ).exists()


def test_collections_after_the_end_are_cancelled(member, clock, recording_provider):
    collections_schedule(today=date(2027, 1, 20))  # March, within the horizon
    march = Collection.objects.get(membership=member, period_start=date(2027, 3, 1))
    membership_services.membership_resign(actor=member.user, membership=member, today=TODAY)
    march.refresh_from_db()
    assert march.status == CollectionStatus.CANCELLED
    assert ("collection_cancelled", march.pk) in recording_provider.calls


def test_the_mandate_is_cancelled_when_the_resignation_applies(member, clock, recording_provider):
    membership_services.membership_resign(actor=member.user, membership=member, today=TODAY)
    mandate = member.mandates.get()
    assert mandate.status == MandateStatus.ACTIVE, "collected until the membership ends"
    clock.set(date(2027, 2, 9))
    assert membership_services.resignations_apply_due(today=date(2027, 2, 9)) == 1
    mandate.refresh_from_db()
    member.refresh_from_db()
    assert member.status == MembershipStatus.RESIGNED
    assert mandate.status == MandateStatus.CANCELLING and mandate.cancel_requested_at
    assert ("mandate_cancelled", mandate.pk) in recording_provider.calls
    row = MembershipChange.objects.get(membership=member, field="mandate")
    assert "11" in row.old_value and "55779911" not in row.old_value + row.new_value


def test_withdrawing_the_resignation_restores_the_regular_collection(client, member):
    client.force_login(member.user)
    client.post("/me/resign/", {"confirm": "on"})
    assert final_collection_for(member).amount_pence == 804
    client.post("/me/resign/", {"withdraw": "1"})
    assert final_collection_for(member) is None
    c = Collection.objects.get(membership=member)
    assert (c.kind, c.amount_pence, c.period_end) == (
        CollectionKind.FIRST,
        2500,
        date(2027, 2, 28),
    )
    assert member.mandates.get().status == MandateStatus.ACTIVE
    assert "Your final collection" not in client.get("/me/resign/").content.decode()


def test_resigning_with_no_collection_yet_schedules_the_final_one(clock, settings):
    settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS = 30
    clock.set(TODAY)
    m = dd_member()
    membership_services.membership_resign(actor=m.user, membership=m, today=TODAY)
    final = final_collection_for(m)
    assert (final.period_start, final.period_end, final.amount_pence) == (
        date(2027, 2, 1),
        date(2027, 2, 9),
        804,
    )


def test_a_member_paying_nothing_by_direct_debit_has_no_final_collection(clock, settings):
    from tests.factories import MembershipFactory

    settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS = 30
    clock.set(TODAY)
    m = MembershipFactory()
    membership_services.membership_resign(actor=m.user, membership=m, today=TODAY)
    assert final_collection_for(m) is None and not Collection.objects.exists()
