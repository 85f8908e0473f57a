"""The organiser's side in the admin: creating an event with its checks, the register on
the day, the badge and attendance PDF, cancelling; who may open each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import Booking, BookingStatus, Event, EventStatus
from portal.accounts.roles import Role
from tests.events.helpers import make_event
from tests.factories import MembershipFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    user, _ = staff_user(Role.EVENTS_ORGANISER)
    client.force_login(user)
    return user


def _today_event(organiser, **fields):
    # Later today, whatever the time the tests run: the register opens on the event's day.
    now = timezone.now()
    last_minute = timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0)
    starts = max(now + timedelta(minutes=2), min(now + timedelta(minutes=30), last_minute))
    event = make_event(
        starts_at=starts,
        booking_opens_at=now - timedelta(days=3),
        booking_closes_at=min(now + timedelta(minutes=10), starts - timedelta(minutes=1)),
        **fields,
    )
    event.organisers.add(organiser)
    return event


def test_the_organiser_takes_the_register_in_one_tap_each(client, organiser):
    event = _today_event(organiser)
    people = [MembershipFactory().user for _ in range(2)]
    bookings = [services.booking_book(user=p, event_id=event.pk) for p in people]
    url = f"/admin/events/event/{event.pk}/register/"
    page = client.get(url)
    assert page.status_code == 200
    assert "0 of 2 present" in page.content.decode()
    response = client.post(url, {"booking": bookings[0].pk, "attended": "1"})
    assert response.status_code == 302
    assert Booking.objects.get(pk=bookings[0].pk).status == BookingStatus.ATTENDED
    assert "1 of 2 present" in client.get(url).content.decode()
    client.post(url, {"booking": bookings[0].pk, "attended": "0"})  # undo a wrong tap
    assert Booking.objects.get(pk=bookings[0].pk).status == BookingStatus.BOOKED


@pytest.mark.parametrize("booking", ["", "abc", "999999"])
def test_register_bad_input_is_400_and_changes_nothing(client, organiser, booking):
    event = _today_event(organiser)
    services.booking_book(user=MembershipFactory().user, event_id=event.pk)
    response = client.post(f"/admin/events/event/{event.pk}/register/", {"booking": booking})
    assert response.status_code == 400
    assert not Booking.objects.filter(status=BookingStatus.ATTENDED).exists()


def test_register_not_before_the_day(client, organiser):
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    event.organisers.add(organiser)
    booking = services.booking_book(user=MembershipFactory().user, event_id=event.pk)
    response = client.post(f"/admin/events/event/{event.pk}/register/", {"booking": booking.pk})
    assert response.status_code == 400
    assert str(services.NOT_ON_THE_DAY) in response.content.decode()


def test_register_and_pdf_only_for_the_events_own_organisers(client, organiser):
    event = make_event()
    other_event = make_event()
    event.organisers.add(organiser)
    assert client.get(f"/admin/events/event/{other_event.pk}/register/").status_code == 404
    assert client.get(f"/admin/events/event/{other_event.pk}/attendance.pdf").status_code == 404
    comms, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    client.force_login(comms)
    assert client.get(f"/admin/events/event/{event.pk}/register/").status_code == 403
    assert client.get("/admin/events/event/").status_code == 403
    assert client.get("/admin/events/booking/").status_code == 403


def test_badge_and_attendance_pdf(client, organiser):
    event = make_event(title="Workload course")
    event.organisers.add(organiser)
    member = MembershipFactory(user__first_name="Ada", user__last_name="Lovelace").user
    services.booking_book(user=member, event_id=event.pk, access_needs="Step-free")
    response = client.get(f"/admin/events/event/{event.pk}/attendance.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from events.pdf import attendance_html

    html = attendance_html(event)
    assert "Ada Lovelace" in html and "Step-free" in html


def test_cancel_page_refuses_without_a_reason_and_then_tells_everyone(client, organiser):
    event = make_event()
    member = MembershipFactory().user
    services.booking_book(user=member, event_id=event.pk)
    url = f"/admin/events/event/{event.pk}/cancel/"
    assert "1 person" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert Event.objects.get(pk=event.pk).status == EventStatus.SCHEDULED
    response = client.post(url, {"reason": "The trainer is ill."})
    assert response.status_code == 302
    assert Event.objects.get(pk=event.pk).status == EventStatus.CANCELLED
    assert Booking.objects.get(user=member).status == BookingStatus.CANCELLED


def _form(**overrides):
    now = timezone.localtime()
    fmt = "%Y-%m-%d"
    data = {
        "title": "New course",
        "slug": "new-course",
        "kind": "course",
        "summary": "A day.",
        "starts_at_0": (now + timedelta(days=10)).strftime(fmt),
        "starts_at_1": "10:00:00",
        "ends_at_0": (now + timedelta(days=10)).strftime(fmt),
        "ends_at_1": "16:00:00",
        "venue": "Hall",
        "capacity": "20",
        "booking_opens_at_0": now.strftime(fmt),
        "booking_opens_at_1": "09:00:00",
        "booking_closes_at_0": (now + timedelta(days=9)).strftime(fmt),
        "booking_closes_at_1": "09:00:00",
        "fee_pence": "0",
        "ask_needs": "on",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_organiser_creates_an_event_and_organises_it(client, organiser):
    response = client.post("/admin/events/event/add/", _form())
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(slug="new-course")
    assert event.created_by == organiser
    assert organiser in event.organisers.all()


@pytest.mark.parametrize(
    "overrides",
    [
        {"ends_at_1": "09:00:00"},
        {"booking_closes_at_0": "2000-01-01"},
        {"online": "on", "venue": ""},
        {"venue": ""},
        {"capacity": "0"},
        {"capacity": "many"},
        {"fee_pence": "-5"},
    ],
)
def test_bad_event_forms_save_nothing(client, organiser, overrides):
    response = client.post("/admin/events/event/add/", _form(**overrides))
    assert response.status_code == 200  # the admin shows the form again with its errors
    assert "errornote" in response.content.decode()
    assert not Event.objects.filter(slug="new-course").exists()


def test_capacity_cannot_go_below_places_taken(client, organiser):
    event = make_event(capacity=2, slug="new-course")
    for _ in range(2):
        services.booking_book(user=MembershipFactory().user, event_id=event.pk)
    data = _form(capacity="1")
    data["starts_at_0"] = timezone.localtime(event.starts_at).strftime("%Y-%m-%d")
    response = client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 200
    assert Event.objects.get(pk=event.pk).capacity == 2


def test_booking_list_is_read_only(client, organiser):
    event = make_event()
    booking = services.booking_book(user=MembershipFactory().user, event_id=event.pk)
    assert client.get(f"/admin/events/booking/?event__id__exact={event.pk}").status_code == 200
    assert client.get("/admin/events/booking/add/").status_code == 403
    assert client.post(f"/admin/events/booking/{booking.pk}/delete/").status_code == 403


def test_rep_training_attended_goes_on_the_reps_record_and_comes_off_with_the_register(
    client, organiser
):
    """Reps' training completed updates their rep record (issue 18): marked present at the
    union's rep training, a rep has it on their record; undone, it is gone; a member who
    is not a rep, and other kinds of event, change no rep record."""
    from reps.models import RepRole, RepStatus, RepTraining

    training = _today_event(organiser, kind="rep_training", title="Rep foundation day")
    course = _today_event(organiser, title="A general course")
    rep, member = MembershipFactory(), MembershipFactory()
    RepRole.objects.create(
        membership=rep, workplace=rep.workplace, kind="workplace", status=RepStatus.CONFIRMED
    )
    url = f"/admin/events/event/{training.pk}/register/"
    rep_booking = services.booking_book(user=rep.user, event_id=training.pk)
    member_booking = services.booking_book(user=member.user, event_id=training.pk)
    course_booking = services.booking_book(user=rep.user, event_id=course.pk)
    for booking in (rep_booking, member_booking):
        assert client.post(url, {"booking": booking.pk, "attended": "1"}).status_code == 302
    client.post(
        f"/admin/events/event/{course.pk}/register/",
        {"booking": course_booking.pk, "attended": "1"},
    )

    [record] = RepTraining.objects.all()
    assert (record.membership, record.title) == (rep, "Rep foundation day")
    assert record.completed_on == timezone.localdate(training.ends_at)
    client.post(url, {"booking": rep_booking.pk, "attended": "1"})  # a second tap: still one
    assert RepTraining.objects.count() == 1

    client.post(url, {"booking": rep_booking.pk, "attended": "0"})
    assert not RepTraining.objects.exists()
