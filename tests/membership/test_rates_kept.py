"""Each process keeps the schedule of a day that has already come (such rates never change),
outside transactions only, and forgets it when a rate is saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from membership import selectors
from membership.models import FeeRate
from membership.rules import Frequency

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def schedule_queries(day):
    with CaptureQueriesContext(connection) as queries:
        rates = selectors.rates_on(day)
    return rates, sum("membership_feerate" in q["sql"] for q in queries.captured_queries)


def test_todays_rates_are_read_once_then_kept_until_a_rate_is_saved():
    today = timezone.localdate()
    first, reads = schedule_queries(today)
    assert reads == 1
    again, reads = schedule_queries(today)
    assert (again, reads) == (first, 0)

    # A rate dated today, as only the database (not the rules) allows: forgotten at once.
    rate = FeeRate.objects.create(
        band="P1", frequency=Frequency.MONTHLY, amount=Decimal("99.00"), effective_from=today
    )
    changed, reads = schedule_queries(today)
    assert reads == 1 and changed["P1"] == Decimal("99.00")
    rate.delete()
    assert schedule_queries(today) == (first, 1)


def test_future_days_and_transactions_always_read_the_schedule():
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert schedule_queries(tomorrow)[1] == 1
    assert schedule_queries(tomorrow)[1] == 1
    with transaction.atomic():
        assert schedule_queries(timezone.localdate())[1] == 1
        assert schedule_queries(timezone.localdate())[1] == 1
