"""Joining: the form, the confirmation with section and fee band, verification, and bad input."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.accounts.choices import MembershipStatus
from portal.accounts.forms import (
    EMPLOYER_AMBIGUOUS,
    EMPLOYER_KIND_REQUIRED,
    PASSWORDS_DIFFER,
    POSTCODE_INVALID,
    POSTCODE_NATION_MISMATCH,
)
from portal.accounts.membership import membership_number_is_valid
from portal.accounts.models import Employer, Membership, User
from tests.factories import EmployerFactory, MembershipFactory, region

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-7"


@pytest.fixture
def school(db):
    return EmployerFactory(name="Riverside Primary School", town="London")


def join_data(**overrides):
    data = {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "Ann.Lee@Example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "employer": "Riverside Primary School",
        "employer_kind": "",
        "employer_town": "",
        "job_role": "headteacher",
        "hours": "full_time",
        "workplace_postcode": "n1 9gu",
        "region": str(region("london").pk),
    }
    data.update(overrides)
    return data


def verification_link(message) -> str:
    return re.search(r"https?://testserver(/accounts/confirm-email/[^\s]+)", message.body).group(1)


def test_a_visitor_joins_sees_placement_verifies_and_becomes_active(client, school):
    response = client.post(reverse("accounts:join"), join_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:join_confirm")
    assert not User.objects.exists(), "nothing is saved before the visitor confirms"

    page = client.get(reverse("accounts:join_confirm")).content.decode()
    assert "Leadership" in page
    assert "Leadership, full time: £33.00 a month" in page
    assert "Headteacher/Principal is a leadership role" in page
    assert "Riverside Primary School, London" in page

    response = client.post(reverse("accounts:join_confirm"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:join_check_email")
    membership = Membership.objects.get(user__email="ann.lee@example.org")
    assert membership.status == MembershipStatus.APPLICANT
    assert membership_number_is_valid(membership.number)
    assert (membership.section, membership.fee_band) == ("leadership", "L1")
    assert membership.workplace_postcode == "N1 9GU"
    assert membership.employer == school
    assert not EmailAddress.objects.get(user=membership.user).verified

    assert len(mail.outbox) == 1
    link = verification_link(mail.outbox[0])
    # Logging in before verifying is refused: mandatory verification.
    response = client.post(
        reverse("account_login"), {"login": "ann.lee@example.org", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session

    assert client.get(link).status_code == 200
    response = client.post(link)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE

    # Opened in the browser that joined: signed in and welcomed, not sent to log in again.
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert client.session.get("_auth_user_id") == str(membership.user.pk)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Welcome to Education Union, Ann" in page
    assert "Not a member yet?" not in page
    assert membership.number in page
    assert "Active" in page
    assert "Leadership, full time" in page
    assert "Nothing is taken yet." in page
    # The welcome is said once.
    assert "Welcome to" not in client.get(reverse("accounts:dashboard")).content.decode()


def test_the_link_opened_in_another_browser_confirms_and_asks_to_log_in_with_a_welcome(
    client, school
):
    client.post(reverse("accounts:join"), join_data())
    client.post(reverse("accounts:join_confirm"))
    link = verification_link(mail.outbox[0])
    other = Client()
    response = other.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?welcome=1"
    page = other.get(response["Location"]).content.decode()
    assert "Your email address is confirmed and your membership has started" in page
    assert "Not a member yet?" not in page
    response = other.post(
        response["Location"], {"login": "ann.lee@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "Welcome to Education Union" in other.get(reverse("accounts:dashboard")).content.decode()


def test_the_check_page_says_when_and_how_the_member_pays(client, school):
    client.post(reverse("accounts:join"), join_data())
    page = client.get(reverse("accounts:join_confirm")).content.decode()
    assert "How and when you pay" in page
    assert "Nothing is taken now." in page
    assert "Direct Debit of £33.00" in page


def test_nation_and_region_are_one_question_and_the_region_gives_the_nation(client, school):
    page = client.get(reverse("accounts:join")).content.decode()
    assert 'name="nation"' not in page
    assert '<optgroup label="England">' in page
    for name in ("London", "Wales", "Scotland", "Northern Ireland"):
        assert f">{name}</option>" in page
    data = join_data(region=str(region("wales").pk), workplace_postcode="CF10 4UW")
    assert client.post(reverse("accounts:join"), data).status_code == 302
    client.post(reverse("accounts:join_confirm"))
    membership = Membership.objects.get(user__email="ann.lee@example.org")
    assert (membership.region.slug, membership.nation) == ("wales", "wales")


def test_every_password_problem_is_shown_at_once_and_other_answers_are_kept(client, school):
    response = client.post(
        reverse("accounts:join"), join_data(password1="12345", password2="54321")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "too short" in page
    assert "entirely numeric" in page
    assert str(PASSWORDS_DIFFER) in page
    assert 'value="Ann"' in page and 'value="Riverside Primary School"' in page
    assert 'value="12345"' not in page
    assert "type them again" in page


def test_joining_with_a_new_employer_adds_it_unverified(client):
    data = join_data(
        employer="Hillside Learning Trust",
        employer_kind="mat",
        employer_town="Derby",
        job_role="teacher",
        hours="part_time",
        region=str(region("east-midlands").pk),
        workplace_postcode="DE1 1AA",
    )
    assert client.post(reverse("accounts:join"), data).status_code == 302
    page = client.get(reverse("accounts:join_confirm")).content.decode()
    assert "new to us" in page
    assert "Professional, part time" in page
    client.post(reverse("accounts:join_confirm"))
    employer = Employer.objects.get(name="Hillside Learning Trust")
    assert (employer.kind, employer.town, employer.verified) == ("mat", "Derby", False)
    assert Membership.objects.get(user__email="ann.lee@example.org").employer == employer


def test_an_employer_is_found_by_its_name_and_town_label(client, school):
    EmployerFactory(name="Riverside Primary School", town="Hull")
    response = client.post(reverse("accounts:join"), join_data())
    assert response.status_code == 400
    assert str(EMPLOYER_AMBIGUOUS) in response.content.decode()
    response = client.post(
        reverse("accounts:join"), join_data(employer="Riverside Primary School, London")
    )
    assert response.status_code == 302


def test_an_already_registered_email_gets_the_same_page_and_an_email_not_an_error(client, school):
    existing = MembershipFactory(user__email="ann.lee@example.org")
    before = Membership.objects.count()
    client.post(reverse("accounts:join"), join_data())
    response = client.post(reverse("accounts:join_confirm"))
    assert response["Location"] == reverse("accounts:join_check_email")
    assert Membership.objects.count() == before
    assert User.objects.filter(email__iexact="ann.lee@example.org").count() == 1
    assert existing.user.check_password("correct-horse-battery-9")
    assert len(mail.outbox) == 1
    assert "confirm-email" not in mail.outbox[0].body
    assert mail.outbox[0].to == ["ann.lee@example.org"]


def test_confirm_without_answers_sends_back_to_the_form(client):
    response = client.post(reverse("accounts:join_confirm"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:join")
    assert not User.objects.exists()


def test_the_form_is_prefilled_when_the_visitor_goes_back_to_change_details(client, school):
    client.post(reverse("accounts:join"), join_data())
    page = client.get(reverse("accounts:join")).content.decode()
    assert 'value="Ann"' in page
    assert "a-long-enough-passphrase-7" not in page


BAD_INPUT = [
    ({"first_name": ""}, "first_name", "This field is required."),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ({"email": "x" * 250 + "@a.example"}, "email", "Ensure this value has at most 254"),
    ({"password1": "short", "password2": "short"}, "password1", "too short"),
    ({"password1": "password1234", "password2": "password1234"}, "password1", "too common"),
    ({"password2": "something-else-entirely"}, "password2", PASSWORDS_DIFFER),
    ({"employer": ""}, "employer", "This field is required."),
    ({"employer": "Nowhere Academy"}, "employer_kind", EMPLOYER_KIND_REQUIRED),
    ({"employer": "Nowhere", "employer_kind": "spaceship"}, "employer_kind", "valid choice"),
    ({"job_role": "astronaut"}, "job_role", "Select a valid choice"),
    ({"hours": ""}, "hours", "This field is required."),
    ({"workplace_postcode": "ZZZ"}, "workplace_postcode", POSTCODE_INVALID),
    ({"workplace_postcode": "BT3 9DT"}, "workplace_postcode", POSTCODE_NATION_MISMATCH),
    ({"region": ""}, "region", "This field is required."),
    ({"region": "999999"}, "region", "Select a valid choice"),
    ({"region": "'; DROP TABLE accounts_user; --"}, "region", "Select a valid choice"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client, school, overrides, field, message
):
    response = client.post(reverse("accounts:join"), join_data(**overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'id="id_{field}_error"' in page
    assert message.replace("'", "&#x27;") in page or message in page
    assert 'aria-invalid="true"' in page
    assert "a-long-enough-passphrase-7" not in page, "a password is never sent back"
    assert not User.objects.exists()
    assert client.session.get("portal.join.pending") is None


def test_hostile_text_is_escaped_not_run(client, school):
    response = client.post(
        reverse("accounts:join"),
        join_data(first_name="<script>alert(1)</script>", email="bad"),
    )
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_logged_in_member_is_not_asked_to_join_again(member_client):
    response = member_client.get(reverse("accounts:join"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


def test_employer_search_finds_by_name_or_town_and_ignores_short_queries(client, school):
    EmployerFactory(name="Hilltop School", town="Riverton")
    data = client.get(reverse("accounts:employer_search"), {"q": "river"}).json()
    labels = {r["label"] for r in data["results"]}
    assert labels == {"Riverside Primary School, London", "Hilltop School, Riverton"}
    assert client.get(reverse("accounts:employer_search"), {"q": "r"}).json() == {"results": []}
    assert client.get(reverse("accounts:employer_search"), {"q": "%' OR 1=1"}).json() == {
        "results": []
    }


def test_joining_is_rate_limited(client, school, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    statuses = []
    for n in range(3):
        client.post(reverse("accounts:join"), join_data(email=f"new{n}@example.org"))
        statuses.append(client.post(reverse("accounts:join_confirm")).status_code)
    assert statuses == [302, 302, 429]
    assert User.objects.count() == 2
