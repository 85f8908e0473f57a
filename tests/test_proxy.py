"""Behind nginx: every visitor is counted and recorded under their own address, never the
proxy's, and nobody can choose the address they are counted under.

Requests here arrive as nginx sends them (deploy/nginx.conf): from the proxy's address
(REMOTE_ADDR in TRUSTED_PROXY_IPS) with X-Forwarded-For and X-Real-IP set to the
visitor's address. A visitor who reaches the portal directly and sends X-Forwarded-For
themselves is counted under the address they really come from."""

from __future__ import annotations

import ipaddress
import re
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core import mail
from django.test import Client
from django.urls import reverse

from casework import services as case_services
from casework.models import CaseAccess
from portal.accounts.adapter import AccountAdapter
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

PROXY = "172.30.240.2"  # nginx, on the compose network
OWNER_ADDR = "198.51.100.20"
ATTACKER_ADDR = "203.0.113.7"
# The refusal's words are the adapter's own (the portal's wording of allauth's message).
TOO_MANY = str(AccountAdapter.error_messages["too_many_login_attempts"]).split(".")[0]


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = ["172.30.240.0/24"]
    settings.TRUSTED_CLIENT_IP_HEADER = ""
    return settings


def via_proxy(visitor: str) -> Client:
    """A browser at `visitor`, reaching the portal through nginx, which replaces whatever
    X-Forwarded-For the browser sent with the address it saw ($remote_addr)."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=visitor, HTTP_X_REAL_IP=visitor)


def direct(address: str, *, claimed: str) -> Client:
    """Someone who reaches gunicorn without going through nginx, claiming an address."""
    return Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=claimed, HTTP_X_REAL_IP=claimed)


def login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_ten_bad_logins_from_one_visitor_do_not_lock_out_everyone_behind_the_proxy(
    behind_proxy,
):
    owner = MembershipFactory().user
    strangers = [f"nobody{i}@example.org" for i in range(11)]
    attacker = via_proxy(ATTACKER_ADDR)
    answers = [login(attacker, email, "wrong-password-1") for email in strangers]
    assert TOO_MANY in answers[-1].content.decode()  # the attacker's address is slowed down

    response = login(via_proxy(OWNER_ADDR), owner.email)
    assert response.status_code == 302, response.content.decode()[:500]


def test_guessing_one_account_from_many_addresses_does_not_lock_out_its_owner(behind_proxy):
    owner = MembershipFactory().user
    for i in range(8):
        answer = login(via_proxy(f"203.0.113.{10 + i}"), owner.email, "wrong-password-1")
        assert answer.status_code == 200
    response = login(via_proxy(OWNER_ADDR), owner.email)
    assert response.status_code == 302, response.content.decode()[:500]


def test_guessing_one_account_from_one_address_is_stopped_after_five(behind_proxy):
    owner = MembershipFactory().user
    attacker = via_proxy(ATTACKER_ADDR)
    for _ in range(5):
        assert TOO_MANY not in login(attacker, owner.email, "wrong-password-1").content.decode()
    # Even the right password is refused from that address for now...
    blocked = login(attacker, owner.email)
    assert blocked.status_code == 200 and TOO_MANY in blocked.content.decode()
    # ...while the owner's own address still logs in.
    assert login(via_proxy(OWNER_ADDR), owner.email).status_code == 302


# --- Guessing at one account from many addresses ---------------------------------------
#
# ACCOUNT_RATE_LIMITS "login_failed_account": 20 failures an hour at one account, from all
# addresses together. Past that, only the owner's known addresses and browsers may try it.

BOTNET = [f"203.0.113.{100 + i}" for i in range(25)]


def guess_from_many_addresses(email: str) -> list:
    """25 wrong passwords at one account, each from a different address."""
    return [login(via_proxy(address), email, "wrong-password-1") for address in BOTNET]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_one_address_hammering_many_accounts_is_slowed(behind_proxy):
    attacker = via_proxy(ATTACKER_ADDR)
    members = [MembershipFactory().user for _ in range(11)]
    answers = [login(attacker, member.email, "wrong-password-1") for member in members]
    assert TOO_MANY not in answers[9].content.decode()
    assert TOO_MANY in answers[10].content.decode()
    # The next account's right password is refused from that address too, for now.
    assert TOO_MANY in login(attacker, MembershipFactory().user.email).content.decode()
    assert not logged_in(attacker)


def test_many_addresses_guessing_at_one_account_are_stopped_after_twenty(behind_proxy):
    owner = MembershipFactory().user
    answers = guess_from_many_addresses(owner.email)
    assert all(answer.status_code == 200 for answer in answers)
    assert TOO_MANY not in answers[19].content.decode()
    assert all(TOO_MANY in answer.content.decode() for answer in answers[20:])
    # The 26th address is refused even with the right password.
    newcomer = via_proxy("203.0.113.200")
    refused = login(newcomer, owner.email)
    assert refused.status_code == 200
    assert TOO_MANY in refused.content.decode()
    assert not logged_in(newcomer)


def test_the_owner_still_logs_in_from_an_address_they_used_before(behind_proxy):
    owner = MembershipFactory().user
    before = via_proxy(OWNER_ADDR)
    assert login(before, owner.email).status_code == 302
    before.post(reverse("account_logout"))

    guess_from_many_addresses(owner.email)

    # A fresh browser (no cookie of ours) at the owner's usual address.
    at_home = via_proxy(OWNER_ADDR)
    response = login(at_home, owner.email)
    assert response.status_code == 302, response.content.decode()[:500]
    assert logged_in(at_home)
    # Their address does not let anyone else in: a wrong password there is still wrong...
    assert TOO_MANY not in login(via_proxy(OWNER_ADDR), owner.email, "nope-1").content.decode()
    # ...and the limit still holds everywhere else.
    assert TOO_MANY in login(via_proxy("203.0.113.201"), owner.email).content.decode()


def test_the_owner_still_logs_in_with_a_browser_they_used_before_from_a_new_address(
    behind_proxy,
):
    """Behind carrier NAT a phone changes address: the browser is what we remember."""
    owner = MembershipFactory().user
    phone = via_proxy("198.51.100.30")
    assert login(phone, owner.email).status_code == 302
    phone.post(reverse("account_logout"))  # our cookie outlives the session

    guess_from_many_addresses(owner.email)

    # Another browser at a new address is refused; the phone, at its new address, is not.
    assert TOO_MANY in login(via_proxy("198.51.100.32"), owner.email).content.decode()
    phone.defaults.update(HTTP_X_FORWARDED_FOR="198.51.100.31", HTTP_X_REAL_IP="198.51.100.31")
    response = login(phone, owner.email)
    assert response.status_code == 302, response.content.decode()[:500]
    assert logged_in(phone)


def test_a_forged_or_borrowed_known_browser_cookie_does_not_get_past_the_limit(behind_proxy):
    owner = MembershipFactory().user
    neighbour = MembershipFactory().user
    guess_from_many_addresses(owner.email)

    forger = via_proxy("203.0.113.202")
    forger.cookies["portal_known_device"] = str(owner.pk)  # not signed by the portal
    assert TOO_MANY in login(forger, owner.email).content.decode()
    assert not logged_in(forger)

    # A browser that knows another account (the attacker's own) is no key to this one.
    attackers_own = via_proxy("203.0.113.203")
    assert login(attackers_own, neighbour.email).status_code == 302
    attackers_own.post(reverse("account_logout"))
    assert TOO_MANY in login(attackers_own, owner.email).content.decode()
    assert not logged_in(attackers_own)


def test_guessing_at_one_account_leaves_other_accounts_alone(behind_proxy):
    owner = MembershipFactory().user
    other = MembershipFactory().user
    guess_from_many_addresses(owner.email)
    assert TOO_MANY in login(via_proxy("203.0.113.205"), owner.email).content.decode()

    # From one of the guessing addresses and from a new one: the other account is unaffected.
    assert TOO_MANY not in login(via_proxy(BOTNET[0]), other.email, "typo-1").content.decode()
    assert login(via_proxy(BOTNET[1]), other.email).status_code == 302
    assert login(via_proxy("203.0.113.204"), other.email).status_code == 302


def test_an_account_that_does_not_exist_gets_the_same_answer(behind_proxy):
    """Nobody learns which emails have accounts from when the limit starts to bite."""
    answers = guess_from_many_addresses("nobody-here@example.org")
    assert TOO_MANY not in answers[19].content.decode()
    assert TOO_MANY in answers[20].content.decode()


def test_a_completed_password_reset_lets_the_owner_in_from_a_new_address(behind_proxy):
    """The owner on a new laptop, after the attack: resetting the password (which proves
    the mailbox) starts the account-wide count again."""
    owner = MembershipFactory().user
    guess_from_many_addresses(owner.email)
    laptop = via_proxy("198.51.100.40")
    assert TOO_MANY in login(laptop, owner.email).content.decode()

    laptop.post(reverse("account_reset_password"), {"email": owner.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    response = laptop.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    new_password = "a-brand-new-passphrase-7"  # noqa: S105
    reset = laptop.post(form_url, {"password1": new_password, "password2": new_password})
    assert reset.status_code == 302

    response = login(laptop, owner.email, new_password)
    assert response.status_code == 302, response.content.decode()[:500]


def test_a_spoofed_forwarded_for_from_outside_the_proxy_is_ignored(behind_proxy):
    owner = MembershipFactory().user
    strangers = [f"nobody{i}@example.org" for i in range(11)]
    # Each attempt claims a new address; the portal counts them all under the real one.
    answers = [
        login(direct(ATTACKER_ADDR, claimed=f"198.51.100.{i + 1}"), email, "wrong-password-1")
        for i, email in enumerate(strangers)
    ]
    assert TOO_MANY in answers[-1].content.decode()
    # The address claimed most recently is not blamed: its owner logs in through nginx.
    response = login(via_proxy("198.51.100.11"), owner.email)
    assert response.status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    owner = MembershipFactory().user
    for i in range(11):
        login(direct(PROXY, claimed=f"198.51.100.{i + 1}"), f"n{i}@example.org", "wrong-pass-1")
    blocked = login(direct(PROXY, claimed=OWNER_ADDR), owner.email)
    assert TOO_MANY in blocked.content.decode()


def _case_for(member):
    return case_services.case_submit(
        member=member,
        details=case_services.CaseDetails(
            category="pay",
            employer=member.membership.employer,
            what_happened="Pay was cut without notice.",
            desired_outcome="Back pay",
            problem_started_on=date(2024, 5, 1),
        ),
    )


def test_the_case_access_record_keeps_the_visitors_address_not_the_proxys(behind_proxy, tmp_path):
    behind_proxy.PRIVATE_MEDIA_ROOT = tmp_path
    member = MembershipFactory().user
    case = _case_for(member)
    browser = via_proxy(OWNER_ADDR)
    browser.force_login(member)
    assert browser.get(reverse("casework:detail", args=[case.reference])).status_code == 200
    assert CaseAccess.objects.filter(case=case).latest("at").ip == OWNER_ADDR

    spoofer = direct(ATTACKER_ADDR, claimed="192.0.2.99")
    spoofer.force_login(member)
    assert spoofer.get(reverse("casework:detail", args=[case.reference])).status_code == 200
    assert CaseAccess.objects.filter(case=case).latest("at").ip == ATTACKER_ADDR


def test_x_real_ip_can_be_the_header_instead(behind_proxy):
    behind_proxy.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    owner = MembershipFactory().user
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=ATTACKER_ADDR)
    for i in range(11):
        answer = login(attacker, f"nobody{i}@example.org", "wrong-password-1")
    assert TOO_MANY in answer.content.decode()
    owner_browser = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=OWNER_ADDR)
    assert login(owner_browser, owner.email).status_code == 302


def test_a_proxy_request_without_a_usable_address_is_counted_under_the_proxy(behind_proxy):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
    for i in range(11):
        answer = login(client, f"nobody{i}@example.org", "wrong-password-1")
    assert TOO_MANY in answer.content.decode()


# --- The production configuration says the same ------------------------------------------


def test_nginx_replaces_the_forwarded_for_the_visitor_sent():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    directives = dict(
        re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(.+?);", conf, flags=re.MULTILINE)
    )
    assert directives["X-Forwarded-For"] == "$remote_addr"
    assert directives["X-Real-IP"] == "$remote_addr"
    assert "$proxy_add_x_forwarded_for" not in re.sub(r"#.*", "", conf)


def test_compose_trusts_one_proxy_on_its_own_network():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["environment"]
    assert web["TRUSTED_PROXY_COUNT"] == "1"
    default = "172.30.240.0/24"
    assert web["TRUSTED_PROXY_IPS"] == "${PORTAL_SUBNET:-" + default + "}"
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert subnet == web["TRUSTED_PROXY_IPS"]
    assert ipaddress.ip_address(PROXY) in ipaddress.ip_network(default)
    # gunicorn is reachable only through the proxy: its port is not published.
    assert "ports" not in compose["services"]["web"]


# --- Over a real socket ------------------------------------------------------------------


def http_get(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_proxied_request_is_counted_under_the_visitors_address(live_server, settings):
    """The test plays nginx on 127.0.0.1: real HTTP to the running portal, REMOTE_ADDR
    from the socket, X-Forwarded-For set to the visitor's address."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    settings.EMPLOYER_SEARCH_PER_MINUTE = 3
    url = live_server.url + reverse("accounts:employer_search") + "?q=river"
    attacker = {"X-Forwarded-For": ATTACKER_ADDR, "X-Real-IP": ATTACKER_ADDR}
    owner = {"X-Forwarded-For": OWNER_ADDR, "X-Real-IP": OWNER_ADDR}
    assert [http_get(url, attacker) for _ in range(4)] == [200, 200, 200, 429]
    assert http_get(url, owner) == 200

    # With no proxy trusted, the header changes nothing: everyone is the proxy, 127.0.0.1,
    # and the attacker's searches use up the owner's.
    settings.TRUSTED_PROXY_COUNT = 0
    assert [http_get(url, attacker) for _ in range(3)] == [200, 200, 200]
    assert http_get(url, owner) == 429
