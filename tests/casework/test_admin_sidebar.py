"""The admin's navigation sidebar, kept rendered per person and permissions
(portal/admin_sidebar.py): the same sidebar as Django's, the current model marked, and a
change of role shown on the next page, not a minute later."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal import admin_sidebar
from portal.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh():
    admin_sidebar.forget()
    yield
    admin_sidebar.forget()


def sidebar(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(r'<nav class="sticky" id="nav-sidebar".*?</nav>', response.text, re.S)
    assert match, "no sidebar on the page"
    return match.group(0)


def current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


def test_the_kept_sidebar_is_the_one_django_renders_and_marks_the_current_model(
    client, people, submit
):
    case = submit(people["member"])
    client.force_login(people["manager"])
    queue = reverse("admin:casework_case_changelist")
    first = sidebar(client, queue)
    assert current(first) == [queue]
    # Kept: the same HTML, the case page under the same model marks the same one.
    assert sidebar(client, queue) == first
    assert current(sidebar(client, reverse("admin:casework_case_change", args=[case.pk]))) == [
        queue
    ]
    # Another model's page marks that model, not the queue.
    access_log = reverse("admin:casework_caseaccess_changelist")
    assert current(sidebar(client, access_log)) == [access_log]
    # What Django itself renders with nothing kept.
    admin_sidebar.forget()
    assert sidebar(client, queue) == first


def test_a_change_of_role_shows_in_the_sidebar_on_the_next_page(client, people):
    manager = people["manager"]
    client.force_login(manager)
    # A page under no model (kept under that key), open to every staff account.
    page = reverse("admin:password_change")
    queue = reverse("admin:casework_case_changelist")
    assert queue in sidebar(client, page)
    # From casework manager to publisher: casework leaves the sidebar at once.
    manager.groups.set([Group.objects.get(name=Role.PUBLISHER)])
    assert queue not in sidebar(client, page)
    manager.groups.set([Group.objects.get(name=Role.CASEWORK_MANAGER)])
    assert queue in sidebar(client, page)


def test_each_person_gets_their_own_sidebar(client, people):
    client.force_login(people["manager"])
    queue = reverse("admin:casework_case_changelist")
    page = reverse("admin:password_change")
    assert queue in sidebar(client, page)
    client.force_login(people["publisher"])
    assert queue not in sidebar(client, page)
