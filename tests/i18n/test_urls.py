"""Welsh under /cy/, English where it was: the language of the page, the switch, the
`hreflang` alternates, the member's remembered choice."""

from __future__ import annotations

import re

import pytest

from portal.accounts.models import User
from tests.factories import MembershipFactory


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_english_pages_keep_their_addresses_and_language(client):
    response = client.get("/")
    assert response.status_code == 200
    assert html_lang(response).startswith("en")
    assert "Your union, online" in response.content.decode()
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_welsh_pages_are_under_cy_and_in_welsh(client):
    response = client.get("/cy/")
    assert response.status_code == 200
    assert html_lang(response) == "cy"
    page = response.content.decode()
    assert "Eich undeb, ar-lein" in page
    assert "Your union, online" not in page
    # The navigation's links stay in Welsh.
    assert 'href="/cy/standards/"' in page
    assert client.get("/cy/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_machine_and_staff_addresses_are_not_under_cy(client):
    assert client.get("/healthz/").status_code == 200
    assert client.get("/cy/healthz/").status_code == 404
    assert client.get("/cy/admin/").status_code == 404


@pytest.mark.django_db
def test_every_page_names_its_other_language_version(client):
    page = client.get("/standards/").content.decode()
    assert re.search(r'<link rel="alternate" hreflang="en" href="http[^"]*/standards/"', page)
    assert re.search(r'<link rel="alternate" hreflang="cy" href="http[^"]*/cy/standards/"', page)
    assert re.search(r'<link rel="alternate" hreflang="x-default" href="[^"]*/standards/"', page)
    welsh = client.get("/cy/standards/").content.decode()
    assert 'hreflang="en" href="http' in welsh and "/cy/standards/" in welsh


@pytest.mark.django_db
def test_the_switch_is_a_labelled_link_that_keeps_the_page(client):
    page = client.get("/standards/?q=equality").content.decode()
    link = re.search(r'<a class="language-switch" href="([^"]+)" lang="cy" hreflang="cy">', page)
    assert link and ">Cymraeg</a>" in page
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 302
    assert response["Location"] == "/cy/standards/?q=equality"
    back = client.get("/cy/standards/").content.decode()
    assert re.search(r'class="language-switch" href="[^"]+" lang="en" hreflang="en">English<', back)


@pytest.mark.django_db
def test_the_switch_remembers_a_signed_in_members_choice(client, member):
    client.force_login(member)
    response = client.get("/language/cy/?next=/me/")
    assert response.status_code == 302 and response["Location"] == "/cy/me/"
    member.refresh_from_db()
    assert member.language == "cy"
    # Opening an English address now goes to the Welsh page (GET only).
    redirected = client.get("/me/profile/")
    assert redirected.status_code == 302 and redirected["Location"] == "/cy/me/profile/"
    assert html_lang(client.get("/cy/me/")) == "cy"
    # Choosing English with the switch sends them back to English pages.
    client.get("/language/en-gb/?next=/cy/me/")
    member.refresh_from_db()
    assert member.language == "en-gb"
    assert client.get("/cy/me/")["Location"] == "/me/"


@pytest.mark.django_db
def test_a_member_who_never_chose_is_not_redirected(client, member):
    client.force_login(member)
    assert client.get("/cy/me/").status_code == 200
    assert client.get("/me/").status_code == 200


@pytest.mark.django_db
def test_the_preferences_page_saves_the_language(client, member):
    client.force_login(member)
    page = client.get("/me/preferences/").content.decode()
    assert 'name="language" value="cy"' in page
    response = client.post("/language/", {"language": "cy", "next": "/me/preferences/"})
    assert response.status_code == 302 and response["Location"] == "/cy/me/preferences/"
    member.refresh_from_db()
    assert member.language == "cy"
    page = client.get("/cy/me/preferences/").content.decode()
    assert re.search(r'value="cy" id="language-cy" checked', page)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["fr", "", "cy<script>", "EN-GB"])
def test_an_unknown_language_is_refused_and_nothing_saved(client, value):
    member = MembershipFactory().user
    client.force_login(member)
    response = client.post("/language/", {"language": value, "next": "/me/"})
    assert 400 <= response.status_code < 500
    if value:
        assert 400 <= client.get(f"/language/{value}/?next=/me/").status_code < 500
    assert User.objects.get(pk=member.pk).language == ""


@pytest.mark.django_db
def test_the_switch_goes_nowhere_outside_the_portal(client):
    response = client.get("/language/cy/?next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/cy/"


@pytest.mark.django_db
def test_a_post_to_an_english_address_is_not_redirected(client, member):
    member.language = "cy"
    member.save(update_fields=["language"])
    client.force_login(member)
    response = client.post("/me/preferences/", {})
    assert response.status_code != 302 or not response["Location"].startswith("/cy/")
