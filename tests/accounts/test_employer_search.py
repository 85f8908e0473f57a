"""The public employer search: what someone typed when joining stays out of it until an
officer has verified the employer, and nobody can page through the list at speed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Employer, User
from portal.accounts.roles import Role
from portal.accounts.views import EMPLOYER_SEARCH_LIMITED
from tests.accounts.test_join import join_data
from tests.factories import EmployerFactory, region, staff_user

pytestmark = pytest.mark.django_db
SECRET_NAME = "Quietbrook Pupil Referral Unit"


def labels(client: Client, q: str) -> set[str]:
    response = client.get(reverse("accounts:employer_search"), {"q": q})
    assert response.status_code == 200
    return {r["label"] for r in response.json()["results"]}


def join_with_new_employer(client: Client) -> User:
    data = join_data(
        email="joiner@example.org",
        employer=SECRET_NAME,
        employer_kind="school",
        employer_town="Wigan",
        job_role="teacher",
        region=str(region("north-west").pk),
        workplace_postcode="WN1 1AA",
    )
    assert client.post(reverse("accounts:join"), data).status_code == 302
    assert client.post(reverse("accounts:join_confirm")).status_code == 302
    return User.objects.get(email="joiner@example.org")


def test_an_unverified_join_does_not_publish_its_employer_until_an_officer_verifies_it(client):
    EmployerFactory(name="Quietbrook Academy", town="Bolton")  # verified
    joiner = join_with_new_employer(client)
    employer = Employer.objects.get(name=SECRET_NAME)
    assert employer.verified is False

    visitor = Client()
    assert labels(visitor, "quietbrook") == {"Quietbrook Academy, Bolton"}
    assert labels(visitor, "Wigan") == set()  # not by its town either
    other = Client()
    other.force_login(staff_user(mfa=False)[0])
    assert f"{SECRET_NAME}, Wigan" not in labels(other, "quietbrook")

    # The member who added it still finds their own employer on their own form.
    own = Client()
    own.force_login(joiner)
    assert labels(own, "quietbrook") == {"Quietbrook Academy, Bolton", f"{SECRET_NAME}, Wigan"}

    # An officer verifies it in the admin: now it is offered to everyone.
    officer, _ = staff_user(Role.ADMINISTRATOR)
    admin = Client()
    admin.force_login(officer)
    response = admin.post(
        reverse("admin:accounts_employer_change", args=[employer.pk]),
        {"name": SECRET_NAME, "kind": "school", "town": "Wigan", "verified": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert f"{SECRET_NAME}, Wigan" in labels(visitor, "quietbrook")


def test_the_search_is_rate_limited_per_address_with_a_clear_message(settings):
    settings.EMPLOYER_SEARCH_PER_MINUTE = 5
    EmployerFactory(name="Riverside Primary School", town="London")
    scraper = Client(REMOTE_ADDR="203.0.113.7")
    url = reverse("accounts:employer_search")
    statuses = [scraper.get(url, {"q": f"r{i:02d}"}).status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = scraper.get(url, {"q": "riverside"})
    assert refused.status_code == 429
    assert refused.json() == {"results": [], "error": str(EMPLOYER_SEARCH_LIMITED)}
    assert refused["Retry-After"] == "60"
    # Someone else, elsewhere, still searches.
    assert labels(Client(REMOTE_ADDR="198.51.100.20"), "riverside") == {
        "Riverside Primary School, London"
    }


def test_bad_queries_answer_an_empty_list_not_an_error(client):
    EmployerFactory(name="Riverside Primary School", town="London")
    url = reverse("accounts:employer_search")
    for q in ["", "r", "%", "_%_", "x" * 5000, "\x00abc", "' OR 1=1 --"]:
        response = client.get(url, {"q": q})
        assert response.status_code == 200
        assert response.json() == {"results": []}
    assert client.post(url, {"q": "riverside"}).status_code == 405


def test_typing_an_unverified_employers_exact_name_at_join_answers_as_for_a_name_never_seen():
    """The join form answers the same whether or not someone else has named this employer:
    without a type it asks for one, with a type the check page calls it new."""
    join_with_new_employer(Client())

    def attempt(name: str, kind: str = ""):
        data = join_data(
            email=f"{name[:5].lower()}{kind}@example.org",
            employer=name,
            employer_kind=kind,
            job_role="teacher",
            region=str(region("north-west").pk),
            workplace_postcode="WN1 1AA",
        )
        client = Client()
        return client, client.post(reverse("accounts:join"), data)

    _, secret = attempt(SECRET_NAME)
    _, never = attempt("Nowhere Special School")
    assert secret.status_code == never.status_code == 400
    assert "employer_kind" in secret.context["form"].errors
    assert secret.context["form"].errors == never.context["form"].errors

    client, response = attempt(SECRET_NAME, "school")
    assert response.status_code == 302
    assert "new to us: our staff will check it" in client.get(response["Location"]).content.decode()
    assert client.post(reverse("accounts:join_confirm")).status_code == 302
    assert not Employer.objects.filter(name=SECRET_NAME, verified=True).exists()


def test_a_member_keeps_their_own_unverified_employer_on_their_details():
    joiner = join_with_new_employer(Client())
    own = Client()
    own.force_login(joiner)
    membership = joiner.membership
    data = {
        "first_name": joiner.first_name or "Jo",
        "last_name": joiner.last_name or "Joiner",
        "employer": SECRET_NAME,
        "employer_kind": "",
        "job_role": membership.job_role,
        "hours": membership.hours,
        "workplace_postcode": membership.workplace_postcode,
        "region": str(membership.region_id),
    }
    response = own.post(reverse("accounts:profile"), data)
    assert response.status_code == 302, response.context["form"].errors
    membership.refresh_from_db()
    assert membership.employer.name == SECRET_NAME
