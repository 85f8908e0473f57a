"""Complaints about case handling: deadlines in working days, a manager takes, acknowledges,
answers and closes; the two-person rule; the member reads the answer; overdue notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from casework import complaints, services
from casework.access import complaints_visible_to, officer_visible_events
from casework.models import Complaint, EventKind
from portal.accounts.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# A Friday before the Spring bank holiday (Monday 25 May 2026).
FRIDAY = datetime(2026, 5, 22, 10, 0, tzinfo=LONDON)


@pytest.fixture
def complained(people, submit):
    """A London case worked by the caseworker, complained about by the member."""
    member, officer = people["member"], people["cw_london"]
    case = submit(member)
    services.case_assign(case=case, officer=officer, by=officer)
    services.case_complain(case=case, member=member, body="Nobody calls back. PRIVATE-GRIPE")
    return case.complaints.get()


def test_a_complaint_has_working_day_deadlines(people, submit):
    case = submit(people["member"])
    services.case_complain(case=case, member=people["member"], body="Slow", now=FRIDAY)
    complaint = Complaint.objects.get(case=case)
    assert complaint.acknowledge_by == date(2026, 5, 27)  # Tue, Wed: Monday is a holiday
    assert complaint.respond_by == date(2026, 6, 8)
    assert complaint.body == "Slow" and complaint.raised_by == people["member"]
    assert complaint.stage() == "received"


def test_the_deadlines_are_settings(people, submit, settings):
    settings.CASEWORK_COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 1
    settings.CASEWORK_COMPLAINT_RESPONSE_WORKING_DAYS = 3
    case = submit(people["member"])
    services.case_complain(case=case, member=people["member"], body="Slow", now=FRIDAY)
    complaint = Complaint.objects.get(case=case)
    assert (complaint.acknowledge_by, complaint.respond_by) == (
        date(2026, 5, 26),
        date(2026, 5, 28),
    )


def test_a_manager_takes_acknowledges_responds_and_closes(
    client, people, complained, django_capture_on_commit_callbacks
):
    manager, member = people["manager"], people["member"]
    case = complained.case
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaints.complaint_take(complaint=complained, by=manager)
        complaints.complaint_acknowledge(complaint=complained, by=manager)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "PRIVATE-GRIPE" not in mail.outbox[0].body
    assert case.reference in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaints.complaint_respond(
            complaint=complained, by=manager, response="We are sorry. ANSWER-TEXT"
        )
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "ANSWER-TEXT" not in mail.outbox[0].body and case.reference in mail.outbox[0].body
    complaints.complaint_close(complaint=complained, by=manager, outcome="partly_upheld")
    complained.refresh_from_db()
    case.refresh_from_db()
    assert complained.owner == manager and complained.stage() == "closed"
    assert complained.outcome == "partly_upheld"
    assert not case.complaint_open
    kinds = list(case.events.filter(visible_to_member=True).values_list("kind", flat=True))
    assert EventKind.COMPLAINT_RESPONSE in kinds and EventKind.COMPLAINT_CLOSED in kinds

    client.force_login(member)
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert "ANSWER-TEXT" in page
    assert "A casework manager answered your complaint" in page
    assert "Your complaint is closed" in page
    assert "Closed: Partly upheld" in page


def test_the_member_sees_each_stage(client, people, complained):
    member, manager = people["member"], people["manager"]
    client.force_login(member)
    url = reverse("casework:detail", args=[complained.case.reference])
    assert "Received – a casework manager will acknowledge it" in client.get(url).content.decode()
    complaints.complaint_acknowledge(complaint=complained, by=manager)
    assert "Acknowledged – a casework manager is looking into it" in (
        client.get(url).content.decode()
    )


def test_closing_needs_a_response_and_an_outcome(people, complained):
    manager = people["manager"]
    with pytest.raises(ValidationError, match=complaints.RESPONSE_BEFORE_CLOSE):
        complaints.complaint_close(complaint=complained, by=manager, outcome="upheld")
    with pytest.raises(ValidationError, match=complaints.RESPONSE_REQUIRED):
        complaints.complaint_respond(complaint=complained, by=manager, response="   ")
    complaints.complaint_respond(complaint=complained, by=manager, response="Answer")
    for outcome in ("", "resolved", "UPHELD"):
        with pytest.raises(ValidationError, match="outcome"):
            complaints.complaint_close(complaint=complained, by=manager, outcome=outcome)
    complained.refresh_from_db()
    assert complained.closed_at is None and complained.case.complaint_open


def test_caseworkers_never_see_or_handle_complaints(people, complained):
    officer, other = people["cw_london"], people["cw_wales"]
    for user in (officer, other, people["lead"]):
        assert not complaints_visible_to(user).exists()
        with pytest.raises((ValidationError, PermissionDenied)):
            complaints.complaint_take(complaint=complained, by=user)
        with pytest.raises((ValidationError, PermissionDenied)):
            complaints.complaint_respond(complaint=complained, by=user, response="Fine")
    case = complained.case
    kinds = set(officer_visible_events(officer, case).values_list("kind", flat=True))
    assert not kinds & {EventKind.COMPLAINT, EventKind.COMPLAINT_RESPONSE}


def test_the_manager_complained_about_cannot_own_or_answer_it(people, submit):
    """The two-person rule: the officer complained about (here a manager working the case)
    cannot take or answer it, even after handing the case on or taking it back."""
    member = people["member"]
    worker, _ = staff_user(Role.CASEWORK_MANAGER, first_name="Works", last_name="Case")
    case = submit(member)
    services.case_assign(case=case, officer=worker, by=worker)
    services.case_complain(case=case, member=member, body="Rude")
    complaint = case.complaints.get()
    assert complaint.about_officer == worker
    with pytest.raises(ValidationError, match="your own handling"):
        complaints.complaint_take(complaint=complaint, by=worker)
    # Hands the case to someone else: still the officer complained about.
    services.case_assign(case=case, officer=people["cw_london"], by=worker)
    with pytest.raises(ValidationError, match="your own handling"):
        complaints.complaint_respond(complaint=complaint, by=worker, response="All fine")
    # Another manager reassigns the case to themselves, then tries to answer: refused too.
    manager = people["manager"]
    services.case_assign(case=case, officer=manager, by=manager)
    with pytest.raises(ValidationError, match="your own handling"):
        complaints.complaint_respond(complaint=complaint, by=manager, response="All fine")
    services.case_assign(case=case, officer=people["cw_london"], by=manager)
    complaints.complaint_respond(complaint=complaint, by=manager, response="Answered")
    complaint.refresh_from_db()
    assert complaint.responded_at is not None and complaint.owner == manager


def test_overdue_complaints_tell_every_manager_once_per_deadline(
    people, submit, django_capture_on_commit_callbacks
):
    member = people["member"]
    second, _ = staff_user(Role.CASEWORK_MANAGER, first_name="Second", last_name="Manager")
    case = submit(member)
    services.case_complain(case=case, member=member, body="Slow", now=FRIDAY)
    complaint = case.complaints.get()
    managers = {people["manager"].email, second.email}

    def sweep(when):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = complaints.complaints_flag_overdue(now=when)
        return count, {m.to[0] for m in mail.outbox}

    assert sweep(FRIDAY + timedelta(days=4)) == (0, set())  # 26 May: in time
    count, told = sweep(datetime(2026, 5, 28, 9, tzinfo=LONDON))
    assert count == 1 and told == managers
    assert "overdue" in mail.outbox[0].subject and "Slow" not in mail.outbox[0].body
    assert sweep(datetime(2026, 5, 29, 9, tzinfo=LONDON)) == (0, set())  # once only
    complaints.complaint_acknowledge(complaint=complaint, by=people["manager"])
    assert sweep(datetime(2026, 6, 8, 9, tzinfo=LONDON)) == (0, set())
    count, told = sweep(datetime(2026, 6, 9, 9, tzinfo=LONDON))  # the response is late
    assert count == 1 and told == managers
    assert sweep(datetime(2026, 6, 10, 9, tzinfo=LONDON)) == (0, set())
    complaint.refresh_from_db()
    assert complaint.overdue_notified_for == "respond"


def test_the_complaints_list_is_for_managers_open_first_overdue_flagged(
    client, people, complained, submit
):
    later = submit(people["member_b"])
    services.case_complain(case=later, member=people["member_b"], body="x", now=FRIDAY)
    closed = later.complaints.get()
    complaints.complaint_respond(complaint=closed, by=people["manager"], response="r")
    complaints.complaint_close(complaint=closed, by=people["manager"], outcome="not_upheld")
    overdue = submit(people["member_b"])
    services.case_complain(
        case=overdue, member=people["member_b"], body="y", now=FRIDAY - timedelta(days=60)
    )
    url = reverse("admin:casework_complaint_changelist")
    client.force_login(people["cw_london"])
    assert client.get(url).status_code == 403
    assert client.get(
        reverse("admin:casework_complaint_change", args=[complained.pk])
    ).status_code in (403, 404)
    client.force_login(people["manager"])
    page = client.get(url)
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert rows[-1] == closed  # open ones first
    html = page.content.decode()
    assert "Overdue: response" in html and "PRIVATE-GRIPE" not in html


def test_the_admin_actions_call_the_services_and_refuse_bad_input(client, people, complained):
    manager = people["manager"]
    client.force_login(manager)
    act = reverse("admin:casework_complaint_act", args=[complained.pk])
    change = reverse("admin:casework_complaint_change", args=[complained.pk])
    page = client.get(change)
    assert page.status_code == 200 and "PRIVATE-GRIPE" in page.content.decode()
    assert client.get(act).status_code == 405
    assert client.post(act, {"action": "delete"}).status_code == 400
    refused = client.post(act, {"action": "close", "outcome": "upheld"})
    assert refused.status_code == 400
    assert complaints.RESPONSE_BEFORE_CLOSE in refused.content.decode()
    refused = client.post(act, {"action": "respond", "response": ""})
    assert refused.status_code == 400 and complaints.RESPONSE_REQUIRED in refused.content.decode()
    too_long = client.post(act, {"action": "respond", "response": "x" * 20001})
    assert too_long.status_code == 400
    complained.refresh_from_db()
    assert complained.responded_at is None and complained.owner is None
    assert client.post(act, {"action": "take"}).status_code == 302
    response = client.post(act, {"action": "respond", "response": "Our answer"})
    assert response.status_code == 302
    assert client.post(act, {"action": "close", "outcome": "upheld"}).status_code == 302
    complained.refresh_from_db()
    assert complained.outcome == "upheld" and complained.owner == manager
    # Someone who may not see complaints: the same 404 as a missing one.
    client.force_login(people["cw_london"])
    assert client.post(act, {"action": "take"}).status_code == 404
    client.force_login(manager)
    missing = reverse("admin:casework_complaint_act", args=[999999])
    assert client.post(missing, {"action": "take"}).status_code == 404


def test_retention_removes_complaints_with_the_personal_content(people, complained):
    case = complained.case
    complaints.complaint_respond(complaint=complained, by=people["manager"], response="r")
    complaints.complaint_close(complaint=complained, by=people["manager"], outcome="upheld")
    services.case_change_status(
        case=case, new_status="closed", by=people["cw_london"], outcome="resolved"
    )
    services.cases_apply_retention(now=case.submitted_at + timedelta(days=365 * 7))
    assert not Complaint.objects.filter(case=case).exists()


def test_the_case_screen_links_complaints_for_managers_only(client, people, complained):
    url = reverse("admin:casework_case_change", args=[complained.case_id])
    link = reverse("admin:casework_complaint_change", args=[complained.pk])
    client.force_login(people["manager"])
    page = client.get(url).content.decode()
    assert link in page and "Received" in page
    client.force_login(people["cw_london"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert link not in html and "PRIVATE-GRIPE" not in html and ">Complaints<" not in html


def test_the_overdue_sweep_is_on_the_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "casework.tasks.flag_overdue_complaints" in tasks
    from casework.tasks import flag_overdue_complaints

    assert flag_overdue_complaints() == 0


def test_the_members_data_download_holds_their_complaints(people, complained):
    from casework.member_data import export_cases

    complaints.complaint_respond(complaint=complained, by=people["manager"], response="Sorry")
    (case,) = export_cases(people["member"])
    (row,) = case["complaints"]
    assert row["text"] == "Nobody calls back. PRIVATE-GRIPE"
    assert row["response"] == "Sorry" and row["stage"] == "responded"
    assert export_cases(people["member_b"]) == []
