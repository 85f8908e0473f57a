"""Journey 21 (issue 16, items 7 and 9): a member complains about how their case is
handled; a casework manager finds it in the complaints list, takes it, answers it and
closes it with an outcome; the member reads the answer on their case page; the manager
opens the service reports (charts with their tables) and a bad month is refused. The
reports and complaint pages are checked with axe and the Nu checker here, strictly, although
they are admin pages. By mouse, keyboard only and on a 390 px phone."""

import json
import subprocess

import pytest

from casework import complaints, services
from casework.models import Complaint
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE, VNU_JAR, describe_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1366, "height": 768}


def strict(result):
    """axe and the Nu checker find nothing on this page (admin or not)."""
    assert not result.axe, f"axe on {result.url}:\n{describe_axe(result.axe)}"
    done = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", str(result.html_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    errors = json.loads(done.stderr or '{"messages": []}')["messages"]
    assert not errors, f"Nu on {result.url}:\n" + "\n".join(
        f"- line {e.get('lastLine')}: {e['message']}" for e in errors
    )


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_complaint_is_answered_and_closed_and_the_reports_open(portal, mode):
    journey = portal.journey("j21-complaints-reports", mode)
    member = portal.member(region=region("london"), user__first_name="Ada", user__last_name="Moss")
    officer, _ = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    manager, secret = portal.officer(Role.CASEWORK_MANAGER, first_name="Mia", last_name="Grey")
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="pay",
            employer=member.membership.employer,
            what_happened="My pay rise was not applied.",
            desired_outcome="Back pay.",
        ),
    )
    services.case_assign(case=case, officer=officer, by=officer)

    # The member complains from their case page.
    you = portal.actor(journey, "member")
    if mode != PHONE:
        you.page.set_viewport_size(DESKTOP)
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.goto(f"/cases/{case.reference}/", "case")
    you.press("details.complaint summary", navigates=False)
    you.fill("#id_complaint", "Nobody has called me back in three weeks.")
    you.press("details.complaint button[type=submit]")
    you.check("case-complained")
    assert "Received – a casework manager will acknowledge it" in you.text()
    complaint = Complaint.objects.get(case=case)
    assert complaint.about_officer == officer

    # A manager finds it, takes it, answers it and closes it.
    staff = portal.actor(journey, "manager")
    if mode != PHONE:
        staff.page.set_viewport_size(DESKTOP)
    staff.log_in(manager.email, PASSWORD, secret=secret, prefix="manager-")
    staff.goto("/admin/casework/complaint/?state=open", "admin-complaints")
    link = f"#result_list a[href*='/admin/casework/complaint/{complaint.pk}/change/']"
    staff.press(link)
    strict(staff.check("admin-complaint"))
    assert "Nobody has called me back" in staff.text()
    staff.press(".complaint-actions form:has(input[value=take]) button")
    staff.check("admin-complaint-taken")
    assert "You own this complaint now." in staff.text()
    staff.fill(
        "#id_complaint_response",
        "I am sorry. Your officer will call you tomorrow, and I will check that they do.",
    )
    staff.press(".complaint-respond button")
    staff.check("admin-complaint-answered")
    staff.select("#id_complaint_outcome", "Upheld")
    staff.press(".complaint-actions form:has(select) button")
    strict(staff.check("admin-complaint-closed"))
    complaint.refresh_from_db()
    assert complaint.outcome == "upheld" and complaint.owner == manager
    assert complaints.complaint_handling_problem(complaint, manager) == complaints.COMPLAINT_CLOSED

    # The member reads the answer.
    you.goto(f"/cases/{case.reference}/", "case-complaint-answered")
    page = you.text()
    assert "Your officer will call you tomorrow" in page
    assert "Closed: Upheld" in page
    assert "A casework manager answered your complaint" in page

    # The manager opens the service reports; a bad month is refused with the reason.
    staff.goto("/admin/casework/reports/")
    strict(staff.check("admin-reports"))
    text = staff.text()
    assert "Time to first response" in text and "Time to close" in text
    assert staff.page.locator("svg[role=img]").count() == 4
    staff.goto("/admin/casework/reports/?from=2026-13", "admin-reports-bad-month", status=400)
    assert "Give a month as YYYY-MM" in staff.text()
