"""Session limits, logout everywhere, sessions a member can end, a TOTP code replayed from a
second process, and responses that do not reveal who is a member."""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from portal.middleware import SESSION_EXPIRED
from tests.factories import PASSWORD, MembershipFactory, staff_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def age_session(client, *, idle=0, age=0):
    session = client.session
    now = int(time.time())
    session["portal.seen"] = now - idle
    session["portal.started"] = now - age
    session.save()


def test_staff_are_logged_out_after_30_minutes_idle(client, settings):
    user, _ = staff_user(Role.PUBLISHER, mfa=False)
    client.force_login(user)
    client.get(reverse("accounts:dashboard"))
    age_session(client, idle=29 * 60)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    age_session(client, idle=31 * 60)
    response = client.get(reverse("accounts:dashboard"), follow=True)
    assert "_auth_user_id" not in client.session
    assert str(SESSION_EXPIRED) in response.content.decode()


def test_members_may_stay_idle_longer_but_not_for_ever(client):
    member = MembershipFactory().user
    client.force_login(member)
    client.get(reverse("accounts:dashboard"))
    age_session(client, idle=60 * 60, age=60 * 60)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    age_session(client, idle=60, age=13 * 60 * 60)
    client.get(reverse("accounts:dashboard"))
    assert "_auth_user_id" not in client.session


def test_session_cookies_are_httponly_and_samesite(client):
    member = MembershipFactory().user
    login(client, member.email)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_changing_the_password_logs_out_every_other_session(client):
    member = MembershipFactory().user
    other = Client()
    login(other, member.email)
    login(client, member.email)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-passphrase",
            "password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200, "this session stays"
    assert other.get(reverse("accounts:dashboard")).status_code == 302, "the other is gone"


def test_a_member_lists_and_ends_their_other_sessions(client):
    member = MembershipFactory().user
    other = Client(HTTP_USER_AGENT="Other browser")
    login(other, member.email)
    login(client, member.email)
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200 and "Other browser" in page.content.decode()
    client.post(reverse("usersessions_list"))
    assert other.get(reverse("accounts:dashboard")).status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200


REPLAY = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
import django
django.setup()
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
auth = Authenticator.objects.get(user_id=int(sys.argv[2]), type="totp")
print("accepted" if TOTP(auth).validate_code(sys.argv[3]) else "refused")
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_used_totp_code_is_refused_in_another_process(client, settings):
    from django.db import connection

    user, secret = staff_user(Role.CASEWORKER)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    login(client, user.email)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get("/admin/").status_code == 200
    result = subprocess.run(
        [sys.executable, "-c", REPLAY, connection.settings_dict["NAME"], str(user.pk), code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert result.stdout.strip() == "refused", result.stderr[-2000:]


def timed(fn, n=9):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = fn()
        times.append(time.perf_counter() - start)
    return response, statistics.median(times)


def strip_tokens(body: bytes) -> bytes:
    import re

    return re.sub(rb'value="[A-Za-z0-9]{32,}"', b"", body)


def test_login_and_reset_answer_the_same_for_members_and_strangers(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {}
    MembershipFactory(user__email="known@example.org")
    known, t_known = timed(
        lambda: Client().post(
            reverse("account_login"), {"login": "known@example.org", "password": "wrong-password"}
        )
    )
    unknown, t_unknown = timed(
        lambda: Client().post(
            reverse("account_login"), {"login": "unknown@example.org", "password": "wrong-password"}
        )
    )
    assert known.status_code == unknown.status_code
    assert strip_tokens(known.content).replace(b"known@", b"X@") == strip_tokens(
        unknown.content
    ).replace(b"unknown@", b"X@")
    assert abs(t_known - t_unknown) < max(0.05, 0.5 * max(t_known, t_unknown))
    known, t_known = timed(
        lambda: Client().post(reverse("account_reset_password"), {"email": "known@example.org"}),
        n=5,
    )
    unknown, t_unknown = timed(
        lambda: Client().post(reverse("account_reset_password"), {"email": "unknown@example.org"}),
        n=5,
    )
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert abs(t_known - t_unknown) < max(0.05, 0.5 * max(t_known, t_unknown))
