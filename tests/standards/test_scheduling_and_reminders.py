"""Scheduled publication with a fake clock (`now=`), and review-by reminders to publishers."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from portal.accounts.roles import Role
from standards import services, tasks
from standards.models import EditionEvent, EditionStatus
from tests.factories import staff_user
from tests.standards.conftest import at, draft_document, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(publisher):
    edition = draft_document(publisher, now=at(2026, 3, 1))
    return services.edition_submit(edition=edition, by=publisher, note="Ready.", now=at(2026, 3, 2))


def test_an_approved_edition_waits_for_its_time(client, in_review, publisher2):
    services.edition_approve(
        edition=in_review,
        by=publisher2,
        note="Publish on Monday.",
        publish_at=at(2026, 3, 9, 8),
        now=at(2026, 3, 3),
    )
    in_review.refresh_from_db()
    assert in_review.status == EditionStatus.SCHEDULED
    assert in_review.scheduled_for == at(2026, 3, 9, 8)
    assert client.get("/standards/six-standards/").status_code == 404

    assert services.editions_publish_due(now=at(2026, 3, 9, 7, 59)) == []
    in_review.refresh_from_db()
    assert in_review.status == EditionStatus.SCHEDULED

    assert services.editions_publish_due(now=at(2026, 3, 9, 8, 0)) == [in_review.pk]
    in_review.refresh_from_db()
    assert in_review.status == EditionStatus.PUBLISHED
    assert in_review.published_at == at(2026, 3, 9, 8)
    published = in_review.events.get(action=EditionEvent.Action.PUBLISHED)
    assert published.actor is None and published.at == at(2026, 3, 9, 8)
    assert client.get("/standards/six-standards/").status_code == 200

    # Running again publishes nothing twice.
    assert services.editions_publish_due(now=at(2026, 3, 10)) == []


def test_the_beat_task_publishes_what_is_due(in_review, publisher2):
    real_now = timezone.now()
    services.edition_approve(
        edition=in_review,
        by=publisher2,
        note="Soon.",
        publish_at=real_now - dt.timedelta(minutes=1),
        now=real_now - dt.timedelta(hours=1),
    )
    assert tasks.publish_scheduled_editions() == [in_review.pk]
    in_review.refresh_from_db()
    assert in_review.status == EditionStatus.PUBLISHED


def test_a_schedule_in_the_past_is_refused(in_review, publisher2):
    with pytest.raises(services.WorkflowError, match=re.escape(services.SCHEDULE_IN_PAST)):
        services.edition_approve(
            edition=in_review,
            by=publisher2,
            note="Oops.",
            publish_at=at(2026, 3, 1),
            now=at(2026, 3, 3),
        )
    in_review.refresh_from_db()
    assert in_review.status == EditionStatus.IN_REVIEW


def test_a_scheduled_edition_can_be_stopped(in_review, publisher2):
    services.edition_approve(
        edition=in_review,
        by=publisher2,
        note="Later.",
        publish_at=at(2026, 4, 1),
        now=at(2026, 3, 3),
    )
    services.edition_return_to_draft(
        edition=in_review, by=publisher2, note="Hold it.", now=at(2026, 3, 4)
    )
    assert services.editions_publish_due(now=at(2026, 4, 2)) == []
    in_review.refresh_from_db()
    assert in_review.status == EditionStatus.DRAFT and in_review.scheduled_for is None


def test_publication_sets_a_review_date_a_year_on(publisher, publisher2):
    edition = publish(draft_document(publisher), publisher, publisher2, now=at(2026, 3, 9))
    assert edition.document.review_by == dt.date(2027, 3, 9)


def test_publishers_are_reminded_once_when_a_review_is_due(
    publisher, publisher2, django_capture_on_commit_callbacks
):
    comms, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    edition = publish(draft_document(publisher), publisher, publisher2, now=at(2025, 3, 9))
    document = edition.document
    assert services.documents_remind_review(now=at(2026, 3, 8)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.documents_remind_review(now=at(2026, 3, 9)) == [document.pk]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([publisher.email, publisher2.email])
    message = mail.outbox[0]
    assert edition.title in message.subject
    assert "9 March 2026" in message.body
    assert "/admin/standards/documentdueforreview/" in message.body
    assert comms.email not in [m.to[0] for m in mail.outbox]
    # Not again for the same date...
    with django_capture_on_commit_callbacks(execute=True):
        assert services.documents_remind_review(now=at(2026, 3, 10)) == []
    assert len(mail.outbox) == 2
    # ...but again when the next review-by date comes.
    services.document_set_review_by(document=document, review_by=dt.date(2026, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.documents_remind_review(now=at(2026, 9, 1)) == [document.pk]
    assert len(mail.outbox) == 4
