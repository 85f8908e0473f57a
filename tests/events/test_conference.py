"""Conferences: branches and sections submit motions before the deadline; the standing
orders committee accepts, composites or rules them out of order with a reason in the
admin; the agenda shows only accepted and composited motions; only elected delegates see
and use the voting-delegate registration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from events import conference_services as services
from events.conference import Composite, Delegate, Motion, MotionStatus, SubmittedFor
from events.models import BookingStatus, EventKind
from portal.accounts.choices import JobRole
from portal.accounts.roles import Role
from tests.events.conference_helpers import book, make_event
from tests.factories import MembershipFactory, staff_user

pytestmark = pytest.mark.django_db

MOTION = {"submitted_for": "branch", "title": "Leadership time", "text": "Conference resolves."}


@pytest.fixture
def leader():
    return MembershipFactory(job_role=JobRole.HEADTEACHER).user


@pytest.fixture
def conference():
    return make_event("conf-2027", title="Leadership conference", audience_section="leadership")


@pytest.fixture
def committee(client):
    user, _ = staff_user(Role.STANDING_ORDERS_COMMITTEE)
    return user


def submit(user, event, **fields):
    data = {"submitted_for": SubmittedFor.BRANCH, "title": "A motion", "text": "Resolves."}
    data.update(fields)
    return services.motion_submit(user=user, event_id=event.pk, **data)


def test_a_member_submits_a_motion_for_their_branch_before_the_deadline(client, leader, conference):
    client.force_login(leader)
    page = client.get(reverse("events:motions", args=[conference.slug]))
    assert page.status_code == 200
    assert leader.membership.workplace.name in page.content.decode()
    response = client.post(reverse("events:motions", args=[conference.slug]), MOTION)
    assert response.status_code == 302
    motion = Motion.objects.get()
    assert motion.branch == leader.membership.workplace and motion.number == 1
    assert motion.status == MotionStatus.SUBMITTED
    section = client.post(
        reverse("events:motions", args=[conference.slug]), MOTION | {"submitted_for": "section"}
    )
    assert section.status_code == 302
    assert Motion.objects.get(number=2).section == "leadership"
    listed = client.get(reverse("events:motions", args=[conference.slug])).content.decode()
    assert "Motion 1: Leadership time" in listed and "Motion 2" in listed


def test_after_the_deadline_no_motion_is_taken(client, leader, conference):
    conference.motions_close_at = timezone.now() - timedelta(minutes=1)
    conference.save()
    client.force_login(leader)
    page = client.get(reverse("events:motions", args=[conference.slug])).content.decode()
    assert str(services.MOTIONS_CLOSED) in page and 'name="title"' not in page
    response = client.post(reverse("events:motions", args=[conference.slug]), MOTION)
    assert response.status_code == 400
    assert str(services.MOTIONS_CLOSED) in response.content.decode()
    assert not Motion.objects.exists()
    with pytest.raises(services.EventRuleError):
        submit(leader, conference)


@pytest.mark.parametrize(
    "bad",
    [
        {"title": ""},
        {"text": ""},
        {"submitted_for": "national-executive"},
        {"title": "x" * 201},
        {"text": "x" * 5001},
    ],
)
def test_bad_motion_input_is_refused_and_nothing_saved(client, leader, conference, bad):
    client.force_login(leader)
    response = client.post(reverse("events:motions", args=[conference.slug]), MOTION | bad)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Motion.objects.exists()


def test_motions_pages_are_404_outside_the_audience_and_for_other_events(
    client, conference, leader
):
    teacher = MembershipFactory().user
    client.force_login(teacher)
    assert client.get(reverse("events:motions", args=[conference.slug])).status_code == 404
    assert client.get(reverse("events:agenda", args=[conference.slug])).status_code == 404
    assert client.post(reverse("events:motions", args=[conference.slug]), MOTION).status_code == 404
    course = make_event("a-course", kind=EventKind.COURSE)
    client.force_login(leader)
    assert client.get(reverse("events:motions", args=[course.slug])).status_code == 404
    assert client.get(reverse("events:agenda", args=[course.slug])).status_code == 404
    assert not Motion.objects.exists()


def test_the_committee_accepts_and_rules_out_of_order_with_a_reason(
    client, leader, conference, committee
):
    first, second = submit(leader, conference), submit(leader, conference, title="Car park")
    client.force_login(committee)
    url = reverse("admin:events_motion_change", args=[first.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "accepted", "reason": ""}).status_code == 302
    first.refresh_from_db()
    assert first.status == MotionStatus.ACCEPTED and first.ruled_by == committee
    url = reverse("admin:events_motion_change", args=[second.pk])
    refused = client.post(url, {"status": "out_of_order", "reason": "  "})
    assert refused.status_code == 200
    assert str(services.REASON_NEEDED) in str(refused.context["adminform"].form.errors["reason"])
    assert 'name="reason"' in refused.content.decode(), "the reason can still be written"
    second.refresh_from_db()
    assert second.status == MotionStatus.SUBMITTED
    reason = "Standing order 12: premises are for the executive."
    assert client.post(url, {"status": "out_of_order", "reason": reason}).status_code == 302
    second.refresh_from_db()
    assert second.status == MotionStatus.OUT_OF_ORDER and second.reason == reason
    # A ruling is final: the service refuses a second one.
    with pytest.raises(services.EventRuleError):
        services.motion_rule(motion=second, by=committee, status=MotionStatus.ACCEPTED)
    # The branch reads the ruling and its reason.
    client.force_login(leader)
    page = client.get(reverse("events:motions", args=[conference.slug])).content.decode()
    assert reason in page and "Ruled out of order" in page


def test_the_committee_composites_motions_into_one(client, leader, conference, committee):
    a, b = submit(leader, conference, title="CPD for bursars"), submit(leader, conference)
    elsewhere = submit(leader, make_event("other-conf", audience_section="leadership"))
    client.force_login(committee)
    url = reverse("admin:events_motion_changelist")
    base = {"action": "composite_selected", ACTION_CHECKBOX_NAME: [a.pk, b.pk]}
    form = client.post(url, base)
    assert form.status_code == 200 and "Make the composite" in form.content.decode()
    missing = client.post(url, base | {"apply": "1", "title": "", "text": ""})
    assert missing.status_code == 400 and not Composite.objects.exists()
    done = client.post(url, base | {"apply": "1", "title": "CPD", "text": "Resolves to."})
    assert done.status_code == 302
    composite = Composite.objects.get()
    assert set(composite.motions.values_list("pk", flat=True)) == {a.pk, b.pk}
    assert set(Motion.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        MotionStatus.COMPOSITED
    }
    # One motion alone, or motions of two conferences: refused, nothing made.
    c = submit(leader, conference, title="Alone")
    client.post(url, {"action": "composite_selected", ACTION_CHECKBOX_NAME: [c.pk]})
    client.post(
        url,
        {"action": "composite_selected", ACTION_CHECKBOX_NAME: [c.pk, elsewhere.pk]}
        | {"apply": "1", "title": "x", "text": "y"},
    )
    assert Composite.objects.count() == 1
    c.refresh_from_db()
    assert c.status == MotionStatus.SUBMITTED


def test_the_agenda_shows_only_accepted_and_composited_motions(
    client, leader, conference, committee
):
    accepted = submit(leader, conference, title="ACCEPTED-ONE")
    services.motion_rule(motion=accepted, by=committee, status=MotionStatus.ACCEPTED)
    out = submit(leader, conference, title="RULED-OUT")
    services.motion_rule(
        motion=out, by=committee, status=MotionStatus.OUT_OF_ORDER, reason="Not competent"
    )
    submit(leader, conference, title="STILL-WAITING")
    parts = [submit(leader, conference, title=f"PART-{n}") for n in (1, 2)]
    services.motion_composite(
        event=conference,
        motion_ids=[m.pk for m in parts],
        by=committee,
        title="COMPOSITE-ONE",
        text="Joined up.",
    )
    client.force_login(leader)
    page = client.get(reverse("events:agenda", args=[conference.slug])).content.decode()
    assert "ACCEPTED-ONE" in page and "COMPOSITE-ONE" in page
    assert "RULED-OUT" not in page and "STILL-WAITING" not in page
    assert "Not competent" not in page


def test_the_committee_is_not_an_events_organiser(client, committee):
    assert not committee.has_perm("events.view_event")
    assert not committee.has_perm("events.view_booking")
    client.force_login(committee)
    assert client.get(reverse("admin:events_event_changelist")).status_code == 403
    assert client.get(reverse("admin:events_booking_changelist")).status_code == 403
    assert client.get(reverse("admin:events_motion_changelist")).status_code == 200


def test_only_delegates_see_and_use_the_voting_delegate_registration(client, leader, conference):
    organiser, _ = staff_user(Role.EVENTS_ORGANISER)
    other = MembershipFactory(job_role=JobRole.HEADTEACHER).user
    client.force_login(organiser)
    add = reverse("admin:events_delegate_add")
    not_member = client.post(
        add,
        {"event": conference.pk, "user": organiser.pk, "elected_on": "2026-11-01"},
    )
    assert not_member.status_code == 200 and not Delegate.objects.exists()
    recorded = client.post(
        add, {"event": conference.pk, "user": leader.pk, "elected_on": "2026-11-01"}
    )
    assert recorded.status_code == 302
    delegate = Delegate.objects.get()
    assert delegate.branch == leader.membership.workplace and delegate.recorded_by == organiser
    url = reverse("events:voting_delegate", args=[conference.slug])
    # Someone else with a place: no option, and the POST is not found.
    book(conference, other)
    client.force_login(other)
    page = client.get(conference.get_absolute_url()).content.decode()
    assert "Register as a voting delegate" not in page
    assert client.post(url).status_code == 404
    # The delegate without a place is told to book first.
    client.force_login(leader)
    page = client.get(conference.get_absolute_url()).content.decode()
    assert "Book your place above" in page
    assert client.post(url).status_code == 400
    delegate.refresh_from_db()
    assert delegate.registered_at is None
    book(conference, leader, BookingStatus.BOOKED)
    page = client.get(conference.get_absolute_url()).content.decode()
    assert "Register as a voting delegate" in page
    assert client.post(url).status_code == 302
    delegate.refresh_from_db()
    assert delegate.registered_at is not None
    assert client.post(url).status_code == 400  # once


def test_the_demo_has_a_conference_with_motions_in_each_state_and_the_members_cpd():
    import io

    from django.core.management import call_command

    from cpd.selectors import record_for
    from portal.accounts.models import User

    for _ in range(2):  # `make run` twice adds nothing
        call_command("seed_demo", stdout=io.StringIO())
    motions = Motion.objects.filter(event__slug="leadership-conference-2027")
    assert set(motions.values_list("status", flat=True)) == set(MotionStatus.values)
    assert motions.count() == 5 and Composite.objects.count() == 1
    assert motions.exclude(status="out_of_order").filter(reason="").count() == 4
    leader = User.objects.get(email="leader@demo.example")
    assert Delegate.objects.filter(user=leader).count() == 1
    soc = User.objects.get(email="soc@demo.example")
    assert soc.groups.filter(name=Role.STANDING_ORDERS_COMMITTEE).exists()
    record = record_for(User.objects.get(email="member@demo.example"))
    kinds = [i.kind for i in record.items]
    assert kinds.count("own") == 2 and kinds.count("attended") == 1
    [course] = [i for i in record.items if i.kind == "attended"]
    assert course.title == "Course: assessment for learning" and course.text
