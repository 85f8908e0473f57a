"""The demo's members in arrears: one owing after a re-presentation, one lapsed."""

import io

import pytest
from django.core.management import call_command

from membership.models import MembershipChange
from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership
from subscriptions import demo_arrears
from subscriptions.arrears import arrears_for
from subscriptions.models import Collection, CollectionKind, CollectionStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_provider")]


def test_the_demo_has_a_member_in_arrears_and_one_lapsed_for_it(settings):
    call_command("seed_demo", stdout=io.StringIO())
    demo_arrears.seed()
    priya = Membership.objects.get(user__email="priya.shah@members.demo.example")
    owed = arrears_for(priya)
    assert priya.status == MembershipStatus.ACTIVE
    assert (owed.total_pence, owed.months_unpaid) == (2500, 1)
    [again] = owed.collections
    assert again.kind == CollectionKind.REPRESENTED and again.unpaid_reason == "Refer to payer"
    assert again.represents.status == CollectionStatus.REPRESENTED
    daniel = Membership.objects.get(user__email="daniel.brooks@members.demo.example")
    assert daniel.status == MembershipStatus.LAPSED
    assert arrears_for(daniel).months_unpaid == 3
    why = MembershipChange.objects.get(membership=daniel, field="arrears")
    assert why.new_value == "lapsed for non-payment: 3 months unpaid"
    count = Collection.objects.count()
    demo_arrears.seed()
    assert Collection.objects.count() == count
