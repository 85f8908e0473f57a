"""Good-practice examples go through review like the rest of an edition's text, and nobody
approves an edition they changed any part of: its fields, its standards or its examples."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from portal.accounts.roles import Role
from standards import services
from standards.diff import edition_diff
from standards.models import EditionStatus, GoodPracticeExample
from tests.factories import staff_user
from tests.standards.conftest import at, draft_document, publish

pytestmark = pytest.mark.django_db

TITLE = "Heads moderate one another on self-evaluation"


def example_form(standard, title=TITLE):
    return {
        "standard": str(standard.pk),
        "title": title,
        "text": "Pairs of heads, an officer chairing each pair.",
        "organisation_type": "local_authority",
        "date": "2025-03-14",
    }


def public_page(client) -> str:
    client.logout()
    return client.get("/standards/six-standards/").content.decode()


def test_an_example_added_to_a_published_edition_in_the_admin_is_refused(
    client, published, publisher
):
    client.force_login(publisher)
    standard = published.standards.get(number=5)
    response = client.post(
        reverse("admin:standards_goodpracticeexample_add"), example_form(standard)
    )
    assert response.status_code == 200  # the form again, with the error on the standard
    assert "Select a valid choice" in response.content.decode()
    assert not GoodPracticeExample.objects.exists()
    assert TITLE not in public_page(client)
    # The service refuses too, whatever path a change takes.
    with pytest.raises(services.WorkflowError, match=re.escape(services.EXAMPLE_NOT_IN_DRAFT)):
        services.example_save(
            example=GoodPracticeExample(
                standard=standard,
                title=TITLE,
                text="x",
                organisation_type="school",
                date=at(2025, 1, 1).date(),
            ),
            by=publisher,
        )
    assert not GoodPracticeExample.objects.exists()


def test_an_example_reaches_the_public_page_only_when_a_second_publisher_approves(
    client, published, publisher, publisher2
):
    draft = services.edition_start_new(document=published.document, by=publisher)
    client.force_login(publisher)
    response = client.post(
        reverse("admin:standards_goodpracticeexample_add"),
        example_form(draft.standards.get(number=5)),
    )
    assert response.status_code == 302
    assert TITLE not in public_page(client)
    # The reviewer sees it in the diff they approve.
    assert any(TITLE in line.text for line in edition_diff(published, draft))
    draft.change_note = "A good-practice example under standard 5."
    services.edition_update(edition=draft, by=publisher, fields=["change_note"])
    services.edition_submit(edition=draft, by=publisher, note="Please review.")
    assert TITLE not in public_page(client)
    with pytest.raises(services.WorkflowError, match=re.escape(services.SELF_APPROVAL)):
        services.edition_approve(edition=draft, by=publisher, note="Mine.")
    assert TITLE not in public_page(client)
    services.edition_approve(edition=draft, by=publisher2, note="Checked.")
    assert TITLE in public_page(client)


def test_a_publisher_who_added_an_example_cannot_approve_the_edition(client, publisher, publisher2):
    edition = draft_document(publisher)
    client.force_login(publisher2)
    response = client.post(
        reverse("admin:standards_goodpracticeexample_add"),
        example_form(edition.standards.get(number=2)),
    )
    assert response.status_code == 302
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    assert services.may_approve(edition=edition, user=publisher2) == services.SELF_APPROVAL
    page = client.get(reverse("admin:standards_edition_change", args=[edition.pk])).content
    assert services.SELF_APPROVAL in page.decode()
    with pytest.raises(services.WorkflowError, match=re.escape(services.SELF_APPROVAL)):
        services.edition_approve(edition=edition, by=publisher2, note="Approve.")
    edition.refresh_from_db()
    assert edition.status == EditionStatus.IN_REVIEW


def test_a_publisher_who_added_a_standard_cannot_approve_the_edition(publisher, publisher2):
    edition = draft_document(publisher)
    services.standard_add(edition=edition, by=publisher2, heading="Seventh", body="More.")
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.SELF_APPROVAL)):
        services.edition_approve(edition=edition, by=publisher2, note="Approve.")


def test_even_with_every_permission_nobody_approves_their_own_edition(publisher):
    chief, _ = staff_user(Role.PUBLISHER, is_superuser=True)
    chief.user_permissions.add(*Permission.objects.filter(content_type__app_label="standards"))
    edition = draft_document(publisher)
    edition.summary = "Rewritten by the chief."
    services.edition_update(edition=edition, by=chief, fields=["summary"])
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.SELF_APPROVAL)):
        services.edition_approve(edition=edition, by=chief, note="Editor-in-chief approval.")
    assert not Permission.objects.filter(codename="approve_own_edition").exists()


def test_examples_of_a_published_edition_cannot_be_changed_or_removed(
    client, published, publisher, publisher2
):
    draft = services.edition_start_new(document=published.document, by=publisher)
    example = services.example_save(
        example=GoodPracticeExample(
            standard=draft.standards.get(number=5),
            title=TITLE,
            text="Before.",
            organisation_type="school",
            date=at(2025, 1, 1).date(),
        ),
        by=publisher,
    )
    draft.change_note = "An example."
    services.edition_update(edition=draft, by=publisher, fields=["change_note"])
    publish(draft, publisher, publisher2)
    client.force_login(publisher)
    change = reverse("admin:standards_goodpracticeexample_change", args=[example.pk])
    response = client.post(change, {**example_form(example.standard), "text": "After."})
    assert response.status_code == 403
    delete = reverse("admin:standards_goodpracticeexample_delete", args=[example.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:standards_goodpracticeexample_changelist"),
        {"action": "delete_selected", "_selected_action": [example.pk], "post": "yes"},
    )
    example.refresh_from_db()
    assert example.text == "Before."
    with pytest.raises(services.WorkflowError, match=re.escape(services.EXAMPLE_NOT_IN_DRAFT)):
        services.example_delete(example=example, by=publisher)
    # Moving an example out of a draft onto a published standard is refused as well.
    newer = services.edition_start_new(document=published.document, by=publisher)
    copy = GoodPracticeExample.objects.get(standard__edition=newer)
    copy.standard = example.standard
    with pytest.raises(services.WorkflowError, match=re.escape(services.EXAMPLE_NOT_IN_DRAFT)):
        services.example_save(example=copy, by=publisher)


def test_a_new_edition_starts_with_copies_and_the_old_edition_keeps_its_own(
    client, published, publisher, publisher2
):
    draft = services.edition_start_new(document=published.document, by=publisher)
    services.example_save(
        example=GoodPracticeExample(
            standard=draft.standards.get(number=5),
            title=TITLE,
            text="In edition 2.",
            organisation_type="school",
            date=at(2025, 1, 1).date(),
        ),
        by=publisher,
    )
    draft.change_note = "An example."
    services.edition_update(edition=draft, by=publisher, fields=["change_note"])
    publish(draft, publisher, publisher2)
    third = services.edition_start_new(document=published.document, by=publisher2)
    copy = GoodPracticeExample.objects.get(standard__edition=third)
    services.example_delete(example=copy, by=publisher2)
    assert GoodPracticeExample.objects.filter(standard__edition=draft).count() == 1
    assert TITLE in public_page(client)
    assert TITLE not in client.get("/standards/six-standards/editions/1/").content.decode()
