"""Booking, the waiting list and its offers (with a fake clock), cancelling, reminders,
the calendar file, needs deleted after the event, and bad input on every form and
parameter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from events import services
from events.models import Booking, BookingNeeds, BookingStatus
from portal.communications.models import Delivery
from tests.events.helpers import add_session, make_event
from tests.factories import MembershipFactory, region

pytestmark = pytest.mark.django_db


def members(n):
    return [MembershipFactory().user for _ in range(n)]


def status_of(user, event):
    return Booking.objects.filter(user=user, event=event).order_by("-pk").first().status


# --- booking through the page -------------------------------------------------------------


def test_a_member_books_through_the_page_and_gets_a_confirmation_with_a_calendar(
    member_client, member, django_capture_on_commit_callbacks
):
    event = make_event(online=True, joining_link="https://meet.example/abc", venue="")
    add_session(event, "Part one")
    add_session(event, "Part two", offset_hours=3)
    page = member_client.get(event.get_absolute_url()).content.decode()
    assert "https://meet.example/abc" not in page  # the link is for those booked
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            event.get_absolute_url(), {"action": "book", "dietary": "Vegetarian"}
        )
    assert response.status_code == 302
    booking = Booking.objects.get(user=member, event=event)
    assert (booking.status, booking.place) == (BookingStatus.BOOKED, 1)
    assert booking.needs.dietary == "Vegetarian"
    page = member_client.get(event.get_absolute_url()).content.decode()
    assert "https://meet.example/abc" in page
    assert "Add to calendar" in page
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    assert event.title in message.subject
    assert "Vegetarian" not in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    calendar = Calendar.from_ical(content)
    assert len(calendar.walk("VEVENT")) == 2


def test_the_ics_parses_and_carries_nothing_about_anyone(member_client, member):
    other = MembershipFactory().user
    event = make_event(address="1 High Street\nLeeds LS1 1AA")
    services.booking_book(user=other, event_id=event.pk, dietary="SECRET-DIET")
    services.booking_book(user=member, event_id=event.pk, access_needs="SECRET-ACCESS")
    response = member_client.get(f"/events/{event.slug}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == event.title
    assert vevent.decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert "Town Hall" in str(vevent["location"])
    text = response.content.decode()
    for person in (member, other):
        for value in (person.email, person.first_name, person.last_name):
            assert value not in text
    for word in ("SECRET-DIET", "SECRET-ACCESS", "ATTENDEE", "ORGANIZER", "membership"):
        assert word not in text


def test_the_calendar_is_only_for_a_member_with_a_place(member_client, member):
    event = make_event()
    assert member_client.get(f"/events/{event.slug}/calendar.ics").status_code == 404
    assert member_client.get("/events/no-such-event/calendar.ics").status_code == 404


def test_paid_event_goes_through_the_card_provider(member_client, member):
    event = make_event(fee_pence=2500)
    assert "Book and pay £25.00" in member_client.get(event.get_absolute_url()).content.decode()
    member_client.post(event.get_absolute_url(), {"action": "book"})
    booking = Booking.objects.get(user=member, event=event)
    assert booking.amount_paid_pence == 2500
    assert booking.payment_intent_id.startswith("demo_")


# --- the waiting list with a fake clock ---------------------------------------------------


def test_waiting_list_offer_expiry_and_next_person():
    event = make_event(capacity=2)
    a, b, first, second, late = members(5)
    t0 = timezone.now()
    services.booking_book(user=a, event_id=event.pk, now=t0)
    services.booking_book(user=b, event_id=event.pk, now=t0)
    with pytest.raises(services.EventRuleError) as full:
        services.booking_book(user=first, event_id=event.pk, now=t0)
    assert full.value.message == str(services.FULL)
    services.waiting_list_join(user=first, event_id=event.pk, now=t0 + timedelta(minutes=1))
    services.waiting_list_join(user=second, event_id=event.pk, now=t0 + timedelta(minutes=2))

    # A cancels: the place is offered to the first waiting, for 48 hours.
    t1 = t0 + timedelta(hours=1)
    services.booking_cancel(user=a, event_id=event.pk, now=t1)
    offer = Booking.objects.get(user=first, event=event, status=BookingStatus.OFFERED)
    assert offer.offer_expires_at == t1 + timedelta(hours=48)
    assert offer.place == 1
    assert Delivery.objects.filter(user=first, notification="event_booking_offer").exists()
    assert status_of(second, event) == BookingStatus.WAITING

    # Nobody jumps the list: a newcomer cannot book the held place, and joins behind.
    with pytest.raises(services.EventRuleError):
        services.booking_book(user=late, event_id=event.pk, now=t1)
    services.waiting_list_join(user=late, event_id=event.pk, now=t1)

    # Nothing happens before the 48 hours are up.
    assert services.offers_expire(now=t1 + timedelta(hours=47, minutes=59)) == 0
    # Then the offer lapses and goes to the next person, not to the newcomer.
    t2 = t1 + timedelta(hours=48)
    assert services.offers_expire(now=t2) == 1
    assert status_of(first, event) == BookingStatus.OFFER_EXPIRED
    assert status_of(second, event) == BookingStatus.OFFERED
    assert status_of(late, event) == BookingStatus.WAITING
    with pytest.raises(services.EventRuleError) as lapsed:
        services.offer_accept(user=first, event_id=event.pk, now=t2)
    assert lapsed.value.message == str(services.OFFER_LAPSED)

    # The second accepts in time and has the place.
    services.offer_accept(user=second, event_id=event.pk, now=t2 + timedelta(hours=1))
    assert status_of(second, event) == BookingStatus.BOOKED
    assert services.offers_expire(now=t2 + timedelta(days=5)) == 0


def test_an_offer_accepted_on_the_page(client):
    event = make_event(capacity=1)
    holder, waiting = members(2)
    services.booking_book(user=holder, event_id=event.pk)
    client.force_login(waiting)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Join the waiting list" in page
    assert client.post(event.get_absolute_url(), {"action": "waitlist"}).status_code == 302
    assert "number 1 on the waiting list" in client.get(event.get_absolute_url()).content.decode()
    services.booking_cancel(user=holder, event_id=event.pk)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Accept the place" in page
    assert client.post(event.get_absolute_url(), {"action": "accept"}).status_code == 302
    assert status_of(waiting, event) == BookingStatus.BOOKED


def test_more_capacity_offers_places_to_those_waiting():
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    event = make_event(capacity=1)
    a, b = members(2)
    services.booking_book(user=a, event_id=event.pk)
    services.waiting_list_join(user=b, event_id=event.pk)
    organiser, _ = staff_user(Role.EVENTS_ORGANISER)
    event.capacity = 2
    services.event_save(actor=organiser, event=event, is_new=False)
    assert status_of(b, event) == BookingStatus.OFFERED


# --- reminders, cancelling, needs ---------------------------------------------------------


def test_reminders_a_week_and_a_day_before_each_once():
    event = make_event(starts_at=timezone.now() + timedelta(days=8))
    (a,) = members(1)
    services.booking_book(user=a, event_id=event.pk)
    now = timezone.now()
    assert services.reminders_send(now=now) == 0
    week = event.starts_at - timedelta(days=6, hours=23)
    assert services.reminders_send(now=week) == 1
    assert services.reminders_send(now=week) == 0
    day = event.starts_at - timedelta(hours=20)
    assert services.reminders_send(now=day) == 1
    assert services.reminders_send(now=day + timedelta(hours=1)) == 0
    kinds = list(Delivery.objects.filter(user=a).values_list("notification", flat=True))
    assert sorted(kinds) == [
        "event_booking_confirmed",
        "event_booking_reminder_day",
        "event_booking_reminder_week",
    ]


def test_cancelling_an_event_tells_everyone_booked_or_waiting():
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    event = make_event(capacity=1)
    booked, waiting = members(2)
    services.booking_book(user=booked, event_id=event.pk)
    services.waiting_list_join(user=waiting, event_id=event.pk)
    organiser, _ = staff_user(Role.EVENTS_ORGANISER)
    with pytest.raises(services.EventRuleError):
        services.event_cancel(actor=organiser, event_id=event.pk, reason="  ")
    services.event_cancel(actor=organiser, event_id=event.pk, reason="The venue flooded.")
    for user in (booked, waiting):
        assert status_of(user, event) == BookingStatus.CANCELLED
        assert Delivery.objects.filter(
            user=user, notification="event_booking_event_cancelled"
        ).exists()


def test_access_needs_are_deleted_30_days_after_the_event():
    event = make_event()
    (a,) = members(1)
    services.booking_book(user=a, event_id=event.pk, dietary="Halal", access_needs="Ramp")
    needs = BookingNeeds.objects.get()
    assert needs.access == "Ramp"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT access FROM events_bookingneeds WHERE id = %s", [needs.pk])
        assert "Ramp" not in cursor.fetchone()[0]  # encrypted at rest
    assert services.needs_purge(now=event.ends_at + timedelta(days=29)) == 0
    assert services.needs_purge(now=event.ends_at + timedelta(days=30, minutes=1)) == 1
    assert not BookingNeeds.objects.exists()
    assert Booking.objects.filter(user=a).exists()  # the booking itself stays


def test_the_beat_task_runs_every_sweep():
    from events.tasks import run_due

    assert run_due() == {"offers_lapsed": 0, "reminders_sent": 0, "needs_deleted": 0}


# --- bad input ----------------------------------------------------------------------------


def nothing_saved(event):
    return not Booking.objects.filter(event=event).exists() and not BookingNeeds.objects.exists()


def test_unknown_slug_is_404(member_client):
    assert member_client.get("/events/no-such-event/").status_code == 404
    assert member_client.post("/events/no-such-event/", {"action": "book"}).status_code == 404


@pytest.mark.parametrize(
    "fields,message",
    [
        (
            {"booking_closes_at": timezone.now() - timedelta(hours=1)},
            services.BOOKING_CLOSED,
        ),
        ({"booking_opens_at": timezone.now() + timedelta(days=1)}, services.NOT_OPEN_YET),
    ],
)
def test_booking_outside_its_window_is_refused(member_client, fields, message):
    event = make_event(**fields)
    response = member_client.post(event.get_absolute_url(), {"action": "book"})
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    assert nothing_saved(event)


def test_booking_a_full_event_is_refused_with_the_waiting_list_offered(member_client):
    event = make_event(capacity=1)
    services.booking_book(user=members(1)[0], event_id=event.pk)
    response = member_client.post(event.get_absolute_url(), {"action": "book"})
    assert response.status_code == 400
    assert str(services.FULL) in response.content.decode()
    assert Booking.objects.filter(event=event).count() == 1


def test_not_in_audience_is_404_and_nothing_saved(member_client):
    event = make_event(audience_region=region("wales"))
    response = member_client.post(event.get_absolute_url(), {"action": "book"})
    assert response.status_code == 404
    assert nothing_saved(event)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "delete"},
        {"action": "book", "dietary": "x" * 1001},
        {"action": "book", "access_needs": "bad\x00byte"},
        {"action": "accept"},
        {"action": "cancel"},
        {"action": "waitlist"},  # places are free: book instead
    ],
)
def test_bad_posts_are_400_with_a_message_and_nothing_saved(member_client, data):
    event = make_event()
    response = member_client.post(event.get_absolute_url(), data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert nothing_saved(event)


def test_booking_twice_is_refused(member_client, member):
    event = make_event()
    member_client.post(event.get_absolute_url(), {"action": "book"})
    response = member_client.post(event.get_absolute_url(), {"action": "book"})
    assert response.status_code == 400
    assert str(services.ALREADY_BOOKED) in response.content.decode()
    assert Booking.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(
    "query",
    ["?kind=party", "?from_date=31-31-2027", "?nation=atlantis", "?online=maybe"],
)
def test_bad_filters_are_400_with_a_message(member_client, query):
    make_event()
    response = member_client.get("/events/" + query)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_bad_page_is_404(member_client):
    assert member_client.get("/events/?page=999").status_code == 404
    assert member_client.get("/events/?page=x").status_code == 404


def test_filters_narrow_the_list(member_client):
    webinar = make_event(kind="webinar", online=True, joining_link="https://x.example/")
    course = make_event(nation="england")
    later = make_event(starts_at=timezone.now() + timedelta(days=90))
    page = member_client.get("/events/?kind=webinar").content.decode()
    assert webinar.title in page and course.title not in page
    page = member_client.get("/events/?online=in_person&nation=england").content.decode()
    assert course.title in page and webinar.title not in page
    day = (timezone.localdate() + timedelta(days=60)).isoformat()
    page = member_client.get(f"/events/?from_date={day}").content.decode()
    assert later.title in page and course.title not in page


def test_list_queries_do_not_grow_with_1000_future_events(
    member_client, member, django_assert_max_num_queries
):
    from events.models import Event

    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            slug=f"bulk-{i}",
            title=f"Bulk event {i}",
            kind="course",
            summary="s",
            venue="v",
            starts_at=now + timedelta(days=1 + i % 300, minutes=i),
            ends_at=now + timedelta(days=1 + i % 300, minutes=i, hours=2),
            booking_opens_at=now - timedelta(days=1),
            booking_closes_at=now + timedelta(days=1 + i % 300),
            capacity=20,
        )
        for i in range(1000)
    )
    first = Event.objects.order_by("starts_at").first()
    services.booking_book(user=member, event_id=first.pk)
    member_client.get("/events/")  # the session's first request records the session
    with django_assert_max_num_queries(10):
        response = member_client.get("/events/")
    assert response.status_code == 200
    assert "1000 events" in response.content.decode()
    with django_assert_max_num_queries(10):
        assert member_client.get("/events/?page=50&kind=course").status_code == 200


def test_the_members_data_download_has_their_bookings_and_their_own_needs(member):
    from portal.accounts.exports import export_member_data

    event = make_event()
    services.booking_book(user=member, event_id=event.pk, access_needs="Ramp please")
    services.booking_book(user=members(1)[0], event_id=event.pk, access_needs="Not mine")
    data = export_member_data(member)
    [item] = data["event_bookings"]
    assert item["event"] == event.title and item["access_needs"] == "Ramp please"
    assert "Not mine" not in repr(data)
