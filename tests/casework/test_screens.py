"""The screens officers live in: the queue's filter bar and views (built-in and saved), and
the case screen's two columns with its one-click actions."""

import pytest
from django.urls import reverse

from casework import services
from casework.models import QueueView

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:casework_case_changelist")
VIEWS = reverse("admin:casework_case_views")


def test_the_filters_are_one_bar_of_menus_and_all_is_dropped(client, people, submit):
    submit(people["member"])
    client.force_login(people["cw_london"])
    page = client.get(QUEUE).content.decode()
    assert 'class="queue-filters"' in page
    assert 'id="changelist-filter"' not in page, "no sidebar of stacked filter lists"
    for label in ("Assigned", "Flags", "Hearing", "Status", "Category", "Region"):
        assert f">{label}</label>" in page, label
    # The bar sends every menu; the empty ones ("All") are dropped, not filtered on.
    response = client.get(QUEUE, {"assigned": "me", "status__exact": "", "flag": ""})
    assert response.status_code == 302 and response["Location"].endswith("?assigned=me")
    response = client.get(QUEUE, {"status__exact": "", "q": ""})
    assert response.status_code == 302 and response["Location"] == "?"


def test_built_in_views_and_saving_ones_own(client, people, submit):
    officer = people["cw_london"]
    client.force_login(officer)
    page = client.get(QUEUE).content.decode()
    for name in ("My urgent", "Hearings this week", "Unassigned", "Replies waiting"):
        assert f">{name}</a>" in page, name
    page = client.get(QUEUE, {"assigned": "me", "flag": "urgent", "open": "open"}).content
    assert b'aria-current="page">My urgent' in page
    # save the current filters under a name; the search term is never kept
    response = client.post(
        VIEWS, {"name": "  Pay  cases ", "query": "category__exact=pay&q=Smith&p=3&bogus=1"}
    )
    view = QueueView.objects.get(officer=officer)
    assert (view.name, view.query) == ("Pay cases", "category__exact=pay")
    assert response["Location"] == f"{QUEUE}?category__exact=pay"
    assert b">Pay cases</a>" in client.get(QUEUE).content
    # another officer neither sees nor deletes it
    client.force_login(people["cw_wales"])
    assert b">Pay cases</a>" not in client.get(QUEUE).content
    assert client.post(VIEWS, {"action": "delete", "view": view.pk}).status_code == 404
    assert QueueView.objects.filter(pk=view.pk).exists()
    client.force_login(officer)
    client.post(VIEWS, {"action": "delete", "view": view.pk})
    assert not QueueView.objects.filter(pk=view.pk).exists()


@pytest.mark.parametrize(
    "data, words",
    [
        ({"name": "", "query": "flag=urgent"}, "Give the view a name."),
        ({"name": "Everything", "query": "q=Smith"}, "Choose some filters first"),
        ({"name": "Everything", "query": "bogus=1&p=2"}, "Choose some filters first"),
    ],
)
def test_saving_a_view_refuses_bad_input(client, people, data, words):
    client.force_login(people["cw_london"])
    response = client.post(VIEWS, data)
    assert response.status_code == 400 and words in response.content.decode()
    assert not QueueView.objects.exists()


def test_a_view_name_is_unique_for_its_officer_and_get_is_refused(client, people):
    client.force_login(people["cw_london"])
    client.post(VIEWS, {"name": "Mine", "query": "flag=urgent"})
    response = client.post(VIEWS, {"name": "Mine", "query": "flag=overdue"})
    assert response.status_code == 400 and "already have a view" in response.content.decode()
    assert client.get(VIEWS).status_code == 405
    assert client.post(VIEWS, {"action": "delete", "view": "x"}).status_code == 404
    client.force_login(people["publisher"])
    assert client.post(VIEWS, {"name": "Mine", "query": "flag=urgent"}).status_code == 403


def test_the_case_screen_has_two_columns_and_take_is_one_click(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    url = reverse("admin:casework_case_change", args=[case.pk])
    page = client.get(url).content.decode()
    main = page.split('class="case-main"')[1].split('class="case-side"')[0]
    side = page.split('class="case-side"')[1]
    assert 'class="case-timeline"' in main and 'id="id_message"' in main
    assert 'id="id_note"' in main
    assert 'id="id_new_status"' in side and "Correct the facts" in side
    assert 'name="_take"' in page and "Keyboard shortcuts" in page
    response = client.post(url, {"priority": case.priority, "_take": "1"})
    assert response.status_code == 302 and response["Location"] == url
    case.refresh_from_db()
    assert case.assigned_to == officer
    assert 'name="_take"' not in client.get(url).content.decode(), "taken: not offered again"
    # someone else's case is not offered to take
    other = submit(people["member_b"])
    services.case_assign(case=other, officer=people["manager"], by=people["manager"])
    other_url = reverse("admin:casework_case_change", args=[other.pk])
    assert 'name="_take"' not in client.get(other_url).content.decode()
