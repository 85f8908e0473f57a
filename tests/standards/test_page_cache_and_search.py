"""The anonymous document page kept in the shared cache, dropped whenever what it shows
changes, and never served to (or filled by) someone logged in; the search served by the
stored, GIN-indexed vector."""

import pytest
from django.contrib.messages import INFO
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest

from standards import page_cache, services
from standards.models import Edition
from standards.selectors import published_editions
from tests.factories import MembershipFactory
from tests.standards.conftest import draft_document, publish

pytestmark = pytest.mark.django_db

URL = "/standards/six-standards/"


def test_the_anonymous_page_is_kept_and_served_without_a_query(
    client, published, django_assert_num_queries
):
    first = client.get(URL)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(URL)
    assert second.status_code == 200
    assert second.content == first.content
    # The middleware's headers are on the kept page as on a fresh one.
    for header in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
        assert second[header] == first[header]
    assert "Cookie" in second["Vary"]
    assert "nonce" not in second["Content-Security-Policy"]


def test_a_new_edition_shows_at_once(client, published, publisher, publisher2):
    client.get(URL)
    new = services.edition_start_new(document=published.document, by=publisher)
    new.title = "Revised standards for improvement professionals"
    new.change_note = "Revised."
    services.edition_update(edition=new, by=publisher, fields=["title", "change_note"])
    assert new.title not in client.get(URL).content.decode()  # a draft changes nothing public
    publish(new, publisher, publisher2)
    html = client.get(URL).content.decode()
    assert new.title in html
    assert "Edition</dt><dd>2, published" in html


def test_the_kept_pdf_size_appears_once_rendered(client, published):
    assert "hint-inline" not in client.get(URL).content.decode()
    services.edition_pdf_render(edition=published)
    assert "hint-inline" in client.get(URL).content.decode()  # "(12.3 KB, 3 pages)"


def test_logged_in_people_get_their_own_page_never_the_kept_one(client, published):
    anonymous = client.get(URL).content.decode()
    assert "Log out" not in anonymous
    member = MembershipFactory().user
    client.force_login(member)
    mine = client.get(URL)
    html = mine.content.decode()
    assert "Log out" in html and "My membership" in html
    assert "no-store" in mine["Cache-Control"]
    client.logout()
    # And what the member saw was not kept for anyone else.
    again = client.get(URL).content.decode()
    assert "Log out" not in again and "My membership" not in again


def test_a_page_with_a_message_waiting_is_fresh_and_not_kept(client, published):
    request = HttpRequest()
    storage = CookieStorage(request)
    storage.add(INFO, "You have signed out.")
    response = client.get("/")
    storage.update(response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
    html = client.get(URL).content.decode()
    assert "You have signed out." in html
    assert page_cache.get("six-standards") is None
    html = client.get(URL).content.decode()
    assert "You have signed out." not in html


def test_a_page_rendered_while_the_document_changed_is_not_kept(published):
    before = page_cache.generation("six-standards")
    page_cache.forget("six-standards")
    page_cache.keep("six-standards", edition_pk=1, content=b"old", generation_before=before)
    assert page_cache.get("six-standards") is None


def test_search_uses_the_stored_vector_and_its_index(published, publisher, publisher2):
    other = draft_document(
        publisher, slug="other", title="Safeguarding", summary="Keeping children safe."
    )
    publish(other, publisher, publisher2)
    editions = published_editions(q="safeguarding")
    assert [e.title for e in editions] == ["Safeguarding"]
    sql, params = editions.query.sql_with_params()
    assert "search_vector" in sql and "to_tsvector" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM standards_edition WHERE search_vector"
            " @@ websearch_to_tsquery('english', %s)",
            ["safeguarding"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "standards_edition_search_vector" in plan


def test_the_stored_vector_follows_every_change(published):
    # Words of the standards' text (search_text) are found, title words rank first.
    assert list(published_editions(q="chain accountability")) == [published]
    Edition.objects.filter(pk=published.pk).update(title="Zebra crossings")
    assert [e.pk for e in published_editions(q="zebra")] == [published.pk]


def _wait_for(condition, seconds=5.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def local():
    """This process's copies, once it listens for forgets (they are used only then)."""
    copies = page_cache._the_local()
    _wait_for(copies.subscribed.is_set)
    return copies


def test_a_forget_from_another_process_drops_this_process_copy(client, published, local):
    import redis
    from django.conf import settings

    client.get(URL)
    key = page_cache._page_key("six-standards")
    assert local.get(key) is not None
    # Another web process publishes: it deletes the shared page and announces the forget.
    from django.core.cache import cache

    cache.delete(key)
    redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).publish(
        page_cache._channel(), "six-standards"
    )
    _wait_for(lambda: local.get(key) is None)


def test_copies_are_not_used_while_not_subscribed(published, local):
    key = page_cache._page_key("six-standards")
    local.put(key, b"kept", local.epoch)
    assert local.get(key) == b"kept"
    local.subscribed.clear()
    try:
        assert local.get(key) is None
    finally:
        local.subscribed.set()
    # A copy read before a drop is not kept after it.
    epoch = local.epoch
    local.drop("six-standards")
    local.put(key, b"old", epoch)
    assert local.get(key) is None


LIST = "/standards/?q=chain+accountability"


def test_an_anonymous_search_asked_again_costs_no_query(
    client, published, local, django_assert_num_queries
):
    first = client.get(LIST)
    assert first.status_code == 200 and published.title in first.content.decode()
    with django_assert_num_queries(0):
        second = client.get(LIST)
    assert second.content == first.content
    assert "Content-Security-Policy" in second and "Cookie" in second["Vary"]
    # Another search, the list itself and the Welsh page are pages of their own.
    assert "0 documents found" in client.get("/standards/?q=zebra").content.decode()
    assert client.get("/cy/standards/?q=chain+accountability").content != first.content
    # Nothing of it reaches the shared cache: searches are as many as visitors can type.
    from django.core.cache import cache

    assert cache.get(page_cache.list_key(second.wsgi_request)) is None


def test_a_publication_shows_in_the_list_and_searches_at_once(
    client, published, publisher, publisher2, local
):
    assert "Safeguarding" not in client.get("/standards/").content.decode()
    assert "0 documents found" in client.get("/standards/?q=safeguarding").content.decode()
    other = draft_document(
        publisher, slug="other", title="Safeguarding", summary="Keeping children safe."
    )
    publish(other, publisher, publisher2)
    assert "Safeguarding" in client.get("/standards/").content.decode()
    assert "1 document found" in client.get("/standards/?q=safeguarding").content.decode()


def test_a_list_rendered_while_a_document_changed_is_not_kept(published, local):
    key = f"{page_cache.PREFIX}:x:en-gb:{page_cache.LIST_MARK}abc"
    epoch = page_cache.list_epoch()
    page_cache.forget("six-standards")  # another document's change, while rendering
    page_cache.keep_list(key, b"old", epoch)
    assert page_cache.get_list(key) is None
    page_cache.keep_list(key, b"new", page_cache.list_epoch())
    assert page_cache.get_list(key) == b"new"
    page_cache.forget("any-document")
    assert page_cache.get_list(key) is None


def test_many_searches_never_push_out_the_documents_pages(client, published, local):
    client.get(URL)
    page = page_cache._page_key("six-standards")
    assert local.get(page) is not None
    for n in range(page_cache.LOCAL_MAX_LISTS + 5):
        client.get(f"/standards/?q=word{n}")
    assert local.get(page) is not None
    assert len(local.lists) <= page_cache.LOCAL_MAX_LISTS


def test_logged_in_people_and_refused_searches_are_never_kept(client, published, local):
    client.get("/standards/")
    assert len(local.lists) == 1
    for _ in range(2):
        refused = client.get("/standards/?q=" + "x" * 101)
        assert refused.status_code == 400
        assert "Search for at most 100 characters." in refused.content.decode()
    client.force_login(MembershipFactory().user)
    mine = client.get(LIST)
    assert "Log out" in mine.content.decode()
    assert len(local.lists) == 1
    client.logout()
    assert "Log out" not in client.get(LIST).content.decode()
    assert len(local.lists) == 2
