"""The audience rule for every kind of member and every kind of audience, and that the
three forms of it (one member, the list's SQL, the admin's count) agree."""

from __future__ import annotations

import itertools

import pytest

from events import access
from events.models import EventStatus
from portal.accounts.choices import JobRole, MembershipStatus, Section
from tests.events.helpers import make_event
from tests.factories import MembershipFactory, region, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    london, wales = region("london"), region("wales")
    return {
        "member_london": MembershipFactory(region=london),
        "rep_london": MembershipFactory(region=london, is_rep=True),
        "leader_wales": MembershipFactory(region=wales, job_role=JobRole.HEADTEACHER),
        "support_wales": MembershipFactory(region=wales, job_role=JobRole.SUPPORT_STAFF),
        "lapsed_london": MembershipFactory(region=london, status=MembershipStatus.LAPSED),
        "applicant_wales": MembershipFactory(region=wales, status=MembershipStatus.APPLICANT),
    }


@pytest.fixture
def events():
    return {
        "everyone": make_event(),
        "leadership": make_event(audience_section=Section.LEADERSHIP),
        "wales": make_event(audience_nation="wales"),
        "london": make_event(audience_region=region("london")),
        "reps": make_event(audience_reps_only=True),
        "wales_leadership": make_event(audience_nation="wales", audience_section="leadership"),
    }


EXPECTED = {
    "member_london": {"everyone", "london"},
    "rep_london": {"everyone", "london", "reps"},
    "leader_wales": {"everyone", "leadership", "wales", "wales_leadership"},
    "support_wales": {"everyone", "wales"},
    "lapsed_london": set(),
    "applicant_wales": set(),
}


def test_audience_for_every_kind_of_member(people, events):
    for who, membership in people.items():
        seen = {name for name, e in events.items() if access.is_in_audience(e, membership)}
        assert seen == EXPECTED[who], who


def test_the_list_the_page_and_the_admin_count_agree(people, events):
    for (who, membership), (name, event) in itertools.product(people.items(), events.items()):
        one = access.is_in_audience(event, membership)
        listed = access.events_for_member(membership.user).filter(pk=event.pk).exists()
        counted = access.audience_members(event).filter(pk=membership.pk).exists()
        assert one == listed == counted, (who, name)


def test_leadership_only_is_hidden_from_others_on_the_list_and_the_page(client, people, events):
    for who, membership in people.items():
        client.force_login(membership.user)
        listing = client.get("/events/").content.decode()
        page = client.get(f"/events/{events['leadership'].slug}/")
        if who == "leader_wales":
            assert events["leadership"].title in listing
            assert page.status_code == 200
        else:
            assert events["leadership"].title not in listing
            assert page.status_code == 404  # the same as an unknown slug


def test_staff_without_membership_see_no_events_but_organisers_open_any(client, events):
    comms, _ = staff_user("Communications officer")
    client.force_login(comms)
    assert client.get("/events/").status_code == 200
    assert client.get(f"/events/{events['reps'].slug}/").status_code == 404
    organiser, _ = staff_user("Events organiser")
    client.force_login(organiser)
    assert client.get(f"/events/{events['reps'].slug}/").status_code == 200


def test_cancelled_event_is_gone_except_for_those_who_had_booked(client, people):
    from events import services

    event = make_event()
    booker = people["member_london"].user
    services.booking_book(user=booker, event_id=event.pk)
    event.status = EventStatus.CANCELLED
    event.save()
    client.force_login(people["rep_london"].user)
    assert client.get(event.get_absolute_url()).status_code == 404
    client.force_login(booker)
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    assert "This event has been cancelled." in response.content.decode()


def test_anonymous_visitors_are_asked_to_log_in(client, events):
    assert "/login/" in client.get("/events/")["Location"]
    assert "/login/" in client.get(f"/events/{events['everyone'].slug}/")["Location"]


def test_needs_only_for_the_events_own_organisers(people):
    from events import services
    from events.models import BookingNeeds

    event = make_event()
    services.booking_book(
        user=people["member_london"].user, event_id=event.pk, dietary="Vegan", access_needs=""
    )
    mine, _ = staff_user("Events organiser")
    other, _ = staff_user("Events organiser")
    admin, _ = staff_user("Administrator")
    event.organisers.add(mine)
    assert list(access.needs_visible_to(mine)) == list(BookingNeeds.objects.all())
    assert not access.needs_visible_to(other).exists()
    assert not access.needs_visible_to(admin).exists()
