"""The collection engine: the next collection of every paying member, bank holidays, the
advance notice, re-quoting after a rate change, and a query budget that does not grow."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membership import services as membership_services
from membership.models import LifeEventKind, MembershipChange, Reduction, ReductionStatus
from portal.accounts.choices import MembershipStatus
from portal.communications.models import Delivery
from subscriptions.collections import (
    collection_date,
    collections_adjust_for_rate_changes,
    collections_schedule,
)
from subscriptions.models import (
    Collection,
    CollectionKind,
    CollectionStatus,
    MandateStatus,
    Method,
)
from tests.factories import MembershipFactory
from tests.subscriptions.conftest import dd_member, payroll_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_provider")]

TODAY = date(2027, 1, 10)


def notices(membership, kind="subscription_collection_notice"):
    return list(Delivery.objects.filter(user=membership.user, notification=kind))


def test_the_first_collection_is_announced_with_its_amount_and_date(clock, recording_provider):
    clock.set(TODAY)
    m = dd_member()
    assert collections_schedule(today=TODAY) == 1
    c = Collection.objects.get(membership=m)
    # 1 January is too soon for 14 days' notice: the first collection is February's.
    assert (c.kind, c.status, c.method) == (
        CollectionKind.FIRST,
        CollectionStatus.SCHEDULED,
        Method.DIRECT_DEBIT,
    )
    assert (c.period_start, c.period_end, c.due_on) == (
        date(2027, 2, 1),
        date(2027, 2, 28),
        date(2027, 2, 1),
    )
    assert c.amount_pence == 2500 and c.mandate.membership == m
    assert (c.due_on - TODAY).days >= 14
    [notice] = notices(m)
    assert notice.context["amount"] == "£25.00" and notice.context["date"] == "1 February 2027"
    assert "55779911" not in str(notice.context)
    assert ("collection_scheduled", c.pk) in recording_provider.calls
    # Again the same day, and the next day: nothing new, nothing told twice.
    assert collections_schedule(today=TODAY) == 0
    assert collections_schedule(today=TODAY + timedelta(days=1)) == 0
    assert Collection.objects.filter(membership=m).count() == 1 and len(notices(m)) == 1


def test_the_next_month_is_a_regular_collection_and_needs_no_new_notice(clock):
    clock.set(TODAY)
    m = dd_member()
    collections_schedule(today=TODAY)
    later = date(2027, 2, 5)
    clock.set(later)
    assert collections_schedule(today=later) == 1
    march = Collection.objects.get(membership=m, period_start=date(2027, 3, 1))
    assert march.kind == CollectionKind.REGULAR and march.amount_pence == 2500
    assert len(notices(m)) == 1, "same amount as before: no second notice"


def test_a_collection_day_on_bank_holidays_moves_to_the_next_working_day(settings, clock):
    settings.DIRECT_DEBIT_COLLECTION_DAY = 25
    # 25 and 26 December 2026 are Christmas and Boxing Day (a Friday and Saturday), the 27th a
    # Sunday and the 28th the Boxing Day substitute: the 29th is the first processing day.
    assert collection_date(2026, 12) == date(2026, 12, 29)
    assert collection_date(2027, 1) == date(2027, 1, 25)
    today = date(2026, 12, 1)
    clock.set(today)
    m = dd_member()
    collections_schedule(today=today)
    c = Collection.objects.get(membership=m)
    assert (c.period_start, c.due_on) == (date(2026, 12, 1), date(2026, 12, 29))


def test_payroll_members_get_collections_without_a_mandate(clock):
    clock.set(TODAY)
    m = payroll_member()
    collections_schedule(today=TODAY)
    c = Collection.objects.get(membership=m)
    assert c.method == Method.PAYROLL and c.mandate is None
    assert c.kind == CollectionKind.REGULAR and c.amount_pence == 2500


def test_no_collection_without_a_live_mandate_an_arrangement_or_anything_to_pay(clock):
    clock.set(TODAY)
    dd_member(status=MandateStatus.CANCELLED)
    MembershipFactory()  # pays nothing yet
    dd_member()  # the one that pays
    lapsed = dd_member()
    lapsed.status = MembershipStatus.LAPSED
    lapsed.save()
    on_leave = dd_member()  # maternity leave: a free rate
    Reduction.objects.create(
        membership=on_leave,
        kind="parental_leave",
        status=ReductionStatus.APPROVED,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 9, 30),
        requested_by=on_leave.user,
    )
    assert collections_schedule(today=TODAY) == 1  # only the active one above
    assert not Collection.objects.filter(membership__in=[lapsed, on_leave]).exists()


def test_an_annual_payer_pays_the_year_at_once(clock):
    from membership.models import Subscription

    clock.set(TODAY)
    m = dd_member()
    Subscription.objects.create(membership=m, frequency="annual")
    collections_schedule(today=TODAY)
    c = Collection.objects.get(membership=m)
    assert (c.period_start, c.period_end) == (date(2027, 2, 1), date(2028, 1, 31))
    assert c.amount_pence == 30000


def test_a_lower_rate_from_a_life_event_adjusts_a_collection_when_notice_allows(clock):
    clock.set(TODAY)
    m = dd_member()
    collections_schedule(today=TODAY)
    c = Collection.objects.get(membership=m)
    plan = membership_services.life_event_plan(
        membership=m,
        kind=LifeEventKind.HOURS,
        data={"effective_on": date(2027, 2, 1), "contracted_hours": "16.25"},
        today=TODAY,
    )
    membership_services.life_event_record(actor=m.user, membership=m, plan=plan, today=TODAY)
    counts = collections_adjust_for_rate_changes(today=TODAY)
    c.refresh_from_db()
    assert counts["adjusted"] == 1 and c.amount_pence < 2500
    row = MembershipChange.objects.filter(membership=m, field="collection").latest("pk")
    assert row.old_value.startswith("£25.00") and row.source == "payment"
    [changed] = notices(m, "subscription_collection_changed")
    assert changed.context["date"] == "1 February 2027"
    # Nothing more to do the next time.
    assert collections_adjust_for_rate_changes(today=TODAY)["adjusted"] == 0


def test_a_rate_change_too_close_to_the_collection_waits_for_the_next_period(clock):
    clock.set(TODAY)
    m = dd_member()
    collections_schedule(today=TODAY)
    c = Collection.objects.get(membership=m)
    late = c.due_on - timedelta(days=5)
    clock.set(late)
    plan = membership_services.life_event_plan(
        membership=m,
        kind=LifeEventKind.HOURS,
        data={"effective_on": late, "contracted_hours": "16.25"},
        today=late,
    )
    membership_services.life_event_record(actor=m.user, membership=m, plan=plan, today=late)
    # Not applied to February (not enough notice), February's own quote may still differ.
    counts = collections_adjust_for_rate_changes(today=late)
    c.refresh_from_db()
    assert c.amount_pence == 2500 and counts["too_late"] == 1
    # March carries the new amount, announced as a change.
    collections_schedule(today=date(2027, 2, 5))
    march = Collection.objects.get(membership=m, period_start=date(2027, 3, 1))
    assert march.amount_pence < 2500
    assert len(notices(m)) == 2


def _add_members(n):
    for _ in range(n):
        m = dd_member()
        # Each has paid January already, at today's amount: no notices to write.
        Collection.objects.create(
            membership=m,
            method=Method.DIRECT_DEBIT,
            mandate=m.mandates.get(),
            kind=CollectionKind.FIRST,
            status=CollectionStatus.PAID,
            due_on=date(2027, 1, 4),
            period_start=date(2027, 1, 1),
            period_end=date(2027, 1, 31),
            amount_pence=2500,
        )


def _schedule_queries(expected):
    with CaptureQueriesContext(connection) as ctx:
        assert collections_schedule(today=TODAY) == expected
    return len(ctx.captured_queries)


def test_scheduling_many_members_costs_the_same_queries_as_a_few(clock):
    clock.set(TODAY)
    _add_members(3)
    few = _schedule_queries(3)
    Collection.objects.filter(period_start=date(2027, 2, 1)).delete()
    _add_members(22)
    many = _schedule_queries(25)
    assert many == few, (few, many)
