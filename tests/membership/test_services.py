"""Life events, reduced rates, resigning and rejoining, as plain service calls."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from membership import selectors, services
from membership.models import (
    LifeEvent,
    LifeEventKind,
    MembershipChange,
    Reduction,
    ReductionStatus,
    Resignation,
)
from portal.accounts.choices import Hours, JobRole, MembershipStatus
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2027, 2, 1)


def record(membership, kind, **data):
    plan = services.life_event_plan(
        membership=membership, kind=kind, data={"effective_on": TODAY, **data}, today=TODAY
    )
    return services.life_event_record(
        actor=membership.user, membership=membership, plan=plan, today=TODAY
    )


def refused(membership, kind, **data):
    with pytest.raises(services.MembershipRuleError) as error:
        services.life_event_plan(
            membership=membership, kind=kind, data={"effective_on": TODAY, **data}, today=TODAY
        )
    return error.value


def test_maternity_leave_is_free_for_its_dates_and_the_rate_comes_back(clock):
    clock.set(TODAY)
    m = MembershipFactory()
    ends = date(2027, 9, 30)
    event = record(m, LifeEventKind.LEAVE, ends_on=ends, leave_kind="maternity")
    assert event.reduction.status == ReductionStatus.APPROVED  # no evidence needed
    assert selectors.quote_on(m, TODAY - timedelta(days=1)).amount == Decimal("25.00")
    assert selectors.quote_on(m, TODAY).amount == Decimal("0.00")
    assert selectors.quote_on(m, ends).amount == Decimal("0.00")
    assert selectors.quote_on(m, ends + timedelta(days=1)).amount == Decimal("25.00")
    upcoming = selectors.upcoming_changes(m, TODAY)
    assert [(c.on, c.quote.amount) for c in upcoming] == [(date(2027, 10, 1), Decimal("25.00"))]
    # The member lowered their own rate: recorded, and flagged for the officers.
    assert event.flagged and "£25.00 to £0.00" in event.flag_reason
    fields = set(MembershipChange.objects.filter(membership=m).values_list("field", flat=True))
    assert {"reduction", "rate"} <= fields


def test_leave_longer_than_the_rules_allow_is_refused_and_nothing_saved():
    m = MembershipFactory()
    error = refused(m, LifeEventKind.LEAVE, ends_on=date(2028, 2, 1), leave_kind="adoption")
    assert error.field == "ends_on" and "up to 12 months" in error.message
    assert "31 January 2028" in error.message
    assert not Reduction.objects.exists() and not LifeEvent.objects.exists()


def test_dates_in_the_wrong_order_are_refused():
    m = MembershipFactory()
    error = refused(
        m, LifeEventKind.LEAVE, ends_on=TODAY - timedelta(days=1), leave_kind="adoption"
    )
    assert (error.field, error.message) == ("ends_on", str(services.ENDS_BEFORE_START))


@override_settings(MEMBERSHIP_BACKDATE_DAYS=31)
def test_a_change_too_far_in_the_past_is_refused():
    m = MembershipFactory()
    ok = services.life_event_plan(
        membership=m,
        kind=LifeEventKind.RETIRING,
        data={"effective_on": TODAY - timedelta(days=31)},
        today=TODAY,
    )
    assert ok.after.amount == Decimal("5.00")
    with pytest.raises(services.MembershipRuleError) as error:
        services.life_event_plan(
            membership=m,
            kind=LifeEventKind.RETIRING,
            data={"effective_on": TODAY - timedelta(days=32)},
            today=TODAY,
        )
    assert error.value.field == "effective_on" and "31 days in the past" in error.value.message


def test_going_part_time_is_pro_rata_and_applies_on_its_day(clock):
    clock.set(TODAY)
    m = MembershipFactory(job_role=JobRole.TEACHER, hours=Hours.FULL_TIME)
    later = TODAY + timedelta(days=14)
    plan = services.life_event_plan(
        membership=m,
        kind=LifeEventKind.HOURS,
        data={"effective_on": later, "contracted_hours": Decimal("19.5")},
        today=TODAY,
    )
    assert (plan.before.amount, plan.after.amount) == (Decimal("25.00"), Decimal("15.00"))
    assert plan.after.band == "P2"
    event = services.life_event_record(actor=m.user, membership=m, plan=plan, today=TODAY)
    m.refresh_from_db()
    assert m.hours == Hours.FULL_TIME, "not before its day"
    assert selectors.quote_on(m, later).amount == Decimal("15.00")
    assert services.life_events_apply_due(today=TODAY) == 0
    assert services.life_events_apply_due(today=later) == 1
    assert services.life_events_apply_due(today=later) == 0  # idempotent
    m.refresh_from_db()
    assert (m.hours, m.fee_band, m.subscription.contracted_hours) == (
        Hours.PART_TIME,
        "P2",
        Decimal("19.5"),
    )
    event.refresh_from_db()
    assert event.applied_at is not None
    changed = dict(
        MembershipChange.objects.filter(membership=m, field__in=["hours", "fee_band"]).values_list(
            "field", "new_value"
        )
    )
    assert changed == {"hours": "part_time", "fee_band": "P2"}


def test_hours_that_change_nothing_are_refused():
    m = MembershipFactory(hours=Hours.FULL_TIME)
    error = refused(m, LifeEventKind.HOURS, contracted_hours=Decimal("35"))
    assert error.message == str(services.NOTHING_CHANGES)
    assert refused(m, LifeEventKind.HOURS, contracted_hours=Decimal("0.5")).field == (
        "contracted_hours"
    )


def test_a_promotion_applies_at_once_and_is_not_flagged(clock):
    clock.set(TODAY)
    m = MembershipFactory(job_role=JobRole.TEACHER)
    event = record(
        m,
        LifeEventKind.MOVING,
        employer=m.employer,
        job_role=JobRole.DEPUTY_HEAD,
        workplace_postcode=m.workplace_postcode,
        nation=m.nation,
        region_id=m.region_id,
    )
    m.refresh_from_db()
    assert (m.section, m.fee_band) == ("leadership", "L1")
    assert not event.flagged
    assert selectors.quote_on(m, TODAY).amount == Decimal("33.00")
    row = MembershipChange.objects.get(membership=m, field="section")
    assert (row.old_value, row.new_value, row.actor) == ("teachers", "leadership", m.user)


def test_lowering_ones_own_rate_by_changing_role_is_recorded_and_flagged(clock):
    clock.set(TODAY)
    m = MembershipFactory(job_role=JobRole.HEADTEACHER)
    event = record(
        m,
        LifeEventKind.MOVING,
        employer=m.employer,
        job_role=JobRole.SUPPORT_STAFF,
        workplace_postcode=m.workplace_postcode,
        nation=m.nation,
        region_id=m.region_id,
    )
    assert event.flagged and "£33.00 to £12.00" in event.flag_reason
    assert selectors.officer_queue_counts()["flagged"] == 1


def test_a_profile_change_of_role_is_in_the_history_too():
    from portal.accounts.services import membership_update_profile

    m = MembershipFactory(job_role=JobRole.HEADTEACHER)
    membership_update_profile(
        membership=m,
        first_name="A",
        last_name="B",
        employer=m.employer,
        job_role=JobRole.TEACHER,
        hours=m.hours,
        workplace_postcode=m.workplace_postcode,
        nation=m.nation,
        region_id=m.region_id,
    )
    rows = MembershipChange.objects.filter(membership=m, source="profile")
    assert {(r.field, r.old_value, r.new_value) for r in rows} >= {
        ("job_role", "headteacher", "teacher"),
        ("fee_band", "L1", "P1"),
    }
    assert all(r.actor == m.user for r in rows)
    flagged = LifeEvent.objects.get(membership=m, flagged=True)
    assert "£33.00 to £25.00" in flagged.flag_reason
    assert selectors.officer_queue_counts()["flagged"] == 1


def test_a_student_reduction_waits_for_an_officer_who_is_not_its_editor(
    clock, officer, second_officer
):
    clock.set(TODAY)
    m = MembershipFactory()
    event = record(m, LifeEventKind.STUDENT, ends_on=date(2027, 7, 31), evidence_note="letter")
    reduction = event.reduction
    assert reduction.status == ReductionStatus.PENDING and not event.flagged
    assert selectors.quote_on(m, TODAY).amount == Decimal("25.00"), "not before approval"
    # The member cannot approve their own.
    assert services.reduction_decide_problem(actor=m.user, reduction=reduction)
    # Edit it, then approve it yourself: refused.
    services.reduction_edit(
        actor=officer, reduction=reduction, starts_on=TODAY, ends_on=date(2027, 6, 30)
    )
    with pytest.raises(services.MembershipRuleError) as error:
        services.reduction_decide(actor=officer, reduction=reduction, approve=True)
    assert error.value.message == services.DECIDE_OWN_REQUEST
    reduction.refresh_from_db()
    assert reduction.status == ReductionStatus.PENDING
    # Refusing needs a reason.
    with pytest.raises(services.MembershipRuleError):
        services.reduction_decide(actor=second_officer, reduction=reduction, approve=False)
    services.reduction_decide(actor=second_officer, reduction=reduction, approve=True)
    reduction.refresh_from_db()
    assert (reduction.status, reduction.decided_by) == (ReductionStatus.APPROVED, second_officer)
    assert selectors.quote_on(m, TODAY).amount == Decimal("0.00")
    with pytest.raises(services.MembershipRuleError):  # decided once
        services.reduction_decide(actor=second_officer, reduction=reduction, approve=False)


def test_returning_from_leave_ends_the_free_rate(clock):
    clock.set(TODAY)
    m = MembershipFactory()
    record(m, LifeEventKind.LEAVE, ends_on=date(2027, 12, 31), leave_kind="shared_parental")
    back = date(2027, 6, 1)
    plan = services.life_event_plan(
        membership=m, kind=LifeEventKind.RETURNING, data={"effective_on": back}, today=TODAY
    )
    services.life_event_record(actor=m.user, membership=m, plan=plan, today=TODAY)
    assert selectors.quote_on(m, back - timedelta(days=1)).amount == Decimal("0.00")
    assert selectors.quote_on(m, back).amount == Decimal("25.00")
    error = refused(MembershipFactory(), LifeEventKind.RETURNING)
    assert error.message == str(services.NOTHING_TO_RETURN_FROM)


@override_settings(MEMBERSHIP_RESIGNATION_NOTICE_DAYS=30)
def test_resigning_with_notice_is_applied_on_its_day_by_the_task():
    m = MembershipFactory()
    r = services.membership_resign(actor=m.user, membership=m, reason="cost", today=TODAY)
    assert r.effective_on == TODAY + timedelta(days=30)
    m.refresh_from_db()
    assert m.status == MembershipStatus.ACTIVE
    with pytest.raises(services.MembershipRuleError) as error:
        services.membership_resign(actor=m.user, membership=m, today=TODAY)
    assert "already resigned" in error.value.message
    assert Resignation.objects.count() == 1
    assert services.resignations_apply_due(today=r.effective_on - timedelta(days=1)) == 0
    assert services.resignations_apply_due(today=r.effective_on) == 1
    assert services.resignations_apply_due(today=r.effective_on) == 0
    m.refresh_from_db()
    assert m.status == MembershipStatus.RESIGNED


@override_settings(MEMBERSHIP_RESIGNATION_NOTICE_DAYS=0)
def test_no_notice_resigns_at_once_and_rejoining_keeps_the_number_and_history():
    m = MembershipFactory()
    number = m.number
    services.membership_resign(actor=m.user, membership=m, reason="other_union", today=TODAY)
    m.refresh_from_db()
    assert m.status == MembershipStatus.RESIGNED
    with pytest.raises(services.MembershipRuleError):
        services.membership_resign(actor=m.user, membership=m, today=TODAY)
    services.membership_rejoin(actor=m.user, membership=m)
    m.refresh_from_db()
    assert (m.status, m.number) == (MembershipStatus.ACTIVE, number)
    statuses = list(
        MembershipChange.objects.filter(membership=m, field="status")
        .order_by("at", "pk")
        .values_list("old_value", "new_value")
    )
    assert statuses == [("active", "resigned"), ("resigned", "active")]
    with pytest.raises(services.MembershipRuleError):
        services.membership_rejoin(actor=m.user, membership=m)


def test_a_bulk_status_change_is_in_each_members_history_with_who_made_it(officer):
    from portal.accounts import services as account_services
    from portal.accounts.models import Membership

    a, b = MembershipFactory(), MembershipFactory()
    changed = account_services.membership_set_status_bulk(
        memberships=Membership.objects.filter(pk__in=[a.pk, b.pk]),
        status=MembershipStatus.LAPSED,
        actor=officer,
    )
    assert changed == 2
    for m in (a, b):
        row = MembershipChange.objects.get(membership=m, field="status")
        assert row.actor == officer and row.new_value.lower() in ("lapsed", MembershipStatus.LAPSED)
    # Again: nothing changes, nothing is recorded twice.
    assert (
        account_services.membership_set_status_bulk(
            memberships=Membership.objects.filter(pk__in=[a.pk, b.pk]),
            status=MembershipStatus.LAPSED,
            actor=officer,
        )
        == 0
    )
    assert MembershipChange.objects.filter(field="status").count() == 2
