"""Journey 19 (issue 16 §4): a collective case. An officer opens a member's restructure
case, makes it collective with the summary every member reads, and adds five colleagues at
the school by membership number; a group update goes to everyone from the work form. One of
the five logs in, is asked first (nothing of the case is shown before), consents, and sees
the summary and the group's update, never another member's message nor the lead member's
own account. By mouse, keyboard only and on a 390 px phone."""

import pytest

from casework import services
from casework.models import CaseMember
from portal.accounts.roles import Role
from tests.factories import PASSWORD, EmployerFactory, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SAVE_AND_CONTINUE = "input[name=_continue]"
SUMMARY = "The school proposes to cut four support posts and change every timetable."


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_officer_adds_five_members_and_one_consents_and_sees_only_the_group(portal, mode):
    journey = portal.journey("j19-collective", mode)
    london = region("london")
    school = EmployerFactory(name="Brookfield Academy", town="London")
    lead = portal.member(
        employer=school, region=london, user__first_name="Lena", user__last_name="Lead"
    )
    colleagues = [
        portal.member(
            employer=school, region=london, user__first_name=f"Col{i}", user__last_name=f"Name{i}"
        )
        for i in range(5)
    ]
    officer, secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    case = services.case_submit(
        member=lead,
        details=services.CaseDetails(
            category="restructure",
            employer=school,
            what_happened="LEAD-PRIVATE: my own post is the first on the list.",
            desired_outcome="Consultation.",
        ),
    )
    services.case_assign(case=case, officer=officer, by=officer)

    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.goto(f"/admin/casework/case/{case.pk}/change/", "admin-case")
    staff.press(f"a[href='/admin/casework/case/{case.pk}/collective/']")
    staff.check("admin-collective")
    staff.fill("#id_c-summary", SUMMARY)
    staff.submit("input[value='Make this a collective case']")
    staff.check("admin-collective-made")
    assert "The case is collective." in staff.page.inner_text("body")
    for colleague in colleagues:
        staff.fill("#id_m-who", colleague.membership.number)
        staff.submit("input[value='Invite the member']")
        assert "is invited" in staff.page.inner_text("body")
    staff.check("admin-collective-members")
    members_table = staff.page.inner_text("#content-main table")
    assert members_table.count("invited, not answered yet") == 5
    assert CaseMember.objects.filter(case=case, consented_at=None).count() == 5

    # Another member joins and writes (outside the browser): the journey's member must never
    # see it.
    other = colleagues[1]
    services.case_member_answer(
        place=CaseMember.objects.get(case=case, member=other), member=other, consent=True
    )
    services.case_member_reply(case=case, member=other, body="OTHER-MEMBER-PRIVATE message")

    # A group update from the work form, to everyone on the case.
    staff.press(f"a[href='/admin/casework/case/{case.pk}/change/']")
    staff.check("admin-case-collective")
    staff.select("#id_message_for", "Everyone on the case")
    staff.fill("#id_message", "GROUP-UPDATE: the consultation meeting is on Monday.")
    staff.submit(SAVE_AND_CONTINUE)
    staff.check("admin-case-sent")
    assert "changed successfully" in staff.page.inner_text("body")

    # The first colleague: asked first, then the case.
    you_user = colleagues[0]
    you = portal.actor(journey, "member")
    you.log_in(you_user.email, PASSWORD, prefix="member-")
    # Before consenting, the case page is the same 404 as a case that does not exist.
    hidden = you.page.request.get(you.url(f"/cases/{case.reference}/"))
    assert hidden.status == 404
    you.goto(f"/cases/{case.reference}/join/", "join")
    page = you.text()
    assert "What joining means" in page
    assert "GROUP-UPDATE" not in page and SUMMARY not in page
    you.choose("#id_answer_0")
    you.submit("main form button[type=submit]")
    assert you.path == f"/cases/{case.reference}/"
    you.check("case-joined")
    page = you.text()
    assert SUMMARY in page
    assert "GROUP-UPDATE: the consultation meeting is on Monday." in page
    assert "OTHER-MEMBER-PRIVATE" not in page
    assert "LEAD-PRIVATE" not in page
    assert other.last_name not in page and lead.last_name not in page
