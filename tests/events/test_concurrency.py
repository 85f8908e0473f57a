"""The last place, booked by two members at the same moment, goes to one of them: real
PostgreSQL, real transactions, one thread each."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from events import services
from events.models import Booking, BookingStatus
from tests.events.helpers import make_event
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_last_place_booked_twice_at_once_goes_to_one_person():
    event = make_event(capacity=3)
    for _ in range(2):
        services.booking_book(user=MembershipFactory().user, event_id=event.pk)
    racers = [MembershipFactory().user for _ in range(6)]
    start = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def race(user):
        try:
            start.wait()
            services.booking_book(user=user, event_id=event.pk)
            outcomes.append("booked")
        except services.EventRuleError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(u,)) for u in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes.count("booked") == 1
    assert outcomes.count(str(services.FULL)) == len(racers) - 1
    held = Booking.objects.filter(event=event, status=BookingStatus.BOOKED)
    assert held.count() == 3
    assert sorted(held.values_list("place", flat=True)) == [1, 2, 3]


def test_the_database_refuses_a_second_holder_of_a_place():
    """Without the service's lock, the constraint still gives a place to one person."""
    event = make_event(capacity=1)
    a, b = MembershipFactory().user, MembershipFactory().user
    Booking.objects.create(event=event, user=a, status=BookingStatus.BOOKED, place=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(event=event, user=b, status=BookingStatus.BOOKED, place=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(event=event, user=b, status=BookingStatus.BOOKED, place=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(event=event, user=b, status=BookingStatus.BOOKED, place=None)
