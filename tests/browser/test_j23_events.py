"""Issue 18, events: a Leadership member books the Leadership conference; a member joins a
full course's waiting list, another member cancels, the first is offered the place and
takes it; the organiser takes the register (made for a phone). By mouse, keyboard only and
on a 390 px phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import demo as events_demo
from events import services
from events.models import Booking, BookingStatus, Event
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.roles import Role
from tests.events.helpers import make_event
from tests.factories import PASSWORD

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fits_on_a_phone(you):
    if you.mode == PHONE:
        width = you.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_leadership_member_books_the_leadership_conference(portal, mode):
    events_demo.seed()
    journey = portal.journey("events-book", mode)
    conference = Event.objects.get(slug="leadership-conference-2027")
    you = portal.actor(journey, "leader")
    you.log_in("leader@demo.example", DEMO_PASSWORD)
    you.press("nav a[href='/events/']")
    you.check("events")
    assert conference.title in you.text()
    fits_on_a_phone(you)
    you.press(f"main a[href='/events/{conference.slug}/']")
    you.check("event")
    assert "Cardiff City Hall" in you.text()
    you.fill("#id_access_needs", "A seat near the front: I use a hearing loop.")
    you.submit("button[name=action][value=book]")
    you.check("event-booked")
    assert "Your place is booked" in you.text()
    assert "Add to calendar" in you.text()
    fits_on_a_phone(you)
    booking = Booking.objects.get(event=conference, user__email="leader@demo.example")
    assert booking.status == BookingStatus.BOOKED
    assert booking.needs.access.startswith("A seat near the front")
    with you.page.expect_download() as download:
        you.page.click("main a[href$='calendar.ics']")
    assert download.value.suggested_filename == f"{conference.slug}.ics"
    # The demo member, outside the Leadership section, never sees it.
    other = portal.actor(journey, "member")
    other.log_in("member@demo.example", DEMO_PASSWORD, prefix="member-")
    other.goto("/events/", "member-events")
    assert conference.title not in other.text()
    assert "Webinar: workload and your rights" in other.text()


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_waiting_list_place_freed_offered_and_taken(portal, mode):
    journey = portal.journey("events-waiting", mode)
    event = make_event(title="Course: workload and wellbeing", capacity=1)
    holder = portal.member(user__first_name="Holly")
    services.booking_book(user=holder, event_id=event.pk)
    waiting = portal.member(user__first_name="Wendy")

    you = portal.actor(journey, "waiting")
    you.log_in(waiting.email, PASSWORD)
    you.goto(event.get_absolute_url(), "event-full")
    assert "This event is full" in you.text()
    you.submit("button[name=action][value=waitlist]")
    you.check("event-waiting")
    assert "number 1 on the waiting list" in you.text()

    other = portal.actor(journey, "holder")
    other.log_in(holder.email, PASSWORD, prefix="holder-")
    other.goto(event.get_absolute_url(), "holder-event")
    other.submit("button[name=action][value=cancel]")
    other.check("holder-cancelled")
    assert "Cancelled" in other.text()

    you.goto(event.get_absolute_url(), "event-offered")
    assert "held for you until" in you.text()
    fits_on_a_phone(you)
    you.submit("button[name=action][value=accept]")
    you.check("event-accepted")
    assert "The place is yours" in you.text()
    assert Booking.objects.get(event=event, user=waiting).status == BookingStatus.BOOKED


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_the_organiser_takes_the_register(portal, mode):
    journey = portal.journey("events-register", mode)
    organiser, secret = portal.officer(Role.EVENTS_ORGANISER, first_name="Femi")
    event = make_event(
        title="Rep training: casework basics",
        starts_at=timezone.now() + timedelta(minutes=20),
        booking_opens_at=timezone.now() - timedelta(days=2),
        booking_closes_at=timezone.now() + timedelta(minutes=10),
    )
    event.organisers.add(organiser)
    people = [portal.member(user__first_name=n, user__last_name="Tester") for n in ("Ann", "Bo")]
    bookings = [services.booking_book(user=p, event_id=event.pk) for p in people]

    staff = portal.actor(journey, "organiser")
    staff.log_in(organiser.email, PASSWORD, secret=secret, prefix="officer-")
    staff.goto(f"/admin/events/event/{event.pk}/register/", "admin-register")
    assert "0 of 2 present" in staff.page.inner_text("#content-main")
    button = f"#booking-{bookings[0].pk} button"
    box = staff.page.locator(button).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    fits_on_a_phone(staff)
    staff.press(button)
    staff.check("admin-register-marked")
    assert "1 of 2 present" in staff.page.inner_text("#content-main")
    if mode == KEYBOARD:
        # The page comes back at the person just marked (its undo button), not at the top:
        # the Tab after that is the next person on the register.
        staff.page.keyboard.press("Tab")
        focused = staff.focused()["describe"]
        assert "Present" in focused and "Ann Tester" in focused, focused
        staff.page.keyboard.press("Tab")
        focused = staff.focused()["describe"]
        assert "Mark present" in focused and "Bo Tester" in focused, focused
    assert Booking.objects.get(pk=bookings[0].pk).status == BookingStatus.ATTENDED
    assert Booking.objects.get(pk=bookings[1].pk).status == BookingStatus.BOOKED
