"""Journey 11, life events and leaving, by mouse, keyboard only and on a 390 px phone:
maternity leave waives the fee for its dates (and a leave too long is refused first);
going part time shows the pro-rata rate before it is saved; resigning, then rejoining with
the same membership number; the membership officer approves a student's reduced rate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from membership import services
from membership.models import LifeEventKind, ReductionStatus
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from tests.factories import PASSWORD

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def on_phone_fits(you):
    if you.mode == PHONE:
        width = you.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_maternity_leave_waives_the_fee_for_its_dates(portal, mode):
    journey = portal.journey("j11-leave", mode)
    member = portal.member(job_role="teacher", hours="full_time", user__first_name="Lena")
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.goto("/me/subscription/", "subscription")
    assert "£25.00" in you.text()
    you.press("main a[href='/me/changes/']")
    you.check("changes")
    you.press("main a[href='/me/changes/leave/']")
    you.check("leave")
    today = timezone.localdate()
    start, too_late, end = today, today + timedelta(days=500), today + timedelta(days=180)
    you.choose("#id_leave_kind_0")
    you.fill_date("#id_effective_on", start.isoformat())
    you.fill_date("#id_ends_on", too_late.isoformat())
    you.submit("main form button[type=submit]")
    you.check("leave-errors", status=400)
    summary = you.page.locator(".error-summary")
    assert summary.is_visible() and "up to 12 months" in summary.inner_text()
    if mode != PHONE:
        assert you.focused()["describe"].startswith("div"), "the error summary takes focus"
    you.fill_date("#id_ends_on", end.isoformat())
    you.submit("main form button[type=submit]")
    you.check("leave-confirm")
    text = you.text()
    assert "Check the change before you save it" in text
    assert "£25.00" in text and "£0.00" in text
    assert not Membership.objects.get(user=member).reductions.exists(), "nothing saved yet"
    you.submit("button[name=confirm]")
    assert you.path == "/me/subscription/"
    you.check("subscription-on-leave")
    text = you.text()
    assert "Nothing: your membership is free" in text
    back = (end + timedelta(days=1)).strftime("%-d %B %Y")
    assert f"From {back}:" in text and "£25.00" in text
    on_phone_fits(you)


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_going_part_time_shows_the_pro_rata_rate(portal, mode):
    journey = portal.journey("j11-part-time", mode)
    member = portal.member(job_role="teacher", hours="full_time")
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.goto("/me/changes/hours/", "hours")
    you.fill_date("#id_effective_on", timezone.localdate().isoformat())
    you.fill("#id_contracted_hours", "19.5")
    you.submit("main form button[type=submit]")
    you.check("hours-confirm")
    text = you.text()
    assert "£15.00" in text and "Professional, part time" in text
    assert "pro rata to your 19.5 hours" in text
    you.submit("button[name=confirm]")
    you.check("subscription-part-time")
    assert "£15.00 a month" in you.text()
    membership = Membership.objects.get(user=member)
    assert (membership.hours, membership.fee_band) == ("part_time", "P2")
    on_phone_fits(you)


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_resign_then_rejoin_with_the_same_number(portal, mode, settings):
    settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS = 0
    journey = portal.journey("j11-resign", mode)
    member = portal.member()
    number = Membership.objects.get(user=member).number
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.check("dashboard")
    you.press("main a[href='/me/resign/']")
    you.check("resign")
    you.choose("#id_reason_2")
    you.submit("main form button[type=submit]")
    you.check("resign-errors", status=400)
    assert "Tick the box" in you.text()
    you.choose("#id_confirm")
    you.submit("main form button[type=submit]")
    you.check("resigned")
    assert "Your membership has ended" in you.text()
    assert Membership.objects.get(user=member).status == "resigned"
    you.press("main a[href='/me/rejoin/']")
    you.check("rejoin")
    assert number in you.text()
    you.choose("#id_confirm")
    you.submit("main form button[type=submit]")
    you.check("rejoined")
    assert f"Your membership number is still {number}" in you.text()
    membership = Membership.objects.get(user=member)
    assert (membership.status, membership.number) == ("active", number)
    on_phone_fits(you)


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_the_officer_approves_a_student_reduction(portal, mode):
    journey = portal.journey("j11-officer", mode)
    member = portal.member()
    membership = Membership.objects.get(user=member)
    today = timezone.localdate()
    plan = services.life_event_plan(
        membership=membership,
        kind=LifeEventKind.STUDENT,
        data={"effective_on": today, "ends_on": today + timedelta(days=270)},
    )
    event = services.life_event_record(actor=member, membership=membership, plan=plan)
    officer, secret = portal.officer(Role.MEMBERSHIP_OFFICER)
    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret)
    staff.goto("/admin/membership/")
    staff.check("admin-membership", admin=True)
    staff.press("a[href='/admin/membership/reduction/?status__exact=pending']")
    staff.check("admin-reductions", admin=True)
    staff.press(
        f"a[href='/admin/membership/reduction/{event.reduction.pk}/change/?_changelist_filters=status__exact%3Dpending']"
    )
    staff.check("admin-reduction", admin=True)
    staff.submit("button[name=decision][value=approve]")
    staff.check("admin-reduction-approved", admin=True)
    event.reduction.refresh_from_db()
    assert event.reduction.status == ReductionStatus.APPROVED
    assert event.reduction.decided_by == officer
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.goto("/me/subscription/", "member-subscription")
    assert "Nothing: your membership is free" in you.text()
