"""Courses a member attended appear on their CPD record with hours and learning outcomes,
with a certificate PDF each: theirs alone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cpd import selectors
from cpd.attendance import event_hours
from events.models import BookingStatus, EventKind
from tests.events.conference_helpers import add_session, book, make_event
from tests.factories import MembershipFactory
from tests.standards.conftest import pdf_info, pdf_text

pytestmark = pytest.mark.django_db


def test_an_attended_course_is_on_the_record_with_its_hours_and_outcomes(member_client, member):
    course = make_event(
        "course-a",
        kind=EventKind.COURSE,
        days=-20,
        hours=6,
        title="Course: questioning",
        cpd_hours=Decimal("5.5"),
        learning_outcomes="Plan hinge questions.",
    )
    booked_only = make_event("course-b", kind=EventKind.COURSE, days=-10, title="Course: missed")
    meeting = make_event("meeting", kind=EventKind.BRANCH_MEETING, days=-5, title="Branch meeting")
    book(course, member, BookingStatus.ATTENDED)
    book(booked_only, member, BookingStatus.BOOKED)
    book(meeting, member, BookingStatus.ATTENDED)
    page = member_client.get(reverse("cpd:record")).content.decode()
    assert "Course: questioning" in page and "5.5 hours" in page
    assert "Plan hinge questions." in page
    assert "Course: missed" not in page and "Branch meeting" not in page
    [year] = selectors.record_for(member).years
    assert year.attended_hours == Decimal("5.5")


def test_hours_come_from_the_sessions_when_the_organiser_set_none():
    course = make_event("course-s", kind=EventKind.COURSE, days=-3, hours=30)
    assert event_hours(course) == Decimal("30")
    add_session(course, "Morning", 0, 3)
    add_session(course, "Next day", 24, 2.5)
    course.refresh_from_db()
    assert event_hours(course) == Decimal("5.5")


def test_the_certificate_pdf_is_the_members_own(client):
    membership = MembershipFactory(user__first_name="Ife", user__last_name="Bello")
    course = make_event(
        "course-c",
        kind=EventKind.COURSE,
        days=-20,
        title="Course: reading for pleasure",
        cpd_hours=Decimal("3"),
        learning_outcomes="Run a reading-for-pleasure audit.",
    )
    booking = book(course, membership.user, BookingStatus.ATTENDED)
    client.force_login(membership.user)
    response = client.get(reverse("cpd:certificate", args=[booking.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Ife Bello" in text and "Course: reading for pleasure" in text
    assert "3 hours" in text and "reading-for-pleasure audit" in text
    assert "Certificate of attendance" in pdf_info(response.content)["Title"]
    record = pdf_text(client.get(reverse("cpd:record_pdf")).content)
    assert "Course: reading for pleasure" in record
    # Someone else, or a booking not attended: the same 404 as a missing one.
    other = MembershipFactory()
    client.force_login(other.user)
    assert client.get(reverse("cpd:certificate", args=[booking.pk])).status_code == 404
    booked = book(make_event("course-d", kind=EventKind.COURSE, days=-1), other.user)
    assert client.get(reverse("cpd:certificate", args=[booked.pk])).status_code == 404
    assert client.get(reverse("cpd:certificate", args=[987654])).status_code == 404
    client.logout()
    assert client.get(reverse("cpd:certificate", args=[booking.pk])).status_code == 302
