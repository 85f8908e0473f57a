"""Journey 2: a member sets up an authenticator app (TOTP), logs out and logs in again with
a code; a member who forgot their password resets it from the email the portal sends.
By mouse, keyboard only and on a 390 px phone."""

import re

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, has_totp, region

from .harness import KEYBOARD, MOUSE, PHONE, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "another-long-passphrase-42"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_sets_up_totp_and_logs_in_with_a_code(portal, mode):
    journey = portal.journey("j2-mfa", mode)
    member = portal.member(region=region("london"))
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.check("dashboard")

    you.press("main a[href='/accounts/2fa/']")
    you.check("security")
    you.press("main a[href='/accounts/2fa/totp/activate/']")
    # Changing a second factor asks for the password again.
    assert you.path.startswith("/accounts/reauthenticate/"), you.path
    you.check("reauthenticate")
    you.fill("#id_password", PASSWORD)
    you.submit("main form button[type=submit]")
    assert you.path == "/accounts/2fa/totp/activate/"
    you.check("totp-activate")
    secret = you.page.input_value("#authenticator_secret")
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    you.fill("#id_code", totp_code(secret))
    you.submit("main form button[type=submit]")
    you.check("totp-activated")
    assert has_totp(member)

    you.log_out()
    cache.clear()  # as if the next 30-second code had come round: a used code is refused
    you.log_in(member.email, PASSWORD, secret=secret, prefix="again-")
    assert you.path == "/me/"
    you.check("again-dashboard")
    assert member.membership.number in you.text()


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_resets_a_forgotten_password(portal, mode):
    journey = portal.journey("j2-reset", mode)
    member = portal.member(region=region("london"))
    you = portal.actor(journey, "member")
    you.goto("/accounts/login/", "login")
    you.press("main a[href='/accounts/password/reset/']")
    you.check("reset")
    you.fill("#id_email", member.email)
    you.submit("main form button[type=submit]")
    you.check("reset-sent")

    messages = [m for m in portal.mail() if member.email in m.to]
    assert len(messages) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", messages[0].body)
    assert link, messages[0].body
    you.goto(link.group(1))
    you.check("reset-key")
    you.fill("#id_password1", NEW_PASSWORD)
    you.fill("#id_password2", NEW_PASSWORD)
    you.submit("main form button[type=submit]")
    you.check("reset-done")

    you.log_in(member.email, NEW_PASSWORD, prefix="new-")
    you.check("dashboard")
    assert member.membership.number in you.text()
