"""Issue 20, a member's second factors beyond the authenticator app: recovery codes (seen
after the password is asked again, made anew, an old code then refused at login and a new
one let in) and a security key (Chromium's virtual authenticator, through the DevTools
protocol): added in the security pages, then used to log in instead of a code. By mouse,
keyboard only and on a 390 px phone."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache

from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def member_with_totp(portal):
    member = portal.member(region=region("london"), user__first_name="Rhea")
    secret = generate_totp_secret()
    TOTP.activate(member, secret)
    return member, secret


def fits_on_a_phone(you):
    if you.mode == PHONE:
        assert you.page.evaluate("document.documentElement.scrollWidth") <= 390


def reauthenticate(you):
    """Changing a second factor asks for the password again."""
    assert "reauthenticate" in you.path, you.path
    you.check("reauthenticate")
    you.fill("#id_password", PASSWORD)
    you.submit("main form button[type=submit]")


def codes_shown(you) -> list[str]:
    return you.page.input_value("#recovery_codes").split()


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_makes_new_recovery_codes_and_logs_in_with_one(portal, mode):
    journey = portal.journey("j24-recovery-codes", mode)
    member, secret = member_with_totp(portal)
    old_codes = RecoveryCodes.activate(member).get_unused_codes()
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, secret=secret)
    assert you.path == "/me/"
    you.check("dashboard")

    you.press("main a[href='/accounts/2fa/']")
    you.check("security")
    assert f"You have {len(old_codes)} of {len(old_codes)} codes left" in you.text()
    you.press("main a[href='/accounts/2fa/recovery-codes/']")
    reauthenticate(you)
    assert you.path == "/accounts/2fa/recovery-codes/"
    you.check("recovery-codes")
    assert codes_shown(you) == old_codes
    fits_on_a_phone(you)

    you.press("main a[href='/accounts/2fa/recovery-codes/generate/']")
    assert you.path == "/accounts/2fa/recovery-codes/generate/"
    you.check("recovery-generate")
    assert "The codes you have now will stop working." in you.text()
    you.submit("main form button[type=submit]")
    assert you.path == "/accounts/2fa/recovery-codes/"
    you.check("recovery-codes-new")
    new_codes = codes_shown(you)
    assert len(new_codes) == len(old_codes) and not set(new_codes) & set(old_codes)
    assert all(re.fullmatch(r"[0-9a-f]{8}", code) for code in new_codes), new_codes

    # An old code no longer opens the account; a new one does, once.
    you.log_out()
    cache.clear()
    you.goto("/accounts/login/")
    you.check("again-login")
    you.fill("#id_login", member.email)
    you.fill("#id_password", PASSWORD)
    you.submit("main form button[type=submit]")
    assert you.path.startswith("/accounts/2fa/authenticate/"), you.path
    you.check("again-login-code")
    you.fill("#id_code", old_codes[0])
    you.submit("main form button[type=submit]")
    assert you.path.startswith("/accounts/2fa/authenticate/"), "an old code let them in"
    you.check("again-login-code-refused")
    assert "That code is not right." in you.text()
    you.fill("#id_code", new_codes[0])
    you.submit("main form button[type=submit]")
    assert you.path == "/me/"
    you.check("again-dashboard")
    assert (
        new_codes[0]
        not in RecoveryCodes(
            Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES)
        ).get_unused_codes()
    )


def virtual_authenticator(you) -> tuple:
    """A USB security key with user verification, as Chromium's DevTools protocol offers
    it: the page's navigator.credentials calls reach it as they would a real key."""
    cdp = you.context.new_cdp_session(you.page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_adds_a_security_key_and_logs_in_with_it(portal, mode):
    journey = portal.journey("j24-security-key", mode)
    member, secret = member_with_totp(portal)
    you = portal.actor(journey, "member")
    cdp, authenticator_id = virtual_authenticator(you)
    you.log_in(member.email, PASSWORD, secret=secret)
    you.check("dashboard")

    you.press("main a[href='/accounts/2fa/']")
    you.check("security")
    assert "You have not added one." in you.text()
    you.press("main a[href='/accounts/2fa/webauthn/add/']")
    reauthenticate(you)
    assert you.path == "/accounts/2fa/webauthn/add/"
    you.check("key-add")
    fits_on_a_phone(you)
    you.fill("#id_name", "Blue key")
    you.press("#mfa_webauthn_add")
    you.check("key-added")
    keys = Authenticator.objects.filter(user=member, type=Authenticator.Type.WEBAUTHN)
    assert [key.wrap().name for key in keys] == ["Blue key"]
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1, "the key holds the portal's credential"

    you.goto("/accounts/2fa/", "security-with-key")
    assert "You have added 1 security key." in you.text()
    you.press("main a[href='/accounts/2fa/webauthn/']")
    you.check("key-list")
    assert "Blue key" in you.text() and "Not used yet." in you.text()
    fits_on_a_phone(you)

    # Log in again: the password, then the key instead of a code.
    you.log_out()
    cache.clear()
    you.goto("/accounts/login/")
    you.check("again-login")
    you.fill("#id_login", member.email)
    you.fill("#id_password", PASSWORD)
    you.submit("main form button[type=submit]")
    assert you.path.startswith("/accounts/2fa/authenticate/"), you.path
    you.check("again-login-code")
    you.press("#mfa_webauthn_authenticate")
    assert you.path == "/me/", you.path
    you.check("again-dashboard")
    assert member.membership.number in you.text()
    key = Authenticator.objects.get(user=member, type=Authenticator.Type.WEBAUTHN)
    assert key.last_used_at is not None
