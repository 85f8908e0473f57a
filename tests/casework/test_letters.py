"""Letters from templates: only the letter fields are filled in (anything else refused when
a template is saved and when a letter is filed), the letter is a PDF on the union's
letterhead filed on the timeline, internal unless shared, and only for an officer who may
work the case."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import letters, services
from casework.files import attachment_data
from casework.models import CaseAttachment, CaseEvent, EventKind, LetterTemplate
from portal.communications.models import Delivery


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


@pytest.fixture
def case(people, submit):
    case = submit(people["member"], hearing_date=date(2031, 3, 14))
    services.case_assign(case=case, officer=people["cw_london"], by=people["cw_london"])
    return case


@pytest.fixture
def invitation(db):
    return LetterTemplate.objects.get(title="Invitation to a meeting")


def letter_url(case):
    return reverse("admin:casework_case_letter", args=[case.pk])


def test_the_four_standard_templates_are_there_and_use_only_letter_fields(db):
    kinds = set(LetterTemplate.objects.values_list("kind", flat=True))
    assert kinds >= {"meeting_invitation", "grievance", "appeal", "subject_access_request"}
    for template in LetterTemplate.objects.all():
        assert letters.letter_field_problem(template.body) is None, template.title


def test_fields_are_filled_from_the_case(case, people, invitation):
    text = letters.letter_text(
        case=case, officer=people["cw_london"], body=invitation.body, today=date(2031, 3, 1)
    )
    member = people["member"]
    assert f"Dear {member.get_full_name()}," in text
    assert case.reference in text
    assert "14 March 2031" in text
    assert member.membership.employer.name in text
    assert "{" not in text
    every = " ".join("{" + name + "}" for name in letters.LETTER_FIELDS)
    filled = letters.letter_text(case=case, officer=people["cw_london"], body=every)
    assert member.membership.number in filled and "Lon Don" in filled and "{" not in filled


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Dear {first_name}", "{first_name}"),
        ("{member.email}", "{member.email}"),
        ("{{ member_name }}", "{ member_name }"),
        ("Dear {member_name}, { password }", "{ password }"),
    ],
)
def test_a_field_a_letter_may_not_name_is_refused_with_its_name(case, people, body, named):
    with pytest.raises(ValidationError) as refused:
        letters.letter_text(case=case, officer=people["cw_london"], body=body)
    assert refused.value.messages[0].endswith(f"Correct or remove: {named}.")


def test_saving_a_template_with_an_unknown_field_is_refused_and_nothing_saved(client, people):
    client.force_login(people["manager"])
    url = reverse("admin:casework_lettertemplate_add")
    response = client.post(
        url,
        {"title": "Leaky", "kind": "other", "body": "Dear {member_name}, {member_email}"},
    )
    assert response.status_code == 200
    assert "{member_email}" in response.content.decode()
    assert not LetterTemplate.objects.filter(title="Leaky").exists()
    response = client.post(
        url,
        {"title": "Fine", "kind": "other", "body": "Dear {member_name},", "active": "on"},
    )
    assert response.status_code == 302
    saved = LetterTemplate.objects.get(title="Fine")
    assert saved.updated_by == people["manager"]


def test_only_managers_keep_the_templates(client, people):
    client.force_login(people["cw_london"])
    assert client.get(reverse("admin:casework_lettertemplate_changelist")).status_code == 200
    assert client.get(reverse("admin:casework_lettertemplate_add")).status_code == 403
    client.force_login(people["publisher"])
    assert client.get(reverse("admin:casework_lettertemplate_changelist")).status_code == 403


def test_the_officer_sees_the_letter_filled_in_to_edit(client, case, people, invitation):
    client.force_login(people["cw_london"])
    page = client.get(letter_url(case))
    assert page.status_code == 200 and "Invitation to a meeting" in page.content.decode()
    page = client.get(letter_url(case), {"template": invitation.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<textarea" in html and f"Dear {people['member'].get_full_name()}," in html
    assert "14 March 2031" in html and "{member_name}" not in html


def test_filing_a_letter_puts_its_pdf_on_the_timeline_for_officers_only(
    client, case, people, invitation, tmp_path
):
    client.force_login(people["cw_london"])
    response = client.post(
        letter_url(case),
        {"template": invitation.pk, "body": "Dear member,\n\nPlease come on {hearing_date}."},
    )
    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, kind=EventKind.LETTER)
    assert event.author == people["cw_london"] and not event.visible_to_member
    (attachment,) = event.attachments.all()
    assert attachment.content_type == "application/pdf" and not attachment.shared_with_member
    with attachment.file.open("rb") as handle:
        assert not handle.read().startswith(b"%PDF"), "stored encrypted"
    data = attachment_data(attachment)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert "Education Union" in text and case.reference in text
    assert "Please come on 14 March 2031." in text
    assert "Lon Don" in text and "Caseworker" in text
    # The case screen lists it, with its download link, and the timeline shows it.
    screen = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    assert reverse("admin:casework_case_file", args=[case.pk, attachment.pk]) in screen
    assert "Write a letter" in screen and "Letter filed" in screen
    download = client.get(reverse("admin:casework_case_file", args=[case.pk, attachment.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    # The member sees neither the entry nor the file.
    client.force_login(people["member"])
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert attachment.name not in page and "Letter filed" not in page
    member_file = reverse("casework:attachment", args=[case.reference, attachment.pk])
    assert client.get(member_file).status_code == 404


def test_a_shared_letter_is_the_members_to_read_and_they_are_told(client, case, people, invitation):
    client.force_login(people["cw_london"])
    before = Delivery.objects.filter(user=people["member"]).count()
    response = client.post(
        letter_url(case), {"template": invitation.pk, "body": "Dear member,", "share": "on"}
    )
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get(case=case, event__kind=EventKind.LETTER)
    assert attachment.shared_with_member and attachment.event.visible_to_member
    notices = Delivery.objects.filter(user=people["member"]).order_by("-id")
    assert notices.count() == before + 1
    assert notices.first().notification == "case_message"
    assert "Dear member" not in str(notices.first().context)
    client.force_login(people["member"])
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert attachment.name in page
    member_file = reverse("casework:attachment", args=[case.reference, attachment.pk])
    assert client.get(member_file).status_code == 200


def test_an_officer_who_may_not_see_the_case_gets_404_and_files_nothing(
    client, case, people, invitation
):
    for officer in ("cw_wales", "publisher"):
        client.force_login(people[officer])
        assert client.get(letter_url(case)).status_code == 404
        assert client.get(letter_url(case), {"template": invitation.pk}).status_code == 404
        response = client.post(letter_url(case), {"template": invitation.pk, "body": "Dear x"})
        assert response.status_code == 404
    client.force_login(people["cw_london"])
    assert client.get(reverse("admin:casework_case_letter", args=[987654])).status_code == 404
    assert client.get("/admin/casework/case/not-a-number/letter/").status_code == 404
    assert not CaseEvent.objects.filter(kind=EventKind.LETTER).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"template": "987654", "body": "Dear member"}, "Choose a letter template"),
        ({"template": "not-a-number", "body": "Dear member"}, "Choose a letter template"),
        ({"body": "Dear member"}, "This field is required"),
        ({"template": "INVITATION", "body": ""}, "Write the letter."),
        ({"template": "INVITATION", "body": "   \n  "}, "Write the letter."),
        ({"template": "INVITATION", "body": "Dear {member_email}"}, "{member_email}"),
        ({"template": "INVITATION", "body": "x" * 20001}, "at most 20000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_filed(
    client, case, people, invitation, data, error
):
    if data.get("template") == "INVITATION":
        data = {**data, "template": invitation.pk}
    client.force_login(people["cw_london"])
    before = CaseAttachment.objects.count()
    response = client.post(letter_url(case), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CaseEvent.objects.filter(kind=EventKind.LETTER).exists()
    assert CaseAttachment.objects.count() == before


@pytest.mark.parametrize("template", ["987654", "x", ""])
def test_an_unknown_template_in_the_address_is_a_clear_400(client, case, people, template):
    client.force_login(people["cw_london"])
    response = client.get(letter_url(case), {"template": template})
    assert response.status_code == 400
    assert "Choose a" in response.content.decode()


def test_an_inactive_template_is_not_offered_nor_filed(client, case, people, invitation):
    invitation.active = False
    invitation.save()
    client.force_login(people["cw_london"])
    assert client.get(letter_url(case), {"template": invitation.pk}).status_code == 400
    response = client.post(letter_url(case), {"template": invitation.pk, "body": "Dear x"})
    assert response.status_code == 400
    assert not CaseEvent.objects.filter(kind=EventKind.LETTER).exists()


def test_the_service_refuses_an_officer_who_may_not_work_the_case(case, people, invitation):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.case_file_letter(
            case=case, by=people["cw_wales"], template=invitation, body="Dear member"
        )
    assert not CaseEvent.objects.filter(kind=EventKind.LETTER).exists()
