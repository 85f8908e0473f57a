"""The officers' case screen in the admin: one work form, one transaction; a reply and an
internal note each with their own files; the officer's own work on the admin home."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework import services
from casework.files import CheckedFile
from casework.models import AccessAction, CaseAccess, CaseAttachment, EventKind, Status
from portal.accounts.roles import Role
from tests.casework.conftest import PDF_BYTES
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

SUCCESS = "was changed successfully"


def checked(name: str) -> CheckedFile:
    return CheckedFile(
        name, "application/pdf", len(PDF_BYTES), hashlib.sha256(PDF_BYTES).hexdigest(), PDF_BYTES
    )


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def admin_post(client, case, **data):
    url = reverse("admin:casework_case_change", args=[case.pk])
    payload = {"priority": case.priority, "_continue": "1"}
    payload.update(data)
    return client.post(url, payload, follow=True)


def field_row(page: str, field: str) -> str:
    """The admin's form row of one field, errors included."""
    match = re.search(
        rf'<div class="form-row[^"]*field-{field}[^"]*">(.*?)</div>\s*</div>\s*</div>', page, re.S
    )
    assert match, f"no row for {field}"
    return match.group(1)


# --- One submission, one transaction ------------------------------------------------------


def test_the_work_service_keeps_nothing_when_a_late_step_is_refused(people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    with pytest.raises(ValidationError) as refused:
        services.case_officer_update(
            case=case,
            officer=officer,
            priority="high",
            assign_to=officer,
            status=Status.CLOSED,
            outcome="",
            message="We are closing your case.",
            message_files=[checked("letter.pdf")],
            note="Closing: member stopped answering.",
            note_files=[checked("memo.pdf")],
        )
    assert refused.value.message_dict == {"outcome": [services.OUTCOME_REQUIRED]}
    case.refresh_from_db()
    assert (case.status, case.assigned_to, case.priority) == (Status.NEW, None, "normal")
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]
    assert not CaseAttachment.objects.exists()
    assert not CaseAccess.objects.filter(action=AccessAction.CHANGE).exists()


def test_the_work_service_names_the_step_it_refused(people, submit):
    case = submit(people["member"])
    services.case_change_status(
        case=case, new_status=Status.CLOSED, by=people["manager"], outcome="resolved"
    )
    with pytest.raises(ValidationError) as refused:
        services.case_officer_update(
            case=case, officer=people["manager"], note="Still thinking.", message="Hello"
        )
    assert refused.value.message_dict == {"message": [services.CASE_NOT_OPEN]}
    with pytest.raises(ValidationError) as refused:
        services.case_officer_update(
            case=case, officer=people["manager"], message_files=[checked("a.pdf")]
        )
    assert refused.value.message_dict == {"message": [services.REPLY_FILES_NEED_MESSAGE]}
    assert not case.events.filter(kind=EventKind.NOTE).exists()


def test_a_refused_work_form_saves_nothing_and_says_nothing_succeeded(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    response = admin_post(
        client,
        case,
        assign_to=officer.pk,
        new_status=Status.CLOSED,
        message="We are closing your case.",
        note="Closing: member stopped answering.",
        note_files=[upload("memo.pdf")],
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert SUCCESS not in page
    assert services.OUTCOME_REQUIRED in field_row(page, "outcome")
    assert "We are closing your case." in page, "what the officer typed is kept"
    assert "Assigned to" not in page.split('class="case-timeline"')[1].split("</ol>")[0]
    case.refresh_from_db()
    assert (case.status, case.assigned_to) == (Status.NEW, None)
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]
    assert not CaseAttachment.objects.exists()


def test_a_work_form_the_service_refuses_shows_the_error_at_its_field(client, people, submit):
    """The rules are the service's alone: a refusal only the service finds (the reply's
    files without a reply) is shown next to the field, and nothing is kept."""
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    response = admin_post(
        client,
        case,
        assign_to=people["cw_london"].pk,
        note="Files from the employer.",
        message_files=[upload("letter.pdf")],
    )
    page = response.content.decode()
    assert SUCCESS not in page
    assert services.REPLY_FILES_NEED_MESSAGE in field_row(page, "message")
    case.refresh_from_db()
    assert case.assigned_to is None
    assert not case.events.filter(kind=EventKind.NOTE).exists()


def test_an_accepted_work_form_saves_every_step(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    response = admin_post(
        client,
        case,
        assign_to=officer.pk,
        message="I will help you.",
        await_reply="on",
        note="Member sounded anxious.",
    )
    assert SUCCESS in response.content.decode()
    case.refresh_from_db()
    assert (case.assigned_to, case.status) == (officer, Status.WAITING_MEMBER)
    kinds = set(case.events.values_list("kind", flat=True))
    assert {EventKind.ASSIGNED, EventKind.OFFICER_MESSAGE, EventKind.NOTE} <= kinds
    assert CaseAccess.objects.filter(case=case, action=AccessAction.CHANGE).count() == 1


# --- A reply and an internal note, each with its own files --------------------------------


def test_only_the_replys_files_reach_the_member(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    services.case_officer_update(
        case=case,
        officer=officer,
        message="Here is the letter to your head.",
        message_files=[checked("letter-for-you.pdf")],
        note="Our legal view: weak case.",
        note_files=[checked("internal-advice.pdf")],
    )
    shared = dict(CaseAttachment.objects.values_list("name", "shared_with_member"))
    assert shared == {"letter-for-you.pdf": True, "internal-advice.pdf": False}
    message = case.events.get(kind=EventKind.OFFICER_MESSAGE)
    note = case.events.get(kind=EventKind.NOTE)
    assert [a.name for a in message.attachments.all()] == ["letter-for-you.pdf"]
    assert [a.name for a in note.attachments.all()] == ["internal-advice.pdf"]

    client.force_login(people["member"])
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert "letter-for-you.pdf" in page
    assert "internal-advice.pdf" not in page and "weak case" not in page
    internal = CaseAttachment.objects.get(shared_with_member=False)
    url = reverse("casework:attachment", args=[case.reference, internal.pk])
    assert client.get(url).status_code == 404


def test_the_case_screen_has_two_composers_each_with_its_files(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    page = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    reply = page[page.index("case-reply") : page.index("case-note")]
    note = page[page.index("case-note") :]
    assert "Reply to the member" in reply and 'name="message_files"' in reply
    assert "only officers see this" in note and 'name="note_files"' in note
    assert 'name="files"' not in page
    # An internal file posted with a reply stays internal.
    admin_post(
        client,
        case,
        assign_to=officer.pk,
        message="Thank you, I have your papers.",
        note="Employer's letter, for us.",
        note_files=[upload("employer-letter.pdf")],
    )
    attachment = CaseAttachment.objects.get()
    assert (attachment.name, attachment.shared_with_member) == ("employer-letter.pdf", False)
    assert attachment.event.kind == EventKind.NOTE


def test_the_case_script_is_loaded_after_the_form(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    page = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    tag = re.search(r'<script src="[^"]*casework/admin\.js"[^>]*>', page).group(0)
    assert " defer" in tag


# --- The officer's own work on the admin home ---------------------------------------------


def test_the_admin_home_shows_the_officer_their_work(client, people, submit):
    officer = people["cw_london"]
    mine = [submit(people["member"]) for _ in range(3)]
    for case in mine:
        services.case_assign(case=case, officer=officer, by=people["manager"])
    mine[0].__class__.objects.filter(pk=mine[0].pk).update(urgent=True)
    mine[1].__class__.objects.filter(pk=mine[1].pk).update(overdue=True)
    services.case_officer_message(case=mine[2], by=officer, body="Send the letter?")
    services.case_member_reply(case=mine[2], member=people["member"], body="Here it is.")
    # Assigned to them, but restricted to another officer: they may not see it, so it
    # does not count.
    hidden = submit(people["member_b"])
    services.case_assign(case=hidden, officer=officer, by=people["manager"])
    services.case_restrict(case=hidden, officers=[people["manager"]], by=people["manager"])
    submit(people["member_b"])  # unassigned, in their region
    submit(people["welsh"])  # unassigned, another region

    client.force_login(officer)
    page = client.get(reverse("admin:index")).content.decode()
    queue = reverse("admin:casework_case_changelist")

    def count(label):
        found = re.search(
            r'<a href="([^"]+)"><span class="my-work-count">(\d+)</span> '
            rf'<span class="my-work-label">{label}</span>',
            page,
        )
        assert found, f"no count for {label}"
        return found.group(1).replace("&amp;", "&"), int(found.group(2))

    assert count("My open cases") == (f"{queue}?assigned=me&open=open", 3)
    assert count("Urgent") == (f"{queue}?assigned=me&open=open&flag=urgent", 1)
    assert count("Overdue") == (f"{queue}?assigned=me&open=open&flag=overdue", 1)
    assert count("Replies waiting") == (f"{queue}?assigned=me&open=open&flag=replied", 1)
    assert count("Unassigned")[1] == 1
    listed = client.get(f"{queue}?assigned=me&open=open&flag=replied").content.decode()
    assert mine[2].reference in listed
    assert mine[0].reference not in listed and mine[1].reference not in listed

    # Someone who works no cases sees no casework counts.
    client.force_login(people["publisher"])
    assert "my-work-count" not in client.get(reverse("admin:index")).content.decode()


def test_only_administrators_are_warned_that_files_are_not_scanned(client, people, settings):
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    client.force_login(people["cw_london"])
    assert "not checked for viruses" not in client.get(reverse("admin:index")).content.decode()
    queue = client.get(reverse("admin:casework_case_changelist")).content.decode()
    assert "not checked for viruses" not in queue
    administrator, _ = staff_user(Role.ADMINISTRATOR)
    client.force_login(administrator)
    assert "not checked for viruses" in client.get(reverse("admin:index")).content.decode()


def test_bad_input_to_the_work_form_is_refused_whole(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    with pytest.raises(ValidationError) as refused:
        services.case_officer_update(case=case, officer=officer, status="nonsense", note="x")
    assert refused.value.message_dict == {"status": [services.NOT_A_STATUS]}
    with pytest.raises(ValidationError) as refused:
        services.case_officer_update(case=case, officer=officer, priority="sky-high", note="x")
    assert refused.value.message_dict == {"priority": [services.NOT_A_PRIORITY]}
    client.force_login(officer)
    for bad in (
        {"new_status": "nonsense", "note": "kept?"},
        {"assign_to": "999999", "note": "kept?"},
        {"outcome": "<script>", "new_status": Status.CLOSED, "note": "kept?"},
        {"priority": "sky-high", "note": "kept?"},
        {"note": "kept?", "note_files": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + b"\0" * 64)]},
    ):
        response = admin_post(client, case, **bad)
        page = response.content.decode()
        assert response.status_code == 200 and SUCCESS not in page
        assert "errorlist" in page and "<script>" not in page.split("</head>")[1]
    assert not case.events.filter(kind=EventKind.NOTE).exists()
    # An unknown queue filter filters nothing and lists only what the officer may see.
    queue = reverse("admin:casework_case_changelist")
    assert client.get(f"{queue}?flag=nonsense").status_code == 200
    client.force_login(people["cw_wales"])
    listed = client.get(f"{queue}?flag=replied").content.decode()
    assert case.reference not in listed


def test_a_refused_form_shows_the_case_as_saved(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    client.force_login(officer)
    response = admin_post(
        client, case, new_status=Status.LEGAL, outcome="resolved", legal_reason=" "
    )
    page = response.content.decode()
    assert services.LEGAL_REASON_REQUIRED in field_row(page, "legal_reason")
    details = page.split('<dl class="case-summary">')[2].split("</dl>")[0]
    assert "<dt>Outcome</dt><dd" in details and "Resolved" not in details
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.ASSIGNED, "")


def test_a_refused_work_form_sends_the_member_nothing(
    client, people, submit, django_capture_on_commit_callbacks, mailoutbox
):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_post(
            client,
            case,
            assign_to=officer.pk,
            message="We are closing your case.",
            new_status=Status.CLOSED,
        )
    assert not mailoutbox, "no 'new message' or 'case update' email for a refused form"
