"""Members ask for help, follow their case, reply, withdraw and complain."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework import forms as case_forms
from casework import services
from casework.files import TYPE_REFUSED
from casework.models import AccessAction, Case, CaseAttachment, CaseEvent, Status
from tests.casework.conftest import EXE_BYTES, PDF_BYTES

pytestmark = pytest.mark.django_db


def form_data(member, **overrides):
    data = {
        "category": "discipline",
        "employer": member.membership.employer.label,
        "employer_kind": "",
        "what_happened": "My manager shouted at me in front of pupils.",
        "desired_outcome": "An apology and a fair process.",
        "problem_started_on": "2025-03-01",
        "hearing_date": "",
        "other_party_name": "",
        "other_party_number": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_a_member_asks_for_help_with_files_and_gets_a_reference(client, people):
    member = people["member"]
    client.force_login(member)
    page = client.get(reverse("casework:new")).content.decode()
    assert "Up to 5 files at a time, 10 MB each" in page, "limits are shown before upload"
    assert f'value="{member.membership.employer.label}"' in page, "employer prefilled"
    files = [
        SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf"),
        SimpleUploadedFile("notes.txt", b"Meeting notes\n", content_type="text/plain"),
    ]
    response = client.post(reverse("casework:new"), {**form_data(member), "attachments": files})
    assert response.status_code == 302
    case = Case.objects.get(member=member)
    assert re.fullmatch(r"CW-\d{4}-\d{6}", case.reference)
    assert response["Location"] == reverse("casework:submitted", args=[case.reference])
    assert case.status == Status.NEW and case.region == member.membership.region
    assert sorted(a.name for a in case.attachments.all()) == ["letter.pdf", "notes.txt"]
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and "What happens next" in page
    listing = client.get(reverse("casework:list")).content.decode()
    assert case.reference in listing and "Received" in listing


def test_emails_say_something_is_waiting_but_never_what(
    client, people, submit, django_capture_on_commit_callbacks
):
    member = people["member"]
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(member)
        services.case_assign(case=case, officer=people["cw_london"], by=people["cw_london"])
        services.case_officer_message(
            case=case, by=people["cw_london"], body="CONFIDENTIAL-REPLY about your hearing"
        )
    to_member = [m for m in mail.outbox if m.to == [member.email]]
    assert len(to_member) >= 3
    for message in mail.outbox:
        text = message.subject + message.body
        assert "SECRET-NARRATIVE" not in text and "CONFIDENTIAL-REPLY" not in text
        assert "Discipline" not in text
    assert any(case.reference in m.subject and "/cases/" in m.body for m in to_member)


def test_a_draft_is_saved_edited_and_then_sent(client, people):
    member = people["member"]
    client.force_login(member)
    response = client.post(
        reverse("casework:new"), form_data(member, what_happened="", action="draft")
    )
    draft = Case.objects.get(member=member)
    assert draft.status == Status.DRAFT and draft.reference is None
    assert response["Location"] == reverse("casework:detail", args=[draft.pk])
    assert client.get(reverse("casework:detail", args=[draft.pk])).status_code == 302
    edit = reverse("casework:edit", args=[draft.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, form_data(member))
    draft.refresh_from_db()
    assert draft.status == Status.NEW and draft.reference
    assert not access_officers_see_drafts(people)


def access_officers_see_drafts(people):
    from casework.access import cases_visible_to

    services.case_save_draft(
        member=people["member_b"],
        details=services.CaseDetails(
            category="pay", employer=None, what_happened="", desired_outcome=""
        ),
    )
    return cases_visible_to(people["manager"]).filter(status=Status.DRAFT).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"category": ""}, "category", "This field is required."),
        ({"category": "astrology"}, "category", "Select a valid choice"),
        ({"what_happened": ""}, "what_happened", case_forms.REQUIRED_TO_SUBMIT),
        ({"desired_outcome": "   "}, "desired_outcome", case_forms.REQUIRED_TO_SUBMIT),
        ({"hearing_date": "2001-01-01"}, "hearing_date", case_forms.HEARING_IN_PAST),
        ({"hearing_date": "31/02/2026"}, "hearing_date", "Enter a valid date."),
        ({"problem_started_on": "2999-01-01"}, "problem_started_on", case_forms.STARTED_IN_FUTURE),
        ({"other_party_number": "12345678"}, "other_party_number", case_forms.NUMBER_INVALID),
        ({"employer": "Nowhere In Particular"}, "employer_kind", case_forms.EMPLOYER_UNKNOWN),
        ({"what_happened": "x" * 20001}, "what_happened", "at most 20000 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, people, overrides, field, message):
    member = people["member"]
    client.force_login(member)
    response = client.post(reverse("casework:new"), form_data(member, **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message.replace("'", "&#x27;") in page or message in page
    assert not Case.objects.exists()
    if field != "what_happened":
        assert "My manager shouted at me in front of pupils." in page, "what they typed is kept"


def test_a_program_disguised_as_a_pdf_is_refused_and_the_text_kept(client, people):
    member = people["member"]
    client.force_login(member)
    fake = SimpleUploadedFile("contract.pdf", EXE_BYTES, content_type="application/pdf")
    response = client.post(reverse("casework:new"), {**form_data(member), "attachments": [fake]})
    assert response.status_code == 400
    page = response.content.decode()
    assert TYPE_REFUSED.format(name="contract.pdf").replace("“", "&ldquo;")[:20] in page or (
        "is not a PDF, Word document, image or plain text file" in page
    )
    assert "My manager shouted at me in front of pupils." in page
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_a_docx_that_is_really_a_zip_of_something_else_is_refused(client, people):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXE_BYTES)
    member = people["member"]
    client.force_login(member)
    fake = SimpleUploadedFile("letter.docx", buffer.getvalue())
    response = client.post(reverse("casework:new"), {**form_data(member), "attachments": [fake]})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_too_many_or_too_big_files_are_refused(client, people, settings):
    member = people["member"]
    client.force_login(member)
    many = [SimpleUploadedFile(f"n{i}.txt", b"note\n") for i in range(6)]
    response = client.post(reverse("casework:new"), {**form_data(member), "attachments": many})
    assert response.status_code == 400
    assert "You can attach up to 5 files at a time." in response.content.decode()
    settings.CASEWORK_MAX_FILE_MB = 1
    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
    response = client.post(reverse("casework:new"), {**form_data(member), "attachments": [big]})
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Case.objects.exists()


def test_file_names_are_cleaned_and_types_come_from_the_content(client, people):
    member = people["member"]
    client.force_login(member)
    upload = SimpleUploadedFile(
        "../../etc/pass<wd>.exe", b"plain words\n", content_type="image/png"
    )
    client.post(reverse("casework:new"), {**form_data(member), "attachments": [upload]})
    attachment = CaseAttachment.objects.get()
    assert attachment.name == "passwd.txt"
    assert attachment.content_type == "text/plain"


def test_the_member_reads_replies_and_answers_with_a_file(
    client, people, submit, django_capture_on_commit_callbacks
):
    member, officer = people["member"], people["cw_london"]
    case = submit(member)
    services.case_assign(case=case, officer=officer, by=officer)
    services.case_officer_message(
        case=case, by=officer, body="Please send the letter.", await_reply=True
    )
    services.case_internal_note(case=case, by=officer, body="INTERNAL-ONLY note")
    client.force_login(member)
    url = reverse("casework:detail", args=[case.reference])
    page = client.get(url).content.decode()
    assert "Please send the letter." in page
    assert "INTERNAL-ONLY" not in page
    assert "Waiting for you" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"message": "Here it is.", "attachments": [SimpleUploadedFile("l.pdf", PDF_BYTES)]},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    replies = CaseEvent.objects.filter(case=case, kind="member_message")
    assert [e.body for e in replies] == ["Here it is."]
    assert any(m.to == [officer.email] for m in mail.outbox)


def test_an_empty_reply_is_refused(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["member"])
    response = client.post(reverse("casework:detail", args=[case.reference]), {"message": " "})
    assert response.status_code == 400
    assert not CaseEvent.objects.filter(kind="member_message").exists()


def test_the_member_withdraws_and_can_no_longer_reply(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["member"])
    client.post(reverse("casework:withdraw", args=[case.reference]), {"reason": "Sorted it out"})
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "withdrawn")
    client.post(reverse("casework:detail", args=[case.reference]), {"message": "one more"})
    assert not CaseEvent.objects.filter(kind="member_message").exists()


def test_a_complaint_goes_to_managers_not_the_officer(
    client, people, submit, django_capture_on_commit_callbacks
):
    member, officer, manager = people["member"], people["cw_london"], people["manager"]
    case = submit(member)
    services.case_assign(case=case, officer=officer, by=officer)
    mail.outbox.clear()
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("casework:complaint", args=[case.reference]),
            {"complaint": "Nobody calls back"},
        )
    case.refresh_from_db()
    assert case.complaint_open
    assert [m.to for m in mail.outbox] == [[manager.email]]
    from casework.access import officer_visible_events

    assert not officer_visible_events(officer, case).filter(kind="complaint").exists()
    assert officer_visible_events(manager, case).filter(kind="complaint").exists()


def test_member_views_and_downloads_are_recorded(client, people, submit):
    member = people["member"]
    client.force_login(member)
    client.post(
        reverse("casework:new"),
        {**form_data(member), "attachments": [SimpleUploadedFile("a.pdf", PDF_BYTES)]},
    )
    case = Case.objects.get()
    attachment = case.attachments.get()
    client.get(reverse("casework:detail", args=[case.reference]))
    response = client.get(reverse("casework:attachment", args=[case.reference, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    actions = list(case.access_log.values_list("action", flat=True))
    assert AccessAction.VIEW in actions and AccessAction.DOWNLOAD in actions
    assert case.access_log.filter(ip="127.0.0.1").exists()


def test_member_case_list_queries_do_not_grow(
    client, people, submit, django_assert_max_num_queries
):
    member = people["member"]
    submit(member)
    client.force_login(member)
    with django_assert_max_num_queries(15) as first:
        client.get(reverse("casework:list"))
    for _ in range(8):
        submit(member)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("casework:list"))
    assert page.content.decode().count("CW-") >= 9


def test_the_eligibility_period_flags_but_does_not_refuse(client, people):
    member = people["member"]
    membership = member.membership
    membership.joined_on = timezone.localdate() - timedelta(days=10)
    membership.save()
    client.force_login(member)
    started = (timezone.localdate() - timedelta(days=20)).isoformat()
    response = client.post(reverse("casework:new"), form_data(member, problem_started_on=started))
    assert response.status_code == 302
    case = Case.objects.get()
    assert "before the member had been in membership for 28 days" in case.eligibility_concern


def test_naming_another_member_restricts_the_case(client, people):
    member, other = people["member"], people["member_b"]
    client.force_login(member)
    client.post(
        reverse("casework:new"),
        form_data(
            member,
            other_party_name="My head of department",
            other_party_number=other.membership.number,
        ),
    )
    case = Case.objects.get()
    assert case.restricted and case.other_party == other


def test_the_case_page_puts_the_newest_reply_first_with_a_banner_in_member_words(
    client, people, submit
):
    member, officer = people["member"], people["cw_london"]
    case = submit(member)
    client.force_login(member)
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert "New reply" not in page
    assert "No officer is on your case yet" in page
    assert "the officer handling your case" not in page, "no officer named while none is"

    services.case_assign(case=case, officer=officer, by=officer)
    services.case_officer_message(
        case=case, by=officer, body="First line.\nSecond line.", await_reply=True
    )
    services.case_internal_note(case=case, by=officer, body="INTERNAL-ONLY note")
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert "New reply from Lon Don" in page
    assert "We are waiting for your reply" in page
    assert "Waiting on member" not in page
    assert "INTERNAL-ONLY" not in page
    assert "Your message goes to Lon Don, the officer handling your case." in page
    # Newest first: the officer's reply comes before the member's request on the timeline.
    timeline = page[page.index('class="timeline"') :]
    assert timeline.index("Lon Don wrote") < timeline.index("You sent your request")
    # Line breaks are kept (white-space: pre-wrap in the member's stylesheet).
    assert '<p class="prewrap">First line.\nSecond line.</p>' in page
    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    assert re.search(r"\.prewrap\s*\{[^}]*white-space:\s*pre-wrap", css)

    response = client.post(
        reverse("casework:detail", args=[case.reference]), {"message": "Line A\nLine B"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "Your message is sent to Lon Don, the officer handling your case." in page
    assert "New reply" not in page, "the member has answered"
    timeline = page[page.index('class="timeline"') :]
    assert timeline.index("You wrote") < timeline.index("Your officer is working on your case"), (
        "a message stays above the status change it caused"
    )
    assert '<p class="prewrap">Line A\nLine B</p>' in page


def test_a_reply_without_an_officer_says_who_will_read_it(client, people, submit):
    member = people["member"]
    case = submit(member)
    client.force_login(member)
    response = client.post(
        reverse("casework:detail", args=[case.reference]), {"message": "More detail"}, follow=True
    )
    page = response.content.decode()
    assert "No officer is on your case yet: the officer who takes it will read it." in page
    assert "sent to your officer" not in page


def test_the_case_list_shows_the_last_update_the_member_can_see(client, people, submit):
    member, officer = people["member"], people["cw_london"]
    case = submit(member)
    visible_at = timezone.now() - timedelta(days=3)
    case.events.update(created_at=visible_at)
    services.case_internal_note(case=case, by=officer, body="internal work today")
    client.force_login(member)
    page = client.get(reverse("casework:list")).content.decode()
    assert "Last update" in page
    row = page[page.index(case.reference) :]
    row = row[: row.index("</tr>")]
    assert timezone.localtime(visible_at).strftime("%-d %b %Y") in row
    assert timezone.localdate().strftime("%-d %b %Y") not in row.split("</td>")[3], (
        "an internal note is not an update the member sees"
    )


def test_the_hearing_date_is_asked_near_the_top_of_the_form(client, people):
    client.force_login(people["member"])
    page = client.get(reverse("casework:new")).content.decode()
    assert page.index('id="id_hearing_date"') < page.index('id="id_what_happened"')
