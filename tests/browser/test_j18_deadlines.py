"""Journey 18 (issue 16 §3): a caseworker opens a case, enters a dismissal on a date and
sees the employment tribunal limit worked out; sets a follow-up ("chase the employer");
finds the limit, flagged, in the queue; opens their deadlines page from the queue and makes
their private calendar link. By mouse, keyboard only and on a 390 px phone; axe and the Nu
checker on every page (test_zz_page_checks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import services
from casework.deadlines import three_months_less_one_day
from casework.models import Case, FollowUp
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SAVE_AND_CONTINUE = "input[name=_continue]"
DESKTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_caseworker_enters_a_dismissal_sees_the_limit_and_the_deadlines_page(portal, mode):
    journey = portal.journey("j18-deadlines", mode)
    member = portal.member(region=region("london"), user__first_name="Ann", user__last_name="Lee")
    officer, secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="discipline",
            employer=member.membership.employer,
            what_happened="I was dismissed after a hearing I was not told about.",
            desired_outcome="Reinstatement.",
        ),
    )
    services.case_assign(case=case, officer=officer, by=officer)
    today = timezone.localdate()
    act = today - timedelta(days=80)
    limit = three_months_less_one_day(act)

    staff = portal.actor(journey, "officer")
    if mode != PHONE:
        staff.page.set_viewport_size(DESKTOP)
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.goto(f"/admin/casework/case/{case.pk}/change/", "admin-case-deadlines")
    assert "No tribunal claim." in staff.page.inner_text("fieldset.case-deadlines")

    staff.select("#id_claim_type", "Dismissal")
    staff.fill_date("#id_act_on", act.isoformat())
    staff.submit(SAVE_AND_CONTINUE)
    result = staff.check("admin-case-limit-saved")
    assert not result.axe, result.axe
    panel = staff.page.inner_text("fieldset.case-deadlines")
    assert f"{limit:%-d %B %Y}" in panel
    assert f"in {(limit - today).days} days" in panel
    assert "Three months less one day from the act" in panel
    assert Case.objects.get(pk=case.pk).tribunal_limit_on == limit

    due = today + timedelta(days=2)
    staff.fill_date("#id_follow_up_on", due.isoformat())
    staff.fill("#id_follow_up_what", "Chase the employer for the hearing notes")
    staff.submit(SAVE_AND_CONTINUE)
    result = staff.check("admin-case-follow-up-saved")
    assert not result.axe, result.axe
    assert "Chase the employer for the hearing notes" in staff.page.inner_text(
        "fieldset.case-deadlines"
    )
    assert FollowUp.objects.filter(case=case, officer=officer, due_on=due).exists()

    staff.goto("/admin/casework/case/?assigned=me&open=open", "admin-queue-tribunal")
    head = staff.page.inner_text("#result_list thead")
    assert "TRIBUNAL LIMIT" in head.upper()
    row = staff.page.inner_text(f"#result_list tr:has(a[href*='/case/{case.pk}/change/'])")
    assert f"{limit:%d %b} (in {(limit - today).days} days)" in row
    assert staff.page.locator("#result_list .field-deadlines .flag-urgent").count() == 1

    staff.press("a[href='/admin/casework/case/deadlines/']")
    result = staff.check("admin-deadlines")
    assert not result.axe, result.axe
    rows = staff.page.inner_text("table.case-deadlines tbody")
    assert "Follow-up: Chase the employer for the hearing notes" in rows
    assert "Tribunal limit" in rows and case.reference in rows
    assert rows.index("Follow-up") < rows.index("Tribunal limit")  # sooner first

    staff.press("form:has(input[name=action][value=feed_reset]) button[type=submit]")
    result = staff.check("admin-deadlines-feed")
    assert not result.axe, result.axe
    link = staff.page.inner_text("code.calendar-link")
    assert "/casework/calendar/" in link and link.endswith(".ics")
