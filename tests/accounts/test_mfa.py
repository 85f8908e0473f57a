"""Second factor: open to every member, required of every staff account."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from portal.accounts.roles import Role
from tests.factories import PASSWORD, has_totp, staff_user

pytestmark = pytest.mark.django_db


def code_for(secret: str, offset: int = 0) -> str:
    # A code taken in the last seconds of its 30-second window may be checked in the next
    # one: wait for the new window rather than fail now and then.
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def reauthenticate(client) -> None:
    """Changing a second factor asks for the password again, as allauth does."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client):
    user, _ = staff_user(Role.CASEWORKER, mfa=False)
    client.force_login(user)
    for path in ("/admin/", "/admin/accounts/membership/", "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_reach_the_admin_once_a_second_factor_is_set_up(client):
    user, _ = staff_user(Role.CASEWORKER, mfa=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert has_totp(user)
    assert client.get("/admin/").status_code == 200


def test_staff_login_without_the_code_creates_no_session(client):
    user, secret = staff_user(Role.CASEWORKER)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_staff_login_with_the_code_reaches_the_admin(client):
    user, secret = staff_user(Role.CASEWORKER)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_used_code_cannot_be_replayed(client, django_user_model):
    user, secret = staff_user(Role.CASEWORKER)
    code = code_for(secret)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.logout()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_is_refused(client):
    user, secret = staff_user(Role.CASEWORKER)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    for bad in ("000000", "abcdef", "", "1" * 40):
        response = client.post(reverse("mfa_authenticate"), {"code": bad})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_the_admin_login_goes_through_allauth(client):
    user, _ = staff_user(Role.CASEWORKER)
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_members_may_set_up_totp_and_then_need_a_code_to_log_in(client, member):
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert has_totp(member)
    client.logout()
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    cache.clear()  # as if the next 30-second code had come round: a used code is refused
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_setting_up_totp_asks_for_the_password_again(member_client):
    response = member_client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_members_do_not_need_mfa_for_their_own_pages(member_client):
    assert member_client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_list_webauthn",
        "mfa_add_webauthn",
        "usersessions_list",
    ],
)
def test_account_security_pages_open_in_the_portal_layout(client, member, name):
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    reauthenticate(client)
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="skip-link"' in page
    assert 'style="' not in page, "inline styles are blocked by the content security policy"
