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
