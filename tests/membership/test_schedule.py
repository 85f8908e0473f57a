"""The fee schedule with a fake clock: next year's rate applies on its day, members were
told in advance (at least the notice period), and the notice task tells nobody twice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings

from membership import selectors, services
from membership.models import FeeRate, RateNotice
from membership.rules import Frequency
from portal.accounts.choices import Hours, JobRole, MembershipStatus
from portal.communications.models import Delivery
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=False)

NEW_YEAR = date(2027, 4, 1)


def add_rate(band="P1", amount="26.00", effective_from=NEW_YEAR, today=date(2027, 1, 4)):
    rate = FeeRate(
        band=band,
        frequency=Frequency.MONTHLY,
        amount=Decimal(amount),
        effective_from=effective_from,
    )
    return services.fee_rate_save(actor=None, rate=rate, today=today)


def test_todays_rates_come_from_the_data_migration():
    rates = selectors.monthly_rates(date(2026, 12, 1))
    assert rates["P1"] == Decimal("25.00") and rates["L1"] == Decimal("33.00")
    annual = selectors.rates_on(date(2026, 12, 1), Frequency.ANNUAL)
    assert annual["P1"] == Decimal("300.00")


def test_next_years_rate_applies_on_its_day_and_members_were_told_before(
    clock, django_capture_on_commit_callbacks
):
    teacher = MembershipFactory(job_role=JobRole.TEACHER, hours=Hours.FULL_TIME)
    head = MembershipFactory(job_role=JobRole.HEADTEACHER, hours=Hours.FULL_TIME)
    resigned = MembershipFactory(status=MembershipStatus.RESIGNED)
    clock.set(date(2027, 1, 4))
    add_rate()

    # Too early to tell anyone: the notice goes MEMBERSHIP_RATE_NOTICE_LEAD_DAYS ahead.
    assert services.rate_notices_send() == 0

    told_on = NEW_YEAR - timedelta(days=30)
    clock.set(told_on)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rate_notices_send() == 1
    notice = Delivery.objects.get(notification="subscription_rate_change")
    assert notice.user == teacher.user
    assert notice.context["date"] == "1 April 2027"
    assert [m.to for m in mail.outbox] == [[teacher.user.email]]
    assert "/me/subscription/" in mail.outbox[0].body
    assert "£" not in mail.outbox[0].body, "no amounts in email"
    assert not RateNotice.objects.filter(membership__in=[head, resigned]).exists()

    # Idempotent: again, and again the next day, nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rate_notices_send() == 0
        clock.set(told_on + timedelta(days=1))
        assert services.rate_notices_send() == 0
    assert Delivery.objects.filter(notification="subscription_rate_change").count() == 1

    # Told at least 10 working days before.
    from casework.workdays import working_days_until

    assert working_days_until(told_on, NEW_YEAR, "england") >= 10

    # The old rate until the day before, the new one on the day.
    assert selectors.quote_on(teacher, NEW_YEAR - timedelta(days=1)).amount == Decimal("25.00")
    assert selectors.quote_on(teacher, NEW_YEAR).amount == Decimal("26.00")
    clock.set(NEW_YEAR)
    assert selectors.quote_on(teacher).amount == Decimal("26.00")
    assert selectors.quote_on(head).amount == Decimal("33.00")


def test_the_members_page_shows_the_coming_rate(clock, client):
    teacher = MembershipFactory()
    clock.set(date(2027, 1, 4))
    add_rate()
    client.force_login(teacher.user)
    page = client.get("/me/subscription/").content.decode()
    assert "£25.00" in page
    assert "From 1 April 2027" in page and "£26.00" in page


@override_settings(MEMBERSHIP_RATE_NOTICE_WORKING_DAYS=10)
def test_a_rate_members_cannot_be_told_of_in_time_is_refused():
    today = date(2027, 3, 22)  # a Monday; 10 working days later is Monday 5 April + Easter
    earliest = services.rate_earliest_date(today)
    with pytest.raises(services.MembershipRuleError) as error:
        add_rate(effective_from=earliest - timedelta(days=1), today=today)
    assert error.value.field == "effective_from"
    assert "at least 10 working days" in error.value.message
    assert not FeeRate.objects.filter(effective_from=earliest - timedelta(days=1)).exists()
    add_rate(effective_from=earliest, today=today)


def test_a_rate_in_force_or_announced_is_never_changed():
    rate = FeeRate.objects.get(band="P1", frequency="monthly", effective_from=date(2000, 1, 1))
    rate.amount = Decimal("1.00")
    with pytest.raises(services.MembershipRuleError):
        services.fee_rate_save(actor=None, rate=rate)


def test_bulk_change_makes_a_rate_per_band_from_the_day(clock, officer):
    clock.set(date(2027, 1, 4))
    current = FeeRate.objects.filter(frequency="monthly", band__in=["P1", "S1"])
    made = services.fee_rates_change_bulk(
        actor=officer, rates=current, percent=Decimal("4"), effective_from=NEW_YEAR
    )
    assert sorted((r.band, r.amount) for r in made) == [
        ("P1", Decimal("26.00")),
        ("S1", Decimal("12.48")),
    ]
    with pytest.raises(services.MembershipRuleError):
        services.fee_rates_change_bulk(
            actor=officer, rates=current, percent=Decimal("4"), effective_from=date(2027, 1, 5)
        )
