"""The publishing workflow: draft → in review → published, nobody approves their own work,
published editions are frozen, a new edition supersedes the old one."""

import re

import pytest

from portal.accounts.roles import Role
from standards import services
from standards.models import (
    Edition,
    EditionEvent,
    EditionStatus,
    GoodPracticeExample,
    Standard,
)
from tests.factories import staff_user
from tests.standards.conftest import at, draft_document, publish

pytestmark = pytest.mark.django_db
Action = EditionEvent.Action


def test_a_new_document_starts_as_a_draft_of_edition_one(publisher):
    edition = draft_document(publisher)
    assert edition.number == 1
    assert edition.status == EditionStatus.DRAFT
    assert edition.document.current_edition is None
    assert list(edition.standards.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_a_second_publisher_approves_and_publishes(publisher, publisher2):
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    services.edition_approve(edition=edition, by=publisher2, note="Looks right.")
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED
    assert edition.approved_by == publisher2
    assert edition.published_at is not None
    assert edition.document.current_edition == edition
    assert edition.document.review_by is not None


def test_nobody_approves_their_own_draft(publisher):
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.SELF_APPROVAL)):
        services.edition_approve(edition=edition, by=publisher, note="Fine by me.")
    edition.refresh_from_db()
    assert edition.status == EditionStatus.IN_REVIEW


def test_someone_who_edited_the_draft_cannot_approve_it(publisher, publisher2):
    edition = draft_document(publisher)
    edition.summary = "Changed by the second publisher."
    services.edition_update(edition=edition, by=publisher2, fields=["summary"])
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.SELF_APPROVAL)):
        services.edition_approve(edition=edition, by=publisher2, note="Approve.")


def test_only_publishers_approve(publisher):
    comms, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Please review.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.NO_APPROVE_PERMISSION)):
        services.edition_approve(edition=edition, by=comms, note="Approve.")


def test_only_an_edition_in_review_is_approved(publisher, publisher2):
    edition = draft_document(publisher)
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_IN_REVIEW)):
        services.edition_approve(edition=edition, by=publisher2, note="Approve.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_standards", services.NO_STANDARDS),
        ("no_nation", services.NO_NATION),
        ("no_change_note", services.NO_CHANGE_NOTE),
        ("no_note", services.NOTE_REQUIRED),
    ],
)
def test_an_incomplete_draft_cannot_be_submitted(publisher, change, message):
    edition = draft_document(
        publisher,
        standards=[] if change == "no_standards" else [("Heading", "Body")],
        nations=() if change == "no_nation" else ("england",),
        change_note="" if change == "no_change_note" else "First.",
    )
    note = "" if change == "no_note" else "Please review."
    with pytest.raises(services.WorkflowError, match=re.escape(message)):
        services.edition_submit(edition=edition, by=publisher, note=note)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT


def test_every_step_is_recorded_with_who_when_and_note(publisher, publisher2):
    edition = draft_document(publisher, now=at(2026, 1, 5))
    services.edition_submit(edition=edition, by=publisher, note="Ready.", now=at(2026, 1, 6))
    services.edition_return_to_draft(
        edition=edition, by=publisher2, note="Standard 3 needs a source.", now=at(2026, 1, 7)
    )
    services.edition_submit(edition=edition, by=publisher, note="Fixed.", now=at(2026, 1, 8))
    services.edition_approve(edition=edition, by=publisher2, note="Good.", now=at(2026, 1, 9))
    steps = [
        (e.action, e.actor, e.at, e.note)
        for e in edition.events.exclude(action__in=[Action.CREATED, Action.EDITED])
    ]
    assert steps == [
        (Action.SUBMITTED, publisher, at(2026, 1, 6), "Ready."),
        (Action.RETURNED, publisher2, at(2026, 1, 7), "Standard 3 needs a source."),
        (Action.SUBMITTED, publisher, at(2026, 1, 8), "Fixed."),
        (Action.APPROVED, publisher2, at(2026, 1, 9), "Good."),
        (Action.PUBLISHED, publisher2, at(2026, 1, 9), ""),
    ]


def test_published_editions_are_frozen(published, publisher):
    published.title = "Changed after publication"
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_A_DRAFT)):
        services.edition_update(edition=published, by=publisher, fields=["title"])
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_A_DRAFT)):
        services.standard_add(edition=published, by=publisher, heading="Seven", body="More.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_A_DRAFT)):
        services.standards_save(
            edition=published,
            by=publisher,
            save=lambda: Standard.objects.filter(edition=published).update(heading="Changed"),
        )
    published.refresh_from_db()
    assert published.title != "Changed after publication"
    assert not published.standards.filter(heading="Changed").exists()


def test_an_edition_in_review_is_frozen_too(publisher):
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Ready.")
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_A_DRAFT)):
        services.edition_update(edition=edition, by=publisher, fields=["title"])


def test_a_new_edition_is_a_copy_and_supersedes_the_old_on_publication(
    published, publisher, publisher2
):
    document = published.document
    new = services.edition_start_new(document=document, by=publisher)
    assert new.number == 2 and new.status == EditionStatus.DRAFT
    assert [s.heading for s in new.standards.all()] == [
        s.heading for s in published.standards.all()
    ]
    # Until the new edition is published, the old one is still current.
    document.refresh_from_db()
    assert document.current_edition == published

    new.change_note = "Standard 6 covers academies."
    services.edition_update(edition=new, by=publisher, fields=["change_note"])
    publish(new, publisher, publisher2)
    published.refresh_from_db()
    document.refresh_from_db()
    assert published.status == EditionStatus.SUPERSEDED
    assert published.superseded_at is not None
    assert document.current_edition == new
    assert published.events.filter(action=Action.SUPERSEDED).exists()


def test_only_one_edition_in_progress(published, publisher):
    services.edition_start_new(document=published.document, by=publisher)
    with pytest.raises(services.WorkflowError, match=re.escape(services.OPEN_EDITION_EXISTS)):
        services.edition_start_new(document=published.document, by=publisher)


def test_a_new_edition_needs_a_published_one(publisher):
    edition = draft_document(publisher)
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_CURRENT)):
        services.edition_start_new(document=edition.document, by=publisher)


def test_good_practice_examples_follow_their_standard_into_the_new_edition(
    published, publisher, publisher2
):
    new = services.edition_start_new(document=published.document, by=publisher)
    services.example_save(
        example=GoodPracticeExample(
            standard=new.standards.get(number=5),
            title="Moderating self-evaluation",
            text="Heads moderate each other's self-evaluation.",
            organisation_type="local_authority",
            date=at(2025, 3, 1).date(),
        ),
        by=publisher,
    )
    new.change_note = "Second edition."
    services.edition_update(edition=new, by=publisher, fields=["change_note"])
    publish(new, publisher, publisher2)
    third = services.edition_start_new(document=published.document, by=publisher)
    copy = GoodPracticeExample.objects.get(standard__edition=third)
    assert copy.standard == third.standards.get(number=5)
    assert copy.title == "Moderating self-evaluation"
    assert GoodPracticeExample.objects.filter(standard__edition=new).count() == 1


def test_a_draft_can_be_discarded_but_a_published_edition_cannot(published, publisher):
    new = services.edition_start_new(document=published.document, by=publisher)
    services.edition_discard(edition=new, by=publisher)
    assert not Edition.objects.filter(pk=new.pk).exists()
    with pytest.raises(services.WorkflowError, match=re.escape(services.NOT_A_DRAFT)):
        services.edition_discard(edition=published, by=publisher)


def test_duplicate_standard_numbers_are_refused(publisher):
    edition = draft_document(publisher, standards=[("One", "Body")])
    with pytest.raises(services.WorkflowError, match=re.escape(services.DUPLICATE_NUMBERS)):
        services.standard_add(edition=edition, by=publisher, heading="Two", body="B", number=1)


def test_slugs_are_unique(publisher):
    draft_document(publisher, slug="taken")
    with pytest.raises(services.WorkflowError, match=re.escape(services.SLUG_TAKEN)):
        draft_document(publisher, slug="taken")
