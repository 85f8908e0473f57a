"""The publishers' admin: adding a document, editing a draft, the workflow steps, frozen
published editions, starting a new edition, the diff, good practice and the review list."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from standards import services
from standards.models import Document, Edition, EditionEvent, EditionStatus, GoodPracticeExample
from tests.factories import staff_user
from tests.standards.conftest import draft_document, publish

pytestmark = pytest.mark.django_db


def edition_url(edition, name="change"):
    return reverse(f"admin:standards_edition_{name}", args=[edition.pk])


def step_url(edition, step):
    return reverse("admin:standards_edition_workflow", args=[edition.pk, step])


def edition_post_data(edition, **changes):
    data = {
        "title": edition.title,
        "summary": edition.summary,
        "audience": edition.audience,
        "item_label": edition.item_label,
        "change_note": edition.change_note,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    for field in ("for_england", "for_wales", "for_scotland", "for_northern_ireland"):
        if getattr(edition, field):
            data[field] = "on"
    standards = list(edition.standards.all())
    data.update(
        {
            "standards-TOTAL_FORMS": str(len(standards)),
            "standards-INITIAL_FORMS": str(len(standards)),
            "standards-MIN_NUM_FORMS": "0",
            "standards-MAX_NUM_FORMS": "1000",
        }
    )
    for i, s in enumerate(standards):
        data.update(
            {
                f"standards-{i}-id": str(s.pk),
                f"standards-{i}-edition": str(edition.pk),
                f"standards-{i}-number": str(s.number),
                f"standards-{i}-heading": s.heading,
                f"standards-{i}-body": s.body,
                f"standards-{i}-indicators": s.indicators,
            }
        )
    data.update(changes)
    return data


def test_a_publisher_adds_a_document_and_lands_on_its_draft(client, publisher):
    client.force_login(publisher)
    response = client.post(
        reverse("admin:standards_document_add"),
        {
            "title": "Core principles",
            "slug": "core-principles",
            "summary": "Principles we work by.",
            "audience": "improvement",
            "item_label": "Principle",
            "nations": ["england", "wales"],
            "review_by": "",
        },
    )
    document = Document.objects.get(slug="core-principles")
    edition = document.editions.get()
    assert response.status_code == 302
    assert response["Location"] == edition_url(edition)
    assert edition.title == "Core principles" and edition.status == EditionStatus.DRAFT
    assert edition.for_wales and not edition.for_scotland
    assert edition.created_by == publisher


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Not a slug!", "Enter a valid"),
        ("nations", [], services.NO_NATION),
        ("audience", "aliens", "Select a valid choice"),
        ("title", "", "This field is required"),
    ],
)
def test_adding_a_document_with_bad_input(client, publisher, field, value, message):
    client.force_login(publisher)
    data = {
        "title": "Core principles",
        "slug": "core-principles",
        "summary": "Principles.",
        "audience": "improvement",
        "item_label": "Principle",
        "nations": ["england"],
    }
    data[field] = value
    response = client.post(reverse("admin:standards_document_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.exists() and not Edition.objects.exists()


def test_a_taken_slug_is_refused(client, publisher):
    draft_document(publisher, slug="core-principles")
    client.force_login(publisher)
    response = client.post(
        reverse("admin:standards_document_add"),
        {
            "title": "Again",
            "slug": "core-principles",
            "summary": "S.",
            "audience": "improvement",
            "item_label": "Standard",
            "nations": ["england"],
        },
    )
    assert services.SLUG_TAKEN in response.content.decode()
    assert Document.objects.count() == 1


def test_a_publisher_edits_a_draft_and_its_standards(client, publisher):
    edition = draft_document(publisher, standards=[("One", "Body one"), ("Two", "Body two")])
    client.force_login(publisher)
    assert client.get(edition_url(edition)).status_code == 200
    data = edition_post_data(
        edition, title="Better title", **{"standards-1-heading": "Two, improved"}
    )
    response = client.post(edition_url(edition), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    edition.refresh_from_db()
    assert edition.title == "Better title"
    assert edition.standards.get(number=2).heading == "Two, improved"
    assert edition.events.filter(action=EditionEvent.Action.EDITED, actor=publisher).exists()


def test_duplicate_numbers_in_the_admin_are_an_error_not_a_crash(client, publisher):
    edition = draft_document(publisher, standards=[("One", "Body one"), ("Two", "Body two")])
    client.force_login(publisher)
    data = edition_post_data(edition, **{"standards-1-number": "1"})
    response = client.post(edition_url(edition), data)
    assert response.status_code == 200
    assert "Please correct the duplicate" in response.content.decode()
    assert edition.standards.get(heading="Two").number == 2


def test_a_published_edition_is_read_only_in_the_admin(client, published, publisher):
    client.force_login(publisher)
    page = client.get(edition_url(published))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="title"' not in html
    assert "Start a new edition" in html
    response = client.post(edition_url(published), edition_post_data(published, title="Hacked"))
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title != "Hacked"
    assert client.post(edition_url(published, "delete"), {"post": "yes"}).status_code == 403


def test_the_workflow_in_the_admin(client, publisher, publisher2):
    edition = draft_document(publisher)
    client.force_login(publisher)
    # A step needs a note.
    response = client.post(step_url(edition, "submit"), {"note": ""})
    assert response.status_code == 400
    assert services.NOTE_REQUIRED in response.content.decode()
    response = client.post(step_url(edition, "submit"), {"note": "Please review."})
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.status == EditionStatus.IN_REVIEW
    # The writer cannot approve.
    page = client.get(edition_url(edition)).content.decode()
    assert "Approve and publish</a>" not in page
    assert services.SELF_APPROVAL in page
    response = client.post(step_url(edition, "approve"), {"note": "Self."})
    assert response.status_code == 400
    assert services.SELF_APPROVAL in response.content.decode()
    # A second publisher approves.
    client.force_login(publisher2)
    assert "Approve and publish</a>" in client.get(edition_url(edition)).content.decode()
    response = client.post(step_url(edition, "approve"), {"note": "Checked."})
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED
    assert client.get("/standards/six-standards/").status_code == 200


@pytest.mark.parametrize(
    ("publish_at", "message"),
    [
        ("2001-01-01T09:00", services.SCHEDULE_IN_PAST),
        ("not a date", "Enter a valid date/time"),
    ],
)
def test_bad_publication_times(client, publisher, publisher2, publish_at, message):
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Ready.")
    client.force_login(publisher2)
    response = client.post(step_url(edition, "approve"), {"note": "Ok.", "publish_at": publish_at})
    assert response.status_code == 400
    assert message in response.content.decode()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.IN_REVIEW


def test_scheduling_in_the_admin(client, publisher, publisher2):
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Ready.")
    client.force_login(publisher2)
    response = client.post(
        step_url(edition, "approve"), {"note": "Monday.", "publish_at": "2099-03-09T08:00"}
    )
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SCHEDULED
    assert edition.scheduled_for.year == 2099


def test_unknown_steps_and_other_roles(client, publisher):
    edition = draft_document(publisher)
    client.force_login(publisher)
    assert client.get(step_url(edition, "delete-everything")).status_code == 404
    caseworker, _ = staff_user(Role.CASEWORKER)
    client.force_login(caseworker)
    assert client.post(step_url(edition, "submit"), {"note": "x"}).status_code == 403
    assert client.get(reverse("admin:standards_document_changelist")).status_code == 403
    assert client.get(edition_url(edition)).status_code == 403


def test_start_a_new_edition_from_the_admin_and_see_the_diff(client, published, publisher):
    client.force_login(publisher)
    url = reverse("admin:standards_document_new_edition", args=[published.document_id])
    assert client.get(url).status_code == 200
    response = client.post(url)
    new = Edition.objects.get(document=published.document, number=2)
    assert response.status_code == 302 and response["Location"] == edition_url(new)
    # Only one at a time.
    again = client.post(url)
    assert again.status_code == 400
    assert services.OPEN_EDITION_EXISTS in again.content.decode()

    data = edition_post_data(
        new,
        change_note="Standard 6 covers academies.",
        **{"standards-5-body": "Academies and trusts meet the same standards."},
    )
    assert client.post(edition_url(new), data).status_code == 302
    diff = client.get(edition_url(new, "diff"))
    html = diff.content.decode()
    assert diff.status_code == 200
    assert "<del>A clear chain of accountability.</del>" in html
    assert "<ins>Academies and trusts meet the same standards.</ins>" in html
    assert client.get(edition_url(new, "diff"), {"against": "abc"}).status_code == 404
    assert client.get(edition_url(new, "diff"), {"against": "999999"}).status_code == 404
    assert client.get(edition_url(published, "diff")).status_code == 404  # first edition


def test_the_list_of_documents_due_for_review(client, publisher, publisher2):
    due = publish(draft_document(publisher, slug="due", title="Due one"), publisher, publisher2)
    services.document_set_review_by(document=due.document, review_by=dt.date(2020, 1, 1))
    publish(draft_document(publisher, slug="fine", title="Fine one"), publisher, publisher2)
    draft_document(publisher, slug="draft", title="Draft one")
    client.force_login(publisher)
    html = client.get(reverse("admin:standards_documentdueforreview_changelist")).content.decode()
    assert "Due one" in html
    assert "Fine one" not in html and "Draft one" not in html


def test_a_good_practice_example_is_added_under_a_standard_of_a_draft(
    client, publisher, publisher2
):
    edition = draft_document(publisher)
    client.force_login(publisher)
    standard = edition.standards.get(number=3)
    response = client.post(
        reverse("admin:standards_goodpracticeexample_add"),
        {
            "standard": str(standard.pk),
            "title": "An external adviser on every review",
            "text": "The adviser's findings go to the board **unedited**.",
            "organisation_type": "mat",
            "date": "2025-06-02",
        },
    )
    assert response.status_code == 302
    example = GoodPracticeExample.objects.get()
    assert example.created_by == publisher
    publish(edition, publisher, publisher2)
    html = client.get("/standards/six-standards/").content.decode()
    section = html[html.index('id="standard-3"') : html.index('id="standard-4"')]
    assert "An external adviser on every review" in section
    assert "<strong>unedited</strong>" in section
    assert "Multi-academy trust, June 2025" in section


def test_the_admin_lists_do_not_grow_in_queries(
    client, publisher, publisher2, django_assert_max_num_queries
):
    client.force_login(publisher)
    publish(draft_document(publisher, slug="one"), publisher, publisher2)
    urls = [
        reverse("admin:standards_document_changelist"),
        reverse("admin:standards_edition_changelist"),
    ]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    for i in range(8):
        edition = publish(draft_document(publisher, slug=f"more-{i}"), publisher, publisher2)
        services.edition_start_new(document=edition.document, by=publisher)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            html = client.get(url).content.decode()
        assert len(re.findall(r"more-\d", html)) >= 8
