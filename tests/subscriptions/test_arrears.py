"""Returned collections: re-presented once, then arrears, reminders, the warning and the
lapse at the rule book's threshold; officers see "In arrears"; help is never refused."""

from datetime import date

import pytest
from django.urls import reverse

from casework import services as case_services
from membership.models import MembershipChange
from portal.accounts.choices import MembershipStatus
from portal.accounts.roles import Role
from portal.communications.models import Delivery
from subscriptions.arrears import (
    arrears_for,
    arrears_run_due,
    collection_returned_unpaid,
    in_arrears,
)
from subscriptions.models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    Method,
    PaymentNotice,
)
from tests.factories import staff_user
from tests.subscriptions.conftest import dd_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_provider")]


def collection(m, month, *, status=CollectionStatus.SUBMITTED, amount=2500, year=2027):
    start = date(year, month, 1)
    end = date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)
    from datetime import timedelta

    return Collection.objects.create(
        membership=m,
        method=Method.DIRECT_DEBIT,
        mandate=m.mandates.get(),
        kind=CollectionKind.REGULAR,
        status=status,
        due_on=start.replace(day=4) if start.weekday() >= 5 else start,
        period_start=start,
        period_end=end - timedelta(days=1),
        amount_pence=amount,
    )


def told(m, kind):
    return list(Delivery.objects.filter(user=m.user, notification=kind))


def unpaid(m, month, **kwargs):
    """A collection returned, re-presented, and returned again: owed."""
    c = collection(m, month, **kwargs)
    again = collection_returned_unpaid(
        collection=c, code="0", reason="Refer to payer", may_represent=True
    )
    collection_returned_unpaid(
        collection=again, code="0", reason="Refer to payer", may_represent=True
    )
    return c, again


def test_a_returned_collection_is_represented_once(clock, recording_provider):
    clock.set(date(2027, 2, 4))
    m = dd_member()
    c = collection(m, 2)
    again = collection_returned_unpaid(
        collection=c, code="0", reason="Refer to payer", may_represent=True
    )
    c.refresh_from_db()
    assert c.status == CollectionStatus.REPRESENTED and c.unpaid_reason == "Refer to payer"
    assert again.kind == CollectionKind.REPRESENTED and again.represents == c
    assert again.status == CollectionStatus.SCHEDULED and again.amount_pence == 2500
    assert again.due_on == date(2027, 2, 11)  # five processing days later
    assert ("collection_scheduled", again.pk) in recording_provider.calls
    [notice] = told(m, "subscription_collection_represented")
    assert notice.context["date"] == "11 February 2027"
    # The same report again: nothing more.
    assert (
        collection_returned_unpaid(
            collection=c, code="0", reason="Refer to payer", may_represent=True
        )
        is None
    )
    assert Collection.objects.filter(represents=c).count() == 1
    assert not arrears_for(m), "re-presented: not owed yet"
    # The re-presentation comes back unpaid too: never a third attempt, now it is owed.
    assert (
        collection_returned_unpaid(
            collection=again, code="0", reason="Refer to payer", may_represent=True
        )
        is None
    )
    again.refresh_from_db()
    assert again.status == CollectionStatus.UNPAID
    assert Collection.objects.filter(membership=m).count() == 2
    summary = arrears_for(m)
    assert (summary.total_pence, summary.months_unpaid) == (2500, 1)
    [reminder] = told(m, "subscription_arrears_reminder")
    assert reminder.context["amount"] == "£25.00"
    assert reminder.context["url"].endswith("/me/subscription/pay/")
    fields = list(
        MembershipChange.objects.filter(membership=m, source="payment").values_list(
            "field", flat=True
        )
    )
    assert fields.count("collection") == 3


def test_a_reason_that_forbids_representing_leaves_it_owed_at_once(clock):
    clock.set(date(2027, 2, 4))
    m = dd_member()
    c = collection(m, 2)
    assert (
        collection_returned_unpaid(
            collection=c, code="B", reason="Account closed", may_represent=False
        )
        is None
    )
    c.refresh_from_db()
    assert c.status == CollectionStatus.UNPAID and not c.representations.exists()
    assert arrears_for(m).total_pence == 2500 and in_arrears([m.pk, 0]) == {m.pk}
    assert len(told(m, "subscription_arrears_reminder")) == 1


def test_membership_lapses_at_the_threshold_and_not_before(clock, settings):
    settings.SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS = 3
    clock.set(date(2027, 2, 10))
    m = dd_member()
    unpaid(m, 1)
    day = date(2027, 2, 12)
    assert arrears_run_due(today=day) == {"reminders": 0, "warnings": 0, "lapsed": 0}
    clock.set(date(2027, 3, 10))
    unpaid(m, 2)
    # Two months owed: one short, so the warning (once) and still active.
    counts = arrears_run_due(today=date(2027, 3, 12))
    assert counts == {"reminders": 0, "warnings": 1, "lapsed": 0}
    m.refresh_from_db()
    assert m.status == MembershipStatus.ACTIVE
    [warning] = told(m, "subscription_lapse_warning")
    assert warning.context == {
        "amount": "£50.00",
        "date": "1 April 2027",
        "url": warning.context["url"],
    }
    assert arrears_run_due(today=date(2027, 3, 13))["warnings"] == 0, "not sent twice"
    assert len(told(m, "subscription_arrears_reminder")) == 2, "one a month, never again"
    clock.set(date(2027, 3, 20))
    unpaid(m, 3)
    assert arrears_run_due(today=date(2027, 3, 20))["lapsed"] == 1
    m.refresh_from_db()
    assert m.status == MembershipStatus.LAPSED
    rows = MembershipChange.objects.filter(membership=m, source="payment")
    assert rows.filter(field="status", new_value="lapsed").exists()
    assert "3 months unpaid" in rows.get(field="arrears").new_value
    assert len(told(m, "subscription_lapsed")) == 1
    assert arrears_run_due(today=date(2027, 3, 21)) == {
        "reminders": 0,
        "warnings": 0,
        "lapsed": 0,
    }
    assert PaymentNotice.objects.filter(membership=m).count() == len(
        set(PaymentNotice.objects.filter(membership=m).values_list("kind", "for_date"))
    )


def test_an_old_debt_lapses_on_the_date_the_warning_gave(clock, settings):
    settings.SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS = 3
    clock.set(date(2027, 1, 10))
    m = dd_member()
    unpaid(m, 1)  # January owed; February and March paid
    assert arrears_run_due(today=date(2027, 1, 31))["warnings"] == 0
    assert arrears_run_due(today=date(2027, 2, 28))["warnings"] == 0
    # January's collection was due on 1 January: it lapses three months later.
    assert arrears_run_due(today=date(2027, 3, 1))["warnings"] == 1  # a month before
    assert arrears_run_due(today=date(2027, 3, 31))["lapsed"] == 0
    assert arrears_run_due(today=date(2027, 4, 1))["lapsed"] == 1


def test_a_member_in_arrears_can_still_ask_for_help(clock):
    from tests.casework.conftest import details

    clock.set(date(2027, 2, 10))
    m = dd_member(joined_on=date(2020, 1, 1))
    unpaid(m, 1)
    assert arrears_for(m)
    case = case_services.case_submit(member=m.user, details=details(m.user))
    assert case.reference and case.status == "new"
    assert case.eligibility_concern == ""


def test_the_officer_sees_in_arrears_on_the_case(client, clock):
    from tests.casework.conftest import details

    clock.set(date(2027, 2, 10))
    m = dd_member(joined_on=date(2020, 1, 1))
    unpaid(m, 1)
    case = case_services.case_submit(member=m.user, details=details(m.user))
    officer, _ = staff_user(Role.CASEWORK_MANAGER)
    client.force_login(officer)
    page = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    assert "<dt>In arrears</dt><dd>£25.00 since 01 January 2027</dd>" in page
    other = dd_member(joined_on=date(2020, 1, 1))
    case = case_services.case_submit(member=other.user, details=details(other.user))
    page = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    assert "In arrears" not in page
