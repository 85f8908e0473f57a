"""The officers' queue at scale: the name search reads the case's copy of the member's name
(kept by the database), counts stop at the pages an officer can reach, and the number of
queries does not grow with the cases."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from casework.models import Case
from casework.queue import QueuePaginator


def test_the_name_search_follows_the_members_name(client, people, submit):
    member = people["member"]
    member.first_name, member.last_name = "Ada", "Quennell"
    member.save()
    case = submit(member)
    client.force_login(people["manager"])
    url = reverse("admin:casework_case_changelist")
    assert case.reference in client.get(url, {"q": "quenn"}).content.decode()
    assert case.reference in client.get(url, {"q": "ada QUENNELL"}).content.decode()
    assert case.reference not in client.get(url, {"q": "ada smith"}).content.decode()
    member.last_name = "Marlowe"
    member.save()
    assert case.reference not in client.get(url, {"q": "quennell"}).content.decode()
    assert case.reference in client.get(url, {"q": "marlowe"}).content.decode()
    # A case moved to another member (or saved with a stale copy) takes the new name.
    Case.objects.filter(pk=case.pk).update(member=people["member_b"], member_search="X")
    case.refresh_from_db()
    b = people["member_b"]
    assert case.member_search == f"{b.first_name} {b.last_name}".upper()


def test_the_name_search_keeps_the_access_rule(client, people, submit):
    member = people["welsh"]
    member.last_name = "Penhallow"
    member.save()
    case = submit(member)
    client.force_login(people["cw_london"])
    page = client.get(reverse("admin:casework_case_changelist"), {"q": "penhallow"})
    assert page.status_code == 200 and case.reference not in page.content.decode()


@pytest.mark.django_db
def test_the_count_stops_at_the_pages_an_officer_can_reach(monkeypatch, people, submit):
    for _ in range(5):
        submit(people["member"])
    monkeypatch.setattr(QueuePaginator, "floor", 3)
    monkeypatch.setattr(QueuePaginator, "ahead", 0)
    cases = Case.objects.exclude(status="draft").order_by("pk")
    capped = QueuePaginator(cases, 1, page=1)
    assert capped.capped and capped.count == 4 and capped.num_pages == 4
    wide = QueuePaginator(cases, 1, page=9)
    assert not wide.capped and wide.count == 5


def test_the_queue_says_more_than_when_the_count_stops(client, people, submit, monkeypatch):
    for _ in range(3):
        submit(people["member"])
    monkeypatch.setattr(QueuePaginator, "floor", 2)
    monkeypatch.setattr(QueuePaginator, "ahead", 0)
    monkeypatch.setattr(admin.site._registry[Case], "list_per_page", 1)
    client.force_login(people["manager"])
    page = client.get(reverse("admin:casework_case_changelist"))
    assert "more than 2 cases" in page.content.decode()


def test_the_filtered_and_searched_queue_does_not_grow_in_queries(
    client, people, submit, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    url = reverse("admin:casework_case_changelist")
    name = people["member"].last_name
    query = {"open": "open", "priority__exact": "normal", "q": name}
    submit(people["member"])
    with django_assert_max_num_queries(40) as first:
        assert client.get(url, query).status_code == 200
    for _ in range(60):
        submit(people["member"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url, {**query, "p": "2"}).status_code == 200


def test_the_queue_rows_are_what_the_admin_would_write(rf, people, submit):
    from datetime import date

    from django.contrib.admin.templatetags.admin_list import items_for_result

    from casework import services
    from casework.queue import queue_rows

    plain = submit(people["member"])
    flagged = submit(people["member_b"], hearing_date=date(2030, 3, 4), colleagues_affected=True)
    Case.objects.filter(pk=flagged.pk).update(urgent=True, eligibility_concern="Lapsed")
    services.case_assign(case=plain, officer=people["manager"], by=people["manager"])
    request = rf.get("/admin/casework/case/", {"open": "open"})
    request.user = people["manager"]
    model_admin = admin.site._registry[Case]
    cl = model_admin.get_changelist_instance(request)
    assert len(cl.result_list) == 2
    django_rows = [[str(c) for c in items_for_result(cl, r, None)] for r in cl.result_list]
    assert [[str(c) for c in row] for row in queue_rows(cl)] == django_rows


def test_a_whole_reference_opens_the_case_and_anything_else_lists(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["manager"])
    url = reverse("admin:casework_case_changelist")
    change = reverse("admin:casework_case_change", args=[case.pk])
    response = client.get(url, {"q": f"  {case.reference.lower()} "})
    assert response.status_code == 302 and response["Location"] == change
    # With a filter beside it, or part of a reference, the list answers as usual.
    listed = client.get(url, {"q": case.reference, "open": "open"})
    assert listed.status_code == 200 and change in listed.content.decode()
    partial = client.get(url, {"q": case.reference[:-1]})
    assert partial.status_code == 200 and change not in partial.content.decode()
    # A reference that does not exist is a search that finds nothing.
    missing = client.get(url, {"q": "CW-1999-000001"})
    assert missing.status_code == 200 and "0 cases" in missing.content.decode()
