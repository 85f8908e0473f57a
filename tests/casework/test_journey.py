"""The whole journey over HTTP: ask, triage, reply, answer, close; another region sees
nothing; the access record shows every step."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.models import AccessAction, Case, CaseAccess, Status
from tests.casework.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


def test_ask_triage_reply_answer_close(client, people):
    member, officer, elsewhere = people["member"], people["cw_london"], people["cw_wales"]
    client.force_login(member)
    client.post(
        reverse("casework:new"),
        {
            "category": "grievance",
            "employer": member.membership.employer.label,
            "what_happened": "Bullying by a line manager.",
            "desired_outcome": "It stops.",
            "problem_started_on": "2025-01-10",
            "attachments": [SimpleUploadedFile("diary.pdf", PDF_BYTES)],
            "action": "submit",
        },
    )
    case = Case.objects.get()

    client.force_login(officer)
    queue = client.get(reverse("admin:casework_case_changelist"), {"assigned": "none"})
    assert case.reference in queue.content.decode()
    change = reverse("admin:casework_case_change", args=[case.pk])
    client.get(change)
    client.post(
        change,
        {
            "priority": "normal",
            "assign_to": officer.pk,
            "message": "I will help you. When did it start?",
            "await_reply": "on",
        },
    )

    client.force_login(member)
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert "I will help you. When did it start?" in page
    client.post(reverse("casework:detail", args=[case.reference]), {"message": "In January."})

    client.force_login(officer)
    client.post(
        change,
        {
            "priority": "normal",
            "new_status": "closed",
            "outcome": "resolved",
            "outcome_note": "Informal resolution agreed.",
        },
    )
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "resolved")

    client.force_login(elsewhere)
    assert client.get(change).status_code == 404
    listing = client.get(reverse("admin:casework_case_changelist"), {"q": case.reference})
    assert f"/admin/casework/case/{case.pk}/change/" not in listing.content.decode()
    attachment = case.attachments.get()
    file_url = reverse("admin:casework_case_file", args=[case.pk, attachment.pk])
    assert client.get(file_url).status_code == 404
    assert client.get(reverse("casework:detail", args=[case.reference])).status_code == 404

    steps = list(
        CaseAccess.objects.filter(case=case).order_by("at", "id").values_list("user_id", "action")
    )
    assert (member.pk, AccessAction.VIEW) in steps
    assert (officer.pk, AccessAction.VIEW) in steps
    assert steps.count((officer.pk, AccessAction.CHANGE)) == 2
    assert (member.pk, AccessAction.CHANGE) in steps
