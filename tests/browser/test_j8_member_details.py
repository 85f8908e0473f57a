"""Journey 8 for the member's details: the phone menu is one row (a menu button) that opens
and closes; changing job role shows the old and new fee, and from when, before anything is
saved; going back keeps the answers; saving changes the fee on the dashboard. By mouse,
keyboard only and on a phone. The confirm step is server-rendered: it works without
JavaScript too."""

import pytest

from portal.accounts.models import Membership
from tests.factories import PASSWORD

from .harness import KEYBOARD, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("mode", ["mouse", KEYBOARD, PHONE])
def test_a_new_job_role_shows_the_new_fee_before_it_is_saved(portal, mode):
    journey = portal.journey("j8-details", mode)
    member = portal.member(job_role="teacher", hours="full_time", user__first_name="Ann")
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.check("dashboard")
    page = you.page
    toggle = page.locator("[data-menu-toggle]")
    if mode == PHONE:
        # One row: the name and a menu button; the links appear when it is pressed.
        header = page.locator(".site-header").bounding_box()
        assert header and header["height"] <= 90, header
        assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#site-nav a[href='/me/profile/']").is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#site-nav a[href='/me/profile/']").is_visible()
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#site-nav a[href='/me/profile/']").is_visible()
    else:
        assert not toggle.is_visible(), "no menu button on a wide screen"
        assert page.locator("#site-nav a[href='/me/profile/']").is_visible()

    you.press("nav a[href='/me/profile/']")
    you.check("profile")
    you.select("#id_job_role", "Headteacher/Principal")
    you.submit("main form button[type=submit]")
    assert you.path == "/me/profile/"
    you.check("profile-confirm")
    text = you.text()
    assert "Check your new fee before you save" in text
    assert "£25.00" in text and "£33.00" in text
    assert "applies from today" in text
    membership = Membership.objects.get(user=member)
    assert membership.fee_band == "P1", "nothing is saved before the member confirms"

    you.submit("button[name=back]")
    you.check("profile-back")
    chosen = page.locator("#id_job_role").evaluate("s => s.selectedOptions[0].label")
    assert chosen == "Headteacher/Principal", "going back keeps the answers"
    you.submit("main form button[type=submit]")
    you.check("profile-confirm-again")
    you.submit("button[name=confirm]")
    assert you.path == "/me/"
    you.check("dashboard-new-fee")
    text = you.text()
    assert "Your fee band is now Leadership, full time: £33.00 a month." in text
    membership.refresh_from_db()
    assert (membership.section, membership.fee_band) == ("leadership", "L1")
