"""Choosing a workplace by name at join, in the profile and when moving: the employer's
verified workplaces (and one's own), a new one added unverified, the postcode's guess when
the box is left empty, an invite's workplace filled in, and a workplace of another employer
refused with nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.forms import WORKPLACE_OTHER_EMPLOYER
from portal.accounts.models import Membership, User, Workplace
from portal.accounts.services import workplace_for
from portal.accounts.views import WORKPLACE_SEARCH_LIMITED
from tests.accounts.test_join import join_data
from tests.accounts.test_member_pages import profile_data
from tests.factories import EmployerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust(db):
    employer = EmployerFactory(name="Riverside Primary School", town="London")
    Workplace.objects.create(employer=employer, name="Riverside Main Site", postcode="N1 9GU")
    Workplace.objects.create(employer=employer, name="Riverside Annexe", postcode="N1 9GU")
    Workplace.objects.create(
        employer=employer, name="Riverside Hidden", postcode="N1 9GU", verified=False
    )
    return employer


@pytest.fixture
def elsewhere(db):
    other = EmployerFactory(name="Hill Academy Trust", town="York")
    return Workplace.objects.create(employer=other, name="Hill Academy", postcode="YO1 7HH")


def join_and_confirm(client, **overrides):
    response = client.post(reverse("accounts:join"), join_data(**overrides))
    assert response.status_code == 302, response.content.decode()
    client.post(reverse("accounts:join_confirm"))
    return Membership.objects.get(user__email="ann.lee@example.org")


def test_the_join_form_has_a_workplace_box_after_the_employer(client):
    page = client.get(reverse("accounts:join")).content.decode()
    assert 'name="workplace"' in page and 'list="workplace-options"' in page
    assert page.index('name="employer"') < page.index('name="workplace"')
    assert 'data-workplace-search="/join/workplaces/"' in page


def test_a_member_joins_at_the_workplace_chosen_from_the_list(client, trust):
    response = client.post(
        reverse("accounts:join"), join_data(workplace="Riverside Annexe, N1 9GU")
    )
    assert response.status_code == 302
    assert (
        "Riverside Annexe, N1 9GU" in client.get(reverse("accounts:join_confirm")).content.decode()
    )
    client.post(reverse("accounts:join_confirm"))
    membership = Membership.objects.get(user__email="ann.lee@example.org")
    assert membership.workplace.name == "Riverside Annexe"


def test_a_new_workplace_typed_at_join_is_added_unverified(client, trust):
    membership = join_and_confirm(client, workplace="  Riverside   Sixth Form ")
    assert membership.workplace.name == "Riverside Sixth Form"
    assert membership.workplace.employer == trust
    assert membership.workplace.postcode == "N1 9GU"
    assert not membership.workplace.verified


def test_an_empty_box_keeps_the_postcode_guess(client, trust):
    membership = join_and_confirm(client)
    assert membership.workplace == workplace_for(employer=trust, postcode="N1 9GU")


def test_an_unverified_workplace_of_someone_else_is_not_offered_or_matched(client, trust):
    found = client.get(
        reverse("accounts:workplace_search"), {"employer": trust.label, "q": "riverside"}
    ).json()
    labels = [r["label"] for r in found["results"]]
    assert labels == ["Riverside Annexe, N1 9GU", "Riverside Main Site, N1 9GU"]
    membership = join_and_confirm(client, workplace="Riverside Hidden, N1 9GU")
    # Treated as a new name: attached to the same site, still unverified, nothing revealed.
    assert membership.workplace.name == "Riverside Hidden"
    assert not membership.workplace.verified


def test_a_workplace_of_another_employer_is_refused_and_nothing_is_saved(client, trust, elsewhere):
    response = client.post(reverse("accounts:join"), join_data(workplace=elsewhere.label))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_workplace_error"' in page
    assert str(WORKPLACE_OTHER_EMPLOYER).replace("'", "&#x27;") in page
    assert "portal.join.pending" not in client.session
    assert not User.objects.exists()
    assert Workplace.objects.count() == 4


@pytest.mark.parametrize("typed", ["x" * 201, "Riverside\x00Annexe"])
def test_bad_workplace_input_is_refused(client, trust, typed):
    response = client.post(reverse("accounts:join"), join_data(workplace=typed))
    assert response.status_code == 400
    assert 'id="id_workplace_error"' in response.content.decode()
    assert Workplace.objects.count() == 3


def test_an_invite_fills_in_the_workplace(client, trust):
    from reps.models import RepKind, RepRole, RepStatus
    from reps.services import rep_flag_sync, rep_invite_current

    site = Workplace.objects.get(name="Riverside Annexe")
    rep = MembershipFactory(employer=trust, workplace=site)
    role = RepRole.objects.create(
        membership=rep,
        workplace=site,
        kind=RepKind.WORKPLACE,
        status=RepStatus.CONFIRMED,
        accredited_until=timezone.localdate() + timedelta(days=365),
        confirmed_at=timezone.now(),
    )
    rep_flag_sync(membership=rep)
    invite = rep_invite_current(role=role)
    page = client.get(reverse("accounts:join"), {"invite": invite.token}).content.decode()
    assert 'value="Riverside Annexe, N1 9GU"' in page


def test_the_search_lists_only_the_chosen_employers_workplaces(client, trust, elsewhere):
    url = reverse("accounts:workplace_search")
    found = client.get(url, {"employer": "Hill Academy Trust", "q": ""}).json()
    assert [r["label"] for r in found["results"]] == ["Hill Academy, YO1 7HH"]
    for params in (
        {"employer": "Nobody Known", "q": "hill"},
        {"employer": "", "q": "riverside"},
        {"q": "riverside"},
        {"employer": "%' OR 1=1 --", "q": "%"},
        {"employer": "x" * 5000, "q": "y" * 5000},
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        assert response.json() == {"results": []}


def test_the_search_is_limited_per_address(client, trust, settings):
    settings.EMPLOYER_SEARCH_PER_MINUTE = 3
    url = reverse("accounts:workplace_search")
    for _ in range(3):
        assert client.get(url, {"employer": trust.label}).status_code == 200
    response = client.get(url, {"employer": trust.label})
    assert response.status_code == 429
    assert response.json()["error"] == str(WORKPLACE_SEARCH_LIMITED)


def test_the_profile_shows_and_changes_the_workplace(client, trust, elsewhere):
    membership = MembershipFactory(employer=trust)
    client.force_login(membership.user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert f'value="{membership.workplace.label}"' in page
    # The member's own (unverified) workplace still matches.
    data = profile_data(membership, workplace=membership.workplace.label)
    assert client.post(reverse("accounts:profile"), data).status_code == 302
    data = profile_data(membership, workplace="Riverside Main Site, N1 9GU")
    assert client.post(reverse("accounts:profile"), data).status_code == 302
    membership.refresh_from_db()
    assert membership.workplace.name == "Riverside Main Site"


def test_the_profile_refuses_another_employers_workplace(client, trust, elsewhere):
    membership = MembershipFactory(employer=trust)
    before = Membership.objects.values().get(pk=membership.pk)
    client.force_login(membership.user)
    data = profile_data(membership, workplace=elsewhere.label)
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 400
    assert 'id="id_workplace_error"' in response.content.decode()
    assert Membership.objects.values().get(pk=membership.pk) == before
