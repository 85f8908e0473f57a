"""The public pages: the list with search and filters, a document's current edition, earlier
editions, and 404 for anything unpublished unless the reader is a publisher."""

import re

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from standards import services
from standards.selectors import published_editions, search_simple
from tests.factories import MembershipFactory, staff_user
from tests.standards.conftest import SIX, draft_document, publish

pytestmark = pytest.mark.django_db


def headings(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]


def test_the_list_links_each_published_document(client, published, publisher):
    draft_document(publisher, slug="unpublished-draft", title="A draft nobody may see")
    page = client.get("/standards/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/standards/six-standards/"' in html
    assert published.title in html
    assert "A draft nobody may see" not in html
    assert "unpublished-draft" not in html


def test_the_document_page_shows_the_current_edition(client, published):
    html = client.get("/standards/six-standards/").content.decode()
    assert f'<h1 id="document-title">{published.title}</h1>' in html
    for number, (heading, _) in enumerate(SIX, start=1):
        assert f'href="#standard-{number}"' in html
        assert f'id="standard-{number}"' in html
        assert heading.replace("'", "&#x27;") in html
    assert "Edition</dt><dd>1, published" in html
    assert "England and Wales" in html
    assert 'href="/standards/six-standards/pdf/"' in html
    assert "superseded" not in html.lower()
    levels = headings(html)
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_a_superseded_edition_says_so_and_links_to_the_current_one(client, superseded):
    old, new = superseded
    html = client.get("/standards/six-standards/editions/1/").content.decode()
    assert "This edition has been superseded" in html
    assert 'href="/standards/six-standards/">Read the current edition (edition 2)' in html
    current = client.get("/standards/six-standards/").content.decode()
    assert new.title in current
    assert 'href="/standards/six-standards/editions/1/"' in current  # earlier editions
    assert "This edition has been superseded" not in current


@pytest.mark.parametrize(
    "path",
    [
        "/standards/no-such-document/",
        "/standards/no-such-document/pdf/",
        "/standards/six-standards/editions/9/",
        "/standards/six-standards/editions/9/pdf/",
        "/standards/six-standards/editions/0/",
        "/standards/six-standards/editions/99999999999999999999/",
        "/standards/six-standards/editions/abc/",
        "/standards/Not A Slug/",
    ],
)
def test_unknown_addresses_are_404(client, published, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("status", ["draft", "in_review"])
@pytest.mark.parametrize(
    "path",
    [
        "/standards/new-draft/",
        "/standards/new-draft/pdf/",
        "/standards/new-draft/editions/1/",
        "/standards/new-draft/editions/1/pdf/",
    ],
)
def test_unpublished_editions_are_404_to_all_but_publishers(
    client, publisher, publisher2, status, path
):
    edition = draft_document(publisher, slug="new-draft", title="Secret draft")
    if status == "in_review":
        services.edition_submit(edition=edition, by=publisher, note="Ready.")
    assert client.get(path).status_code == 404  # anonymous
    client.force_login(MembershipFactory().user)
    assert client.get(path).status_code == 404  # a member
    comms, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    client.force_login(comms)
    assert client.get(path).status_code == 404  # staff in another role
    no_mfa, _ = staff_user(Role.PUBLISHER, mfa=False)
    client.force_login(no_mfa)
    refused = client.get(path)  # a publisher without a second factor is sent to set it up
    assert (refused.status_code, refused["Location"]) == (302, reverse("mfa_activate_totp"))
    client.force_login(publisher2)
    response = client.get(path)
    assert response.status_code == 200
    if path.endswith("pdf/"):
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
    else:
        assert "Preview: not published" in response.content.decode()


def test_the_next_edition_in_progress_is_not_public(client, published, publisher):
    services.edition_start_new(document=published.document, by=publisher)
    assert client.get("/standards/six-standards/editions/2/").status_code == 404
    html = client.get("/standards/six-standards/").content.decode()
    assert "Edition 2" not in html


def test_search_finds_words_in_the_text_with_stemming(client, published, publisher, publisher2):
    other = draft_document(
        publisher,
        slug="core-principles",
        title="Core principles",
        standards=[("Resourcing", "School improvement must be properly resourced.")],
    )
    publish(other, publisher, publisher2)
    html = client.get("/standards/", {"q": "independent"}).content.decode()
    assert 'href="/standards/six-standards/"' in html  # "independence" in standard 3
    assert 'href="/standards/core-principles/"' not in html
    html = client.get("/standards/", {"q": "resourced"}).content.decode()
    assert 'href="/standards/core-principles/"' in html
    assert 'href="/standards/six-standards/"' not in html
    html = client.get("/standards/", {"q": "zebra"}).content.decode()
    assert "Nothing matches" in html


def test_search_handles_odd_input(client, published):
    for q in ['"unclosed', "a & b | !c", "-", "'); DROP TABLE standards_edition; --", "ü ☃"]:
        response = client.get("/standards/", {"q": q})
        assert response.status_code == 200, q
    response = client.get("/standards/", {"q": "x\x00y"})
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_the_simple_search_used_on_sqlite(published):
    editions = published_editions()
    assert list(search_simple(editions, "chain accountability")) == [published]
    assert list(search_simple(editions, "chain zebra")) == []


def test_filters_by_audience_and_nation(client, published, publisher, publisher2):
    scottish = draft_document(
        publisher, slug="scottish-leaders", audience="leadership", nations=("scotland",)
    )
    publish(scottish, publisher, publisher2)
    html = client.get("/standards/", {"nation": "scotland"}).content.decode()
    assert "/standards/scottish-leaders/" in html and "/standards/six-standards/" not in html
    html = client.get("/standards/", {"audience": "improvement"}).content.decode()
    assert "/standards/six-standards/" in html and "/standards/scottish-leaders/" not in html
    html = client.get("/standards/", {"audience": "leadership", "nation": "wales"}).content
    assert b"Nothing matches" in html


@pytest.mark.parametrize(
    "params", [{"audience": "aliens"}, {"nation": "atlantis"}, {"q": "x" * 101}]
)
def test_bad_filters_are_a_400_with_a_clear_error(client, published, params):
    response = client.get("/standards/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert published.title not in html


def test_the_list_page_query_count_does_not_grow(
    client, publisher, publisher2, django_assert_max_num_queries
):
    for i in range(2):
        publish(draft_document(publisher, slug=f"doc-{i}"), publisher, publisher2)
    with django_assert_max_num_queries(10) as few:
        client.get("/standards/")
    for i in range(2, 12):
        publish(draft_document(publisher, slug=f"doc-{i}"), publisher, publisher2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/standards/").content.decode()
    assert html.count('class="card standards-item"') == 12


def test_the_document_page_query_count_does_not_grow_with_standards(
    client, publisher, publisher2, django_assert_max_num_queries
):
    publish(draft_document(publisher, slug="small", standards=SIX[:2]), publisher, publisher2)
    many = [(f"Heading {i}", f"Body {i}") for i in range(20)]
    publish(draft_document(publisher, slug="big", standards=many), publisher, publisher2)
    with django_assert_max_num_queries(12) as few:
        client.get("/standards/small/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/standards/big/")


def test_only_get_and_head(client, published):
    assert client.post("/standards/").status_code == 405
    assert client.post("/standards/six-standards/").status_code == 405
    assert client.head("/standards/six-standards/").status_code == 200


def test_the_list_comes_in_pages_that_keep_the_search(
    client, publisher, publisher2, monkeypatch, django_assert_max_num_queries
):
    from standards import views

    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 3)
    for i in range(7):
        publish(draft_document(publisher, slug=f"doc-{i}"), publisher, publisher2)
    with django_assert_max_num_queries(10) as first:
        html = client.get("/standards/").content.decode()
    assert html.count('class="card standards-item"') == 3
    assert "7 documents, page 1 of 3" in html
    assert 'aria-current="page">1<' in html and "page=2" in html and 'rel="next"' in html
    # The last page: what is left, a way back, no way on; no more queries than page 1.
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get("/standards/", {"page": 3}).content.decode()
    assert html.count('class="card standards-item"') == 1
    assert 'rel="prev"' in html and 'rel="next"' not in html
    # The page links keep the search and filters.
    html = client.get("/standards/", {"audience": "improvement", "page": 2}).content.decode()
    assert "page 2 of 3" in html
    assert "audience=improvement&amp;page=1" in html and "audience=improvement&amp;page=3" in html


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "9" * 12])
def test_a_bad_page_number_is_a_400_with_a_clear_error(client, published, page):
    response = client.get("/standards/", {"page": page})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Page: " in html
    assert published.title not in html


def test_a_page_past_the_last_is_not_found(client, published):
    assert client.get("/standards/", {"page": 2}).status_code == 404
    assert client.get("/standards/", {"page": 1}).status_code == 200
