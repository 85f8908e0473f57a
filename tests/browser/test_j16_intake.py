"""Journey 16 (issue 16 §1–2): an officer takes a phone call and opens a case for the
member; the member finds it on their case page. Then the officer corrects the hearing date
and the case turns urgent at the head of the queue. Both by mouse, keyboard only and on a
390 px phone."""

import pytest
from django.utils import timezone

from casework import services
from casework.models import Case
from casework.workdays import add_working_days
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, OVERFLOW_JS, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_an_officer_opens_a_case_for_a_member_who_phoned(portal, mode):
    journey = portal.journey("j16-intake", mode)
    member = portal.member(
        region=region("london"), user__first_name="Priya", user__last_name="Shah"
    )
    officer, secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.goto("/admin/casework/case/")
    staff.press(".object-tools a[href='/admin/casework/case/add/']")
    staff.check("admin-intake-search")
    staff.fill("#id_q", member.membership.number)
    staff.submit("#content-main form[role=search] input[type=submit]")
    staff.check("admin-intake-results")
    staff.press(f"a[href='?member={member.membership.pk}']")
    staff.check("admin-intake-form")
    # Sent without saying how the member asked: refused, nothing saved.
    staff.select("#id_category", "Discipline")
    staff.fill("#id_what_happened", "Phoned: invited to a disciplinary meeting.")
    staff.fill("#id_desired_outcome", "A rep at the meeting.")
    staff.submit("#content-main input[type=submit].default")
    staff.check("admin-intake-refused", status=400)
    assert "How did the member ask?" in staff.page.inner_text("#error-summary")
    assert not Case.objects.filter(member=member).exists()
    staff.select("#id_channel", "By phone")
    staff.submit("#content-main input[type=submit].default")
    case = Case.objects.get(member=member)
    assert staff.path == f"/admin/casework/case/{case.pk}/change/"
    staff.check("admin-intake-opened")
    assert case.assigned_to == officer and case.channel == "phone"

    person = portal.actor(journey, "member")
    person.log_in(member.email, PASSWORD, prefix="member-")
    person.goto("/cases/", "member-cases")
    assert case.reference in person.text()
    person.press(f"a[href='/cases/{case.reference}/']")
    person.check("member-case")
    assert "Opened by Lon Don, by phone" in person.text()


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_corrected_hearing_date_makes_the_case_urgent_in_the_queue(portal, mode):
    journey = portal.journey("j16-hearing", mode)
    member = portal.member(region=region("london"), user__first_name="Tom")
    officer, secret = portal.officer(Role.CASEWORKER, regions=("london",))
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="discipline",
            employer=member.membership.employer,
            what_happened="Invited to a meeting.",
            desired_outcome="Representation.",
        ),
    )
    services.case_assign(case=case, officer=officer, by=officer)
    assert not case.urgent
    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.goto(f"/admin/casework/case/{case.pk}/change/")
    staff.check("admin-case")
    soon = add_working_days(timezone.localdate(), 2, case.nation)
    staff.fill_date("#id_hearing_date", soon.isoformat())
    staff.submit("input[name=_continue]")
    staff.check("admin-case-corrected")
    case.refresh_from_db()
    assert case.urgent and case.priority == "urgent"
    assert "Hearing date: none →" in staff.page.inner_text("#content-main")
    if mode != PHONE:  # on a phone the page checks hold the queue to the 390 px screen
        staff.page.set_viewport_size({"width": 1366, "height": 768})
    staff.goto("/admin/casework/case/?open=open")
    staff.check("admin-queue")
    # The queue fits a 1366×768 laptop (or the phone): no sideways scrolling, the filters
    # one bar.
    assert staff.page.evaluate(OVERFLOW_JS) is None, "the queue is wider than the screen"
    assert staff.page.locator("#changelist-filter").count() == 0
    rows = staff.page.locator("#result_list tbody tr").all_inner_texts()
    at = next(i for i, row in enumerate(rows) if case.reference in row)
    assert "Urgent" in rows[at]
    assert all("Urgent" in row for row in rows[:at]), "only urgent cases come before it"
