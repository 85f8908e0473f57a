"""Changing the login email: re-authentication, verification of the new address, bad input."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client):
    membership = MembershipFactory(user__email="old@example.org")
    client.post(reverse("account_login"), {"login": "old@example.org", "password": PASSWORD})
    return client, membership


def test_changing_email_asks_for_the_password_first(logged_in):
    client, _ = logged_in
    response = client.post(reverse("account_email"), {"email": "new@example.org", "action_add": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="new@example.org").exists()


def test_a_new_email_replaces_the_old_one_only_once_verified(logged_in):
    client, membership = logged_in
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    mail.outbox.clear()
    client.post(reverse("account_email"), {"email": "new@example.org", "action_add": ""})
    membership.user.refresh_from_db()
    assert membership.user.email == "old@example.org", "unchanged until verified"
    link = re.search(r"https?://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body)
    client.post(link.group(1))
    membership.user.refresh_from_db()
    assert membership.user.email == "new@example.org"
    assert membership.user.membership == membership


@pytest.mark.parametrize("bad", ["not-an-email", "", "a@b", "<script>@x.org"])
def test_a_bad_new_email_is_refused(logged_in, bad):
    client, membership = logged_in
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("account_email"), {"email": bad, "action_add": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "<script>@x.org" not in page
    assert EmailAddress.objects.filter(user=membership.user).count() == 1


def test_an_email_of_another_member_reveals_nothing(logged_in):
    client, membership = logged_in
    MembershipFactory(user__email="taken@example.org")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(
        reverse("account_email"), {"email": "taken@example.org", "action_add": ""}
    )
    other = client.post(reverse("account_email"), {"email": "free@example.org", "action_add": ""})
    assert response.status_code == other.status_code
    membership.user.refresh_from_db()
    assert membership.user.email == "old@example.org"
