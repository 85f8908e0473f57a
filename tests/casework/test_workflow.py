"""The workflow, routing, the officer's case screen, urgency, overdue reminders, retention."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import services
from casework.models import Case, CaseAttachment, CaseEvent, SavedReply, Status
from casework.workdays import add_working_days, is_working_day, working_days_until
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

MOVES = [
    (Status.NEW, Status.ASSIGNED, True),
    (Status.NEW, Status.IN_PROGRESS, False),
    (Status.NEW, Status.WAITING_MEMBER, False),
    (Status.NEW, Status.LEGAL, False),
    (Status.ASSIGNED, Status.IN_PROGRESS, True),
    (Status.ASSIGNED, Status.NEW, False),
    (Status.IN_PROGRESS, Status.WAITING_MEMBER, True),
    (Status.IN_PROGRESS, Status.LEGAL, True),
    (Status.WAITING_MEMBER, Status.IN_PROGRESS, True),
    (Status.LEGAL, Status.WAITING_MEMBER, False),
    (Status.LEGAL, Status.IN_PROGRESS, True),
    (Status.CLOSED, Status.IN_PROGRESS, True),
    (Status.CLOSED, Status.LEGAL, False),
    (Status.IN_PROGRESS, Status.DRAFT, False),
]


@pytest.mark.parametrize(("old", "new", "allowed"), MOVES)
def test_status_moves_only_along_the_workflow(people, submit, old, new, allowed):
    case = submit(people["member"])
    Case.objects.filter(pk=case.pk).update(status=old, assigned_to=people["cw_london"])
    case.refresh_from_db()
    kwargs = {"outcome": "resolved", "legal_reason": "Needs a solicitor"}
    if allowed:
        services.case_change_status(case=case, new_status=new, by=people["cw_london"], **kwargs)
        case.refresh_from_db()
        assert case.status == new
    else:
        with pytest.raises(ValidationError, match="A case cannot go from"):
            services.case_change_status(case=case, new_status=new, by=people["cw_london"], **kwargs)


def test_closing_needs_an_outcome_and_legal_needs_a_reason(people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    with pytest.raises(ValidationError, match=services.OUTCOME_REQUIRED):
        services.case_change_status(case=case, new_status=Status.CLOSED, by=officer)
    with pytest.raises(ValidationError, match=services.LEGAL_REASON_REQUIRED):
        services.case_change_status(
            case=case, new_status=Status.LEGAL, by=officer, legal_reason=" "
        )
    services.case_change_status(
        case=case, new_status=Status.LEGAL, by=officer, legal_reason="Tribunal claim"
    )
    event = CaseEvent.objects.get(case=case, kind="escalated")
    assert not event.visible_to_member and event.body == "Tribunal claim"


def test_an_officer_outside_the_case_cannot_change_it(people, submit):
    case = submit(people["member"])
    with pytest.raises(Exception, match="No case found"):
        services.case_change_status(
            case=case, new_status=Status.CLOSED, by=people["cw_wales"], outcome="resolved"
        )


def test_routing_proposes_the_region_team_and_for_leadership_the_lead_officer(people, submit):
    london = submit(people["member"])
    leader = submit(people["leader"])
    assert list(services.proposed_officers(london)) == [people["cw_london"]]
    assert set(services.proposed_officers(leader)) == {people["cw_london"], people["lead"]}
    assert leader.section == "leadership"


def test_a_caseworker_takes_only_unassigned_cases_a_manager_reassigns_anything(people, submit):
    case = submit(people["member"])
    services.case_assign(case=case, officer=people["cw_london"], by=people["cw_london"])
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.assigned_to == people["cw_london"]
    other, _ = staff_user("Caseworker")
    other.regions.add(case.region)
    with pytest.raises(ValidationError, match=services.CANNOT_ASSIGN):
        services.case_assign(case=case, officer=other, by=other)
    services.case_assign(case=case, officer=people["cw_wales"], by=people["manager"])
    case.refresh_from_db()
    assert case.assigned_to == people["cw_wales"]
    with pytest.raises(ValidationError, match=services.NOT_A_CASE_OFFICER):
        services.case_assign(case=case, officer=people["publisher"], by=people["manager"])


def admin_post(client, case, **data):
    url = reverse("admin:casework_case_change", args=[case.pk])
    payload = {"priority": case.priority, "_continue": "1"}
    payload.update(data)
    return client.post(url, payload)


def test_the_officer_works_a_case_in_the_admin(
    client, people, submit, django_capture_on_commit_callbacks
):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    admin_post(client, case, assign_to=officer.pk)
    case.refresh_from_db()
    assert case.assigned_to == officer
    reply = SavedReply.objects.create(title="Docs", body="Please send your contract.")
    response = admin_post(client, case, saved_reply=reply.pk)
    assert response.status_code == 200, "a saved reply is filled in for editing, not sent"
    assert "Please send your contract." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_post(
            client,
            case,
            message="Please send your contract by Friday.",
            await_reply="on",
            note="Member sounded anxious.",
        )
    case.refresh_from_db()
    assert case.status == Status.WAITING_MEMBER
    events = dict(CaseEvent.objects.filter(case=case).values_list("kind", "visible_to_member"))
    assert events["officer_message"] is True and events["note"] is False
    assert any(m.to == [people["member"].email] for m in mail.outbox)
    response = admin_post(client, case, new_status=Status.CLOSED)
    assert response.status_code == 200
    assert services.OUTCOME_REQUIRED in response.content.decode()
    admin_post(client, case, new_status=Status.CLOSED, outcome="resolved", outcome_note="Agreed")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "resolved")
    response = admin_post(client, case, new_status=Status.LEGAL, legal_reason="x")
    assert response.status_code == 200
    assert "A case cannot go from" in response.content.decode()


def test_officer_files_in_the_admin_are_checked_like_members(client, people, submit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.casework.conftest import EXE_BYTES

    case = submit(people["member"])
    client.force_login(people["cw_london"])
    response = admin_post(
        client, case, note="see file", note_files=[SimpleUploadedFile("x.pdf", EXE_BYTES)]
    )
    assert response.status_code == 200
    assert not CaseAttachment.objects.exists()


def test_bulk_take_and_status_actions(client, people, submit):
    cases = [submit(people["member"]) for _ in range(3)]
    client.force_login(people["cw_london"])
    url = reverse("admin:casework_case_changelist")
    ids = [c.pk for c in cases]
    client.post(url, {"action": "take_cases", "_selected_action": ids})
    assert set(Case.objects.values_list("assigned_to", flat=True)) == {people["cw_london"].pk}
    client.post(url, {"action": "mark_in_progress", "_selected_action": ids})
    assert set(Case.objects.values_list("status", flat=True)) == {Status.IN_PROGRESS}
    client.force_login(people["manager"])
    client.post(
        url, {"action": "assign_cases", "_selected_action": ids, "officer": people["cw_wales"].pk}
    )
    assert set(Case.objects.values_list("assigned_to", flat=True)) == {people["cw_wales"].pk}


def test_bank_holidays_differ_by_nation():
    st_andrews = date(2025, 12, 1)  # St Andrew's Day substitute holiday in Scotland
    assert not is_working_day(st_andrews, "scotland")
    assert is_working_day(st_andrews, "england")
    st_patricks = date(2026, 3, 17)
    assert not is_working_day(st_patricks, "northern_ireland")
    assert is_working_day(st_patricks, "wales")
    # Friday before Easter Monday 2026 (6 April): three working days to Wednesday in England
    assert working_days_until(date(2026, 4, 2), date(2026, 4, 8), "england") == 2
    assert add_working_days(date(2026, 4, 2), 1, "england") == date(2026, 4, 7)


def test_a_hearing_within_five_working_days_is_urgent_and_sorts_first(client, people, submit):
    from django.utils import timezone

    today = timezone.localdate()
    soon = add_working_days(today, 4, "england")
    later = add_working_days(today, 12, "england")
    calm = submit(people["member"], hearing_date=later)
    urgent = submit(people["member_b"], hearing_date=soon)
    assert urgent.urgent and not calm.urgent
    client.force_login(people["manager"])
    page = client.get(reverse("admin:casework_case_changelist")).content.decode()
    assert page.index(urgent.reference) < page.index(calm.reference)


def test_overdue_cases_remind_the_officer_then_the_manager(
    people, submit, settings, django_capture_on_commit_callbacks
):
    case = submit(people["member"])
    officer, manager = people["cw_london"], people["manager"]
    services.case_assign(case=case, officer=officer, by=officer)
    Case.objects.filter(pk=case.pk).update(
        last_activity_at=datetime(2026, 3, 2, 9, tzinfo=LONDON)  # a Monday
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cases_refresh_flags(now=datetime(2026, 3, 6, 12, tzinfo=LONDON))
    case.refresh_from_db()
    assert not case.overdue, "four working days is within the agreed five"
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.cases_refresh_flags(now=datetime(2026, 3, 10, 12, tzinfo=LONDON))
    case.refresh_from_db()
    assert case.overdue and counts["officer_reminders"] == 1
    assert [m.to for m in mail.outbox] == [[officer.email]]
    with django_capture_on_commit_callbacks(execute=True):
        services.cases_refresh_flags(now=datetime(2026, 3, 11, 12, tzinfo=LONDON))
    assert len(mail.outbox) == 1, "reminded once, not every run"
    with django_capture_on_commit_callbacks(execute=True):
        services.cases_refresh_flags(now=datetime(2026, 3, 16, 12, tzinfo=LONDON))
    assert mail.outbox[-1].to == [manager.email]
    services.case_internal_note(case=case, by=officer, body="Called the member")
    case.refresh_from_db()
    assert not case.overdue, "touching the case clears the flag"


def test_retention_removes_personal_content_and_keeps_statistics(people, submit, settings):
    import hashlib

    from casework.files import CheckedFile

    case = submit(people["member"])
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    data = b"%PDF-1.4 letter"
    services.case_internal_note(
        case=case,
        by=officer,
        body="note",
        files=[
            CheckedFile(
                "l.pdf", "application/pdf", len(data), hashlib.sha256(data).hexdigest(), data
            )
        ],
    )
    path = case.attachments.get().file.path
    services.case_change_status(case=case, new_status=Status.CLOSED, by=officer, outcome="resolved")
    Case.objects.filter(pk=case.pk).update(closed_at=datetime(2020, 1, 10, tzinfo=LONDON))
    fresh = submit(people["member_b"])
    assert services.cases_apply_retention(now=datetime(2026, 1, 9, tzinfo=LONDON)) == 0
    assert services.cases_apply_retention(now=datetime(2026, 1, 11, tzinfo=LONDON)) == 1
    case.refresh_from_db()
    assert case.what_happened == "" and case.member is None and case.employer is None
    assert (case.category, case.outcome, case.region_id) == (
        "discipline",
        "resolved",
        people["member"].membership.region_id,
    )
    assert not case.events.exists() and not case.attachments.exists()
    import os

    assert not os.path.exists(path)
    fresh.refresh_from_db()
    assert fresh.what_happened, "open cases are untouched"


def test_the_case_bundle_pdf_holds_the_case(client, people, submit, tmp_path):
    import subprocess

    case = submit(people["member"])
    services.case_assign(case=case, officer=people["cw_london"], by=people["cw_london"])
    services.case_internal_note(case=case, by=people["cw_london"], body="Bundle note text")
    client.force_login(people["cw_london"])
    response = client.get(reverse("admin:casework_case_bundle", args=[case.pk]))
    assert response.status_code == 200
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert case.reference in text
    assert people["member"].membership.number in text
    assert "SECRET-NARRATIVE" in text and "Bundle note text" in text


def test_the_old_summary_address_leads_to_the_reports(client, people):
    client.force_login(people["manager"])
    response = client.get(reverse("admin:casework_case_summary"))
    assert response.status_code == 302
    assert response["Location"] == "/admin/casework/reports/"


def test_demo_cases_cover_every_state(settings):
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    states = set(Case.objects.values_list("status", flat=True))
    assert states >= {
        Status.DRAFT,
        Status.NEW,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.WAITING_MEMBER,
        Status.LEGAL,
        Status.CLOSED,
    }
    count = Case.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Case.objects.count() == count
