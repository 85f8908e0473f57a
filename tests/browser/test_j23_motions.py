"""Issue 18, conferences: a Leadership member submits a motion from their branch to the
Leadership conference (an empty motion refused first, nothing saved); the standing orders
committee rules it out of order in the admin without a reason (refused), then with one;
the branch reads the ruling and its reason, and the agenda shows only what was accepted
or composited. The member and the committee by mouse, keyboard only and on a 390 px phone."""

from __future__ import annotations

import pytest

from events import demo as events_demo
from events.conference import Motion, MotionStatus
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.accounts.roles import Role
from tests.factories import PASSWORD

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SLUG = "leadership-conference-2027"
REASON = "Standing order 9: pay bargaining for support staff is for the support staff section."


def fits_on_a_phone(you):
    if you.mode == PHONE:
        assert you.page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_branch_submits_a_motion_and_the_committee_rules_on_it(portal, demo_data, mode):
    events_demo.seed()
    journey = portal.journey("j23-motions", mode)
    leader = User.objects.get(email="leader@demo.example")
    committee, secret = portal.officer(
        Role.STANDING_ORDERS_COMMITTEE, first_name="Sol", last_name="Comm"
    )

    you = portal.actor(journey, "branch")
    you.log_in(leader.email, DEMO_PASSWORD, prefix="member-")
    you.goto(f"/events/{SLUG}/", "conference")
    you.press(f"section[aria-labelledby=conference-title] a[href='/events/{SLUG}/motions/']")
    you.check("motions")
    fits_on_a_phone(you)
    you.choose("#id_submitted_for_0")
    you.fill("#id_title", "Support staff pay")
    you.submit("main form button[type=submit]")
    you.check("motions-errors", status=400)
    assert "Write the motion" in you.page.locator(".error-summary").inner_text()
    if mode != PHONE:
        assert you.page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert not Motion.objects.filter(title="Support staff pay").exists()
    you.fill("#id_text", "Conference resolves to bargain for support staff pay.")
    you.submit("main form button[type=submit]")
    you.check("motions-submitted")
    motion = Motion.objects.get(title="Support staff pay")
    assert motion.branch == leader.membership.workplace
    assert "Waiting for the standing orders committee" in you.text()

    staff = portal.actor(portal.journey("j23-committee", mode), "committee")
    staff.log_in(committee.email, PASSWORD, secret=secret, prefix="committee-")
    staff.goto("/admin/events/motion/", "admin-motions")
    staff.press(f"#result_list a[href='/admin/events/motion/{motion.pk}/change/']")
    staff.check("admin-motion")
    staff.select("#id_status", "Rule out of order")
    staff.submit("input[name=_save]")
    staff.check("admin-motion-no-reason")
    assert "Give the reason" in staff.page.inner_text("#content-main")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.SUBMITTED
    staff.fill("#id_reason", REASON)
    staff.submit("input[name=_save]")
    staff.check("admin-motions-ruled")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.OUT_OF_ORDER and motion.reason == REASON

    you.goto(f"/events/{SLUG}/motions/", "motions-ruled")
    text = you.text()
    assert REASON in text and "Ruled out of order" in text
    you.press(f"main a[href='/events/{SLUG}/agenda/']")
    you.check("agenda")
    agenda = you.text()
    assert "Workload of headteachers in small schools" in agenda  # accepted in the demo
    assert "Professional development for business leaders" in agenda  # the composite
    assert "Support staff pay" not in agenda and "car park" not in agenda
    fits_on_a_phone(you)
