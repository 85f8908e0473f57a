"""Logging in, lock-out, password reset, and that nothing reveals who is a member."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.adapter import AccountAdapter
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_member_logs_in_with_email_in_any_case_and_lands_on_the_dashboard(client):
    membership = MembershipFactory(user__email="maya@example.org")
    response = login(client, "MAYA@example.org", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert membership.number in client.get(reverse("accounts:dashboard")).content.decode()


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    MembershipFactory(user__email="maya@example.org")
    known = login(client, "maya@example.org", "wrong-password-1")
    unknown = login(client, "nobody@example.org", "wrong-password-1")
    assert known.status_code == unknown.status_code == 200
    assert "_auth_user_id" not in client.session
    assert str(AccountAdapter.error_messages["email_password_mismatch"]) in (known.content.decode())
    assert str(AccountAdapter.error_messages["email_password_mismatch"]) in (
        unknown.content.decode()
    )


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client):
    MembershipFactory(user__email="maya@example.org")
    for n in range(5):
        login(client, "maya@example.org", f"wrong-{n}-password")
    response = login(client, "maya@example.org", PASSWORD)
    assert "_auth_user_id" not in client.session
    locked = str(AccountAdapter.error_messages["too_many_login_attempts"])
    assert locked in response.content.decode()


def test_an_unverified_address_cannot_log_in(client):
    UserFactory(email="new@example.org", verified_email=False)
    response = login(client, "new@example.org", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]


def reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def test_reset_answers_the_same_for_members_and_strangers(client, settings):
    MembershipFactory(user__email="maya@example.org")
    known = reset(client, "maya@example.org")
    unknown = reset(client, "stranger@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    follow_known = client.get(known["Location"]).content.decode()
    follow_unknown = client.get(unknown["Location"]).content.decode()
    assert follow_known.replace("maya@example.org", "X") == follow_unknown.replace(
        "stranger@example.org", "X"
    )


def test_a_member_resets_a_forgotten_password(client):
    MembershipFactory(user__email="maya@example.org")
    reset(client, "maya@example.org")
    assert len(mail.outbox) == 1
    link = re.search(
        r"https?://testserver(/accounts/password/reset/key/[^\s]+)", mail.outbox[0].body
    )
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    response = client.post(
        form_url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert response.status_code == 302
    assert login(client, "maya@example.org", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session
    assert login(client, "maya@example.org", "a-brand-new-passphrase").status_code == 302


def test_a_bad_reset_link_is_refused(client):
    response = client.get("/accounts/password/reset/key/zz-bogus-token/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This link no longer works" in page
    assert "Ask for a new link" in page
    assert 'name="password1"' not in page


def test_signup_is_at_join(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:join")


def test_private_pages_are_never_cached(member_client):
    response = member_client.get(reverse("accounts:dashboard"))
    assert "no-store" in response["Cache-Control"]


def test_security_headers_are_sent(client):
    response = client.get(reverse("account_login"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
