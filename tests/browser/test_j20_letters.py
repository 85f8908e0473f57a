"""Journey 20 (issue 16 §6): an officer opens a case, writes a letter from the "invitation
to a meeting" template (its fields already filled in from the case), edits it, files it,
and sees it on the timeline and in the Letters panel; the member does not see it. The
letter pages pass axe and the Nu checker with nothing found (not only reported). By mouse,
keyboard only and on a 390 px phone."""

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from casework import services
from casework.files import attachment_data
from casework.models import CaseAttachment, EventKind
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE, VNU_JAR, describe_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def nu_errors(paths) -> dict[str, list[str]]:
    done = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    found: dict[str, list[str]] = {}
    for message in json.loads(done.stderr or done.stdout or "{}").get("messages", []):
        found.setdefault(message.get("url", ""), []).append(message.get("message", ""))
    return found


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_officer_writes_and_files_an_invitation_to_a_meeting(portal, mode):
    journey = portal.journey("j20-letters", mode)
    member = portal.member(region=region("london"), user__first_name="Ann", user__last_name="Lee")
    officer, secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="discipline",
            employer=member.membership.employer,
            what_happened="I have been invited to a disciplinary hearing.",
            desired_outcome="Representation.",
            hearing_date=date(2031, 3, 14),
        ),
    )
    services.case_assign(case=case, officer=officer, by=officer)

    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.goto(f"/admin/casework/case/{case.pk}/change/", "admin-case")
    assert "No letters filed yet." in staff.page.inner_text(".field-letters_panel")
    staff.press(".field-letters_panel a[href$='/letter/']")
    checked = [staff.check("admin-letter")]

    staff.select("#choose_template", "Invitation to a meeting")
    staff.press(".letter-choose button[type=submit]")
    checked.append(staff.check("admin-letter-preview"))
    text = staff.page.input_value("#id_body")
    assert text.startswith("Dear Ann Lee,")
    assert case.reference in text and "14 March 2031" in text and "{" not in text
    staff.fill(
        "#id_body",
        text.replace("Yours sincerely,", "I will call you on Monday.\n\nYours sincerely,"),
    )
    staff.submit(".letter-file button[type=submit]")

    staff.check("admin-case-letter-filed")
    assert "is filed on the timeline" in staff.page.inner_text(".messagelist")
    timeline = staff.page.inner_text(".case-timeline")
    assert "Letter filed" in timeline and "Invitation to a meeting" in timeline
    assert "only officers see this" in timeline
    letter = CaseAttachment.objects.get(case=case, event__kind=EventKind.LETTER)
    panel = staff.page.locator(".field-letters_panel")
    assert letter.name in panel.inner_text()
    link = f".field-letters_panel a[href$='/files/{letter.pk}/']"
    assert staff.page.locator(link).count() == 1
    with staff.page.expect_download() as download:
        staff.press(link, navigates=False)
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    assert attachment_data(letter).startswith(b"%PDF-") and not letter.shared_with_member

    # The letter pages themselves: nothing from axe or the Nu checker.
    for result in checked:
        assert result.axe == [], f"{result.name}:\n{describe_axe(result.axe)}"
    errors = nu_errors([r.html_path for r in checked])
    assert not any(errors.values()), errors

    # The member sees nothing of it.
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, prefix="member-")
    page = you.page.goto(f"{you.base_url}/cases/{case.reference}/")
    assert page.status == 200
    assert letter.name not in you.page.inner_text("body")
