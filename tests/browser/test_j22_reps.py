"""Journey 22 (issue 17): a member volunteers as workplace rep, the regional office confirms
them in the admin, the rep sees their members (never a case, money, equality or address),
shares their invite link and writes to colleagues (for the region to approve); a colleague
joins through it and the rep is told; a member reads who looked at their membership. By
mouse, keyboard only and on a 390 px phone."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from portal.accounts.models import Membership
from portal.accounts.roles import Role
from portal.communications.models import Communication
from reps import services
from reps.models import Recruitment, RepRole
from tests.factories import PASSWORD, EmployerFactory, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "a-long-enough-passphrase-7"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_volunteers_is_confirmed_and_recruits_a_colleague(portal, mode):
    journey = portal.journey("j22-reps" if mode == MOUSE else "j22-reps-access", mode)
    london = region("london")
    school = EmployerFactory(name=f"Oakfield School {mode}", town="London")
    volunteer = portal.member(
        employer=school,
        region=london,
        workplace_postcode="N1 9GU",
        user__first_name="Vera",
        user__last_name="Volunteer",
    )
    colleague = portal.member(
        employer=school,
        region=london,
        workplace_postcode="N1 9GU",
        user__first_name="Colin",
        user__last_name="Colleague",
    )

    # The member volunteers from their dashboard.
    you = portal.actor(journey, "volunteer")
    you.log_in(volunteer.email, PASSWORD, prefix="member-")
    you.check("member-dashboard")
    you.press("main a[href='/rep/volunteer/']")
    you.check("volunteer")
    you.submit("main form button[type=submit]")
    you.check("volunteer-errors", status=400)
    you.choose("#id_kind_0")
    you.submit("main form button[type=submit]")
    you.check("volunteered")
    assert "Thank you for volunteering" in you.text()
    role = RepRole.objects.get(membership__user=volunteer)

    # The regional office confirms (in the admin; by mouse only, as officers work).
    if mode == MOUSE:
        officer, secret = portal.officer(Role.CASEWORKER, regions=("london",))
        staff = portal.actor(journey, "officer")
        staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
        staff.goto(f"/admin/reps/reprole/{role.pk}/change/", "admin-reprole")
        staff.select("#id_decision", "Confirm")
        until = (timezone.localdate() + timedelta(days=730)).isoformat()
        staff.fill_date("#id_accredited_until", until)
        staff.submit("input[name=_save]")
        staff.check("admin-reprole-saved")
    else:
        officer, _secret = portal.officer(Role.CASEWORKER, regions=("london",))
        services.rep_role_confirm(
            role=role, by=officer, accredited_until=timezone.localdate() + timedelta(days=730)
        )
    role.refresh_from_db()
    assert role.status == "confirmed"
    assert any("You are confirmed as" in m.subject for m in portal.mail())

    # The rep's space opens: their members, nothing confidential.
    you.goto("/me/", "rep-dashboard")
    you.press("main a[href='/rep/']")
    you.check("rep-members")
    text = you.text()
    assert "Colin Colleague" in text
    assert re.search(r"£|sort code|ethnic|sexual orientation|postcode", text, re.I) is None
    you.press("main a[href='/rep/density/']")
    you.check("rep-density")
    you.fill("#id_count_teachers", "20")
    you.submit("main form button[type=submit]")
    you.check("rep-density-saved")
    assert "The headcount is saved." in you.text()
    assert "10%" in you.text()  # the volunteer and the colleague among 20 teachers
    you.press("main a[href='/rep/']")
    you.press(f"main a[href='/rep/members/{colleague.membership.pk}/']")
    you.check("rep-member")
    you.press("main a[href='/rep/']")
    you.press("main a[href='/rep/invite/']")
    you.check("rep-invite")
    link = you.page.input_value("main input[readonly]")
    assert "/join/?invite=" in link

    # The rep raises a workplace issue: it reaches casework as a request for the region.
    you.press("main a[href='/rep/']")
    you.press("main a[href='/rep/issue/']")
    you.check("rep-issue")
    you.select("#id_category", "Restructure")
    you.fill("#id_what_happened", "The head plans to cut two support posts.")
    you.fill("#id_desired_outcome", "A proper consultation.")
    you.submit("main form button[type=submit]")
    you.check("rep-issue-sent")
    assert "is with the regional office as case" in you.text()

    # The rep writes to colleagues who agreed to rep contact: it waits for the region.
    you.goto("/rep/")
    you.press("main a[href='/rep/message/']")
    you.check("rep-message")
    you.submit("main form button[type=submit]")
    you.check("rep-message-errors", status=400)
    assert "Give your message a subject." in you.text()
    you.fill("#id_subject", "Meeting on Tuesday")
    you.fill("#id_body", "Dear {first_name},\n\nWe meet in the staff room at 4pm.")
    you.submit("main form button[type=submit]")
    you.check("rep-message-sent")
    assert "Your message is with the regional office" in you.text()
    assert "Waiting for the regional office" in you.text()
    message = Communication.objects.get(created_by=volunteer, subject="Meeting on Tuesday")
    assert message.workplace_id == role.workplace_id and message.status == "awaiting_approval"

    # A colleague opens the link, joins with rep contact agreed, and the rep is told.
    visitor = portal.actor(journey, "newcomer")
    parts = urlsplit(link)
    visitor.goto(f"{parts.path}?{parts.query}", "join-invite")
    assert "invited you" in visitor.text()
    email = f"nia.new.{mode}@example.org"
    visitor.fill("#id_first_name", "Nia")
    visitor.fill("#id_last_name", "Newcomer")
    visitor.fill("#id_email", email)
    visitor.fill("#id_password1", NEW_PASSWORD)
    visitor.fill("#id_password2", NEW_PASSWORD)
    visitor.select("#id_job_role", "Teacher")
    visitor.choose("#id_hours_0")
    visitor.select("#id_region", "London")
    visitor.choose("#id_rep_contact")
    visitor.submit("main form button[type=submit]")
    visitor.check("join-invite-confirm")
    assert "Yes, by email" in visitor.text()
    visitor.submit("main form button[type=submit]")
    visitor.check("join-invite-sent")
    joined = Membership.objects.get(user__email=email)
    assert Recruitment.objects.get(membership=joined).rep == volunteer
    told = [m for m in portal.mail() if m.to == [volunteer.email] and "invite link" in m.subject]
    assert told and "Nia Newcomer" in told[0].body

    # The colleague reads who looked at their membership.
    other = portal.actor(journey, "colleague")
    other.log_in(colleague.email, PASSWORD, prefix="colleague-")
    other.check("colleague-dashboard")
    assert "Who looked at my membership" in other.text()
    other.press("main a[href='/me/access/']")
    other.check("who-looked")
    assert "Vera Volunteer" in other.text()
    assert "your membership page" in other.text()
    if mode == KEYBOARD:
        assert you.focus_log, "nothing was reached with Tab"
