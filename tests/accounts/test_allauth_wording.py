"""What a member reads from allauth (emails, the confirm page, login, the second-factor
page) speaks in the union's voice and name, not allauth's defaults."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.roles import Role
from tests.accounts.test_join import join_data, verification_link
from tests.factories import PASSWORD, EmployerFactory, MembershipFactory, staff_user

pytestmark = pytest.mark.django_db

ALLAUTH_DEFAULTS = [
    "Hello from",
    "Thank you for using",
    "Please Confirm Your Email Address",
    "for user",
    "Remember Me",
    "Sign In",
    "You're receiving this",
    "Password Reset Email",
    "Successfully signed in",
]


def assert_no_allauth_defaults(text: str) -> None:
    for phrase in ALLAUTH_DEFAULTS:
        assert phrase not in text, phrase


def test_the_joining_email_and_confirm_page_speak_for_the_union(client):
    EmployerFactory(name="Riverside Primary School", town="London")
    client.post(reverse("accounts:join"), join_data())
    client.post(reverse("accounts:join_confirm"))
    (message,) = mail.outbox
    assert message.subject == "Education Union: Confirm your email address to start your membership"
    assert "Thank you for joining Education Union" in message.body
    assert "Education Union member services" in message.body
    assert "127.0.0.1" not in message.body and "testserver" not in message.body.split("\n")[0]
    assert_no_allauth_defaults(message.subject + message.body)
    page = client.get(verification_link(message)).content.decode()
    assert "Confirm your email address" in page
    assert "your membership of Education Union starts" in page
    assert_no_allauth_defaults(page)


def test_the_password_reset_and_already_registered_emails(client):
    MembershipFactory(user__email="maya@example.org")
    client.post(reverse("account_reset_password"), {"email": "maya@example.org"})
    (message,) = mail.outbox
    assert message.subject == "Education Union: Reset your password"
    assert re.search(r"/accounts/password/reset/key/\S+", message.body)
    assert "Education Union member account" in message.body
    assert_no_allauth_defaults(message.subject + message.body)

    mail.outbox.clear()
    EmployerFactory(name="Riverside Primary School", town="London")
    client.post(reverse("accounts:join"), join_data(email="maya@example.org"))
    client.post(reverse("accounts:join_confirm"))
    (message,) = mail.outbox
    assert message.subject == "Education Union: You already have a member account"
    assert "tried to join Education Union" in message.body
    assert_no_allauth_defaults(message.subject + message.body)


def test_the_login_page_and_a_wrong_password(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Keep me logged in on this device" in page
    assert_no_allauth_defaults(page)
    MembershipFactory(user__email="maya@example.org")
    page = client.post(
        reverse("account_login"), {"login": "maya@example.org", "password": "wrong-one-123"}
    ).content.decode()
    assert "The email address or the password is not right" in page
    assert_no_allauth_defaults(page)


def test_the_second_factor_page(client):
    user, _secret = staff_user(Role.CASEWORKER)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get(reverse("mfa_authenticate"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check it is you" in page
    assert "Enter the 6-digit code" in page
    assert_no_allauth_defaults(page)


def test_the_logout_and_sessions_pages(member_client):
    for name in ("account_logout", "usersessions_list"):
        page = member_client.get(reverse(name)).content.decode()
        assert "Log out" in page
        assert "Sign Out" not in page and "Sign out" not in page
        assert_no_allauth_defaults(page)


def test_the_password_pages(client, member_client):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert "Reset your password" in page and "Send me a link" in page
    assert "Password Reset" not in page and "Reset My Password" not in page
    done = client.get(reverse("account_reset_password_done")).content.decode()
    assert "Check your email" in done
    change = member_client.get(reverse("account_change_password"), follow=True)
    page = change.content.decode()
    assert "Change your password" in page or "Check it is you" in page
    assert_no_allauth_defaults(page)
    assert "Confirm Access" not in page and "Change Password" not in page


# --- The password forms and the second-factor set-up (allauth.mfa) --------------------

MFA_DEFAULTS = [
    "Current Password",
    "New Password",
    "(again)",
    "Two-Factor Authentication",
    "Authenticator App",
    "Authenticator secret",
    "Recovery Codes",
    "Security Keys",
    "Security Key",
    "Incorrect code",
    "Master key",
    "Deactivate",
    "Activate",
    "Are you sure?",
    "Enter an authenticator code",
    "Use authenticator app or code",
    "This functionality requires JavaScript",
    "Not used.",
    'placeholder="Code"',
]


def assert_in_our_words(page: str) -> None:
    """No allauth default wording anywhere on the page, and the union's name in its
    main content (not only in the header and footer every page has)."""
    assert_no_allauth_defaults(page)
    for phrase in MFA_DEFAULTS:
        assert phrase not in page, phrase
    main = re.search(r"<main.*?</main>", page, re.S)
    assert main and "Education Union" in main.group(0), "the union's name in the page"


def code_for(secret: str) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def logged_in_and_reauthenticated(client):
    member = MembershipFactory(user__email="maya@example.org").user
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return member


def test_the_password_forms_have_our_labels(client, member_client):
    logged_in_and_reauthenticated(client)
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Current password" in page and "New password again" in page
    assert "At least 10 characters" in page
    for phrase in MFA_DEFAULTS[:3]:
        assert phrase not in page, phrase
    # Wrong current password and two different new ones: our labels in the error summary.
    page = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "a-long-new-pass-1", "password2": "other"},
    ).content.decode()
    assert "Current password:" in page
    assert "Current Password" not in page and "(again)" not in page

    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = MembershipFactory(user__email="sam@example.org").user
    key = default_token_generator.make_token(user)
    url = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    anonymous = client.__class__()
    page = anonymous.get(url, follow=True).content.decode()
    assert "Choose a new password" in page and "New password again" in page
    for phrase in MFA_DEFAULTS[:3]:
        assert phrase not in page, phrase


# Transactional: allauth sends these emails on commit, while the request is still there.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_setting_up_an_authenticator_app_speaks_for_the_union(client):
    logged_in_and_reauthenticated(client)
    assert_in_our_words(client.get(reverse("mfa_index")).content.decode())
    response = client.get(reverse("mfa_activate_totp"))
    page = response.content.decode()
    assert "Set up an authenticator app" in page
    assert "The 6-digit code the app shows" in page
    assert_in_our_words(page)
    secret = response.context["form"].secret
    # A wrong code: refused in our words, next to the field.
    page = client.post(reverse("mfa_activate_totp"), {"code": "000000"}).content.decode()
    assert "That code is not right" in page
    assert_in_our_words(page)

    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Education Union: Your account now asks for a code when you log in"
    assert "Education Union member account" in message.body
    assert_no_allauth_defaults(message.subject + message.body)
    assert "Authenticator App" not in message.subject + message.body

    page = client.get(response["Location"]).content.decode()  # the recovery codes
    assert "Your recovery codes" in page and "The authenticator app is on" in page
    assert_in_our_words(page)
    for name in ("mfa_index", "mfa_generate_recovery_codes", "mfa_deactivate_totp"):
        assert_in_our_words(client.get(reverse(name)).content.decode())
    download = client.get(reverse("mfa_download_recovery_codes")).content.decode()
    assert "Education Union member account" in download

    mail.outbox.clear()
    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Education Union: New recovery codes for your account"
    assert "Recovery Codes" not in message.body
    page = client.get(response["Location"]).content.decode()
    assert "Your new recovery codes are ready" in page
    assert_in_our_words(page)

    # Reauthenticating with a code (the member now has an app) offers the password too.
    client.logout()
    client.post(reverse("account_login"), {"login": "maya@example.org", "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    page = client.get(reverse("mfa_reauthenticate")).content.decode()
    assert "6-digit code or recovery code" in page and "Use your password" in page
    assert_in_our_words(page)
    page = client.get(reverse("account_reauthenticate")).content.decode()
    assert "Use a code from your app or a recovery code" in page
    assert_no_allauth_defaults(page)
    assert "Use authenticator app or code" not in page


def test_security_key_pages_speak_for_the_union(client):
    from allauth.mfa.models import Authenticator

    member = logged_in_and_reauthenticated(client)
    page = client.get(reverse("mfa_add_webauthn")).content.decode()
    assert "A name for this key" in page and 'value="Security key"' in page
    assert_in_our_words(page)
    assert_in_our_words(client.get(reverse("mfa_list_webauthn")).content.decode())
    key = Authenticator.objects.create(
        user=member,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Blue key", "credential": {"clientExtensionResults": {}}},
    )
    page = client.get(reverse("mfa_list_webauthn")).content.decode()
    assert "Blue key" in page and "Not used yet." in page
    assert_in_our_words(page)
    for name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        assert_in_our_words(client.get(reverse(name, kwargs={"pk": key.pk})).content.decode())
    page = client.get(reverse("mfa_index")).content.decode()
    assert "You have added 1 security key." in page
    assert_in_our_words(page)
    # A name left empty is filled in our words, not allauth's "Master key".
    page = client.post(
        reverse("mfa_edit_webauthn", kwargs={"pk": key.pk}), {"name": ""}
    ).content.decode()
    assert "Name of the key" in page
    assert_in_our_words(page)
