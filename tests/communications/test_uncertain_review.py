"""Messages set aside as uncertain (a worker died while handing them over) are resolved by
an officer: resent knowing a duplicate is possible, or marked as delivered; either way the
row records who decided and when."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.communications import services
from portal.communications.models import (
    Communication,
    Delivery,
    DeliveryStatus,
    Kind,
    Resolution,
    Status,
)
from portal.communications.selectors import SKIPPED_NO_CONSENT
from portal.communications.sending import flag_uncertain
from tests.factories import staff_user

from .helpers import NEWSLETTER, member, officers

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:communications_delivery_changelist"


def sent_newsletter(author, approver, readers):
    """A newsletter that finished with one row set aside as uncertain, as the sending engine
    leaves it when a worker dies mid-send."""
    c = Communication.objects.create(
        kind=Kind.NEWSLETTER,
        subject="News for {first_name}",
        body="Hello {first_name}.",
        created_by=author,
        approved_by=approver,
        status=Status.SENT,
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    rows = [
        Delivery.objects.create(
            communication=c,
            user=u,
            email=u.email,
            kind=c.kind,
            status=DeliveryStatus.CLAIMED,
            claim_token="dead-worker",  # noqa: S106
            claimed_at=timezone.now(),
            attempts=1,
        )
        for u in readers
    ]
    flag_uncertain(rows[0].pk, "dead-worker")
    Delivery.objects.filter(pk__in=[r.pk for r in rows[1:]]).update(status=DeliveryStatus.SENT)
    return c, rows


def act(client, action, rows):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [r.pk for r in rows], "index": 0},
        follow=True,
    )


def test_resend_knowing_a_duplicate_is_possible(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    author, approver = officers()
    readers = [member(consents=[NEWSLETTER]) for _ in range(2)]
    c, (uncertain, done) = sent_newsletter(author, approver, readers)
    client.force_login(approver)
    page = client.get(reverse(CHANGELIST), {"status__exact": "uncertain"}).content.decode()
    assert "Resend, knowing a duplicate is possible" in page and "Mark as delivered" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "resend_uncertain", [uncertain, done])
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 sent again" in html and "1 chosen were not uncertain" in html
    (message,) = mailoutbox
    assert message.to == [readers[0].email]
    assert message.subject == f"News for {readers[0].first_name}"  # the real one, not a test
    uncertain.refresh_from_db()
    assert (uncertain.status, uncertain.resolution, uncertain.resolved_by) == (
        DeliveryStatus.SENT,
        Resolution.RESENT,
        approver,
    )
    assert uncertain.resolved_at is not None
    done.refresh_from_db()
    assert done.resolution == "" and done.status == DeliveryStatus.SENT


def test_mark_as_delivered(client, mailoutbox, django_capture_on_commit_callbacks):
    author, approver = officers()
    c, (uncertain,) = sent_newsletter(author, approver, [member(consents=[NEWSLETTER])])
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "mark_delivered", [uncertain])
    assert "1 marked as delivered" in response.content.decode()
    assert not mailoutbox
    uncertain.refresh_from_db()
    assert (uncertain.status, uncertain.resolution, uncertain.resolved_by) == (
        DeliveryStatus.SENT,
        Resolution.MARKED_DELIVERED,
        author,
    )
    assert uncertain.sent_at == uncertain.claimed_at
    # Decided once: it is no longer uncertain, so neither action applies again.
    with pytest.raises(services.CommunicationError, match=re.escape(services.NOT_UNCERTAIN)):
        services.deliveries_resend_uncertain(delivery_ids=[uncertain.pk], by=author)


def test_a_resend_still_respects_consent(django_capture_on_commit_callbacks, mailoutbox):
    from portal.accounts.services import consent_withdraw

    author, approver = officers()
    reader = member(consents=[NEWSLETTER])
    c, (uncertain,) = sent_newsletter(author, approver, [reader])
    consent_withdraw(user=reader, kind=NEWSLETTER, source="unsubscribe")
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_resend_uncertain(delivery_ids=[uncertain.pk], by=approver)
    assert not mailoutbox
    uncertain.refresh_from_db()
    assert uncertain.status == DeliveryStatus.SKIPPED
    assert uncertain.error == SKIPPED_NO_CONSENT.format(kind="newsletters")


def test_only_officers_who_may_send_resolve_them(client):
    author, approver = officers()
    c, (uncertain,) = sent_newsletter(author, approver, [member(consents=[NEWSLETTER])])
    publisher, _ = staff_user(Role.PUBLISHER)
    with pytest.raises(services.CommunicationError, match=services.NO_SEND_PERMISSION):
        services.deliveries_mark_delivered(delivery_ids=[uncertain.pk], by=publisher)
    client.force_login(publisher)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "mark_delivered", "_selected_action": [uncertain.pk], "index": 0},
    )
    assert response.status_code == 403
    uncertain.refresh_from_db()
    assert uncertain.status == DeliveryStatus.UNCERTAIN and uncertain.resolved_by is None


def test_an_unknown_action_or_nothing_chosen_changes_nothing(client):
    author, approver = officers()
    c, (uncertain,) = sent_newsletter(author, approver, [member(consents=[NEWSLETTER])])
    client.force_login(approver)
    client.post(reverse(CHANGELIST), {"action": "delete_everything", "index": 0})
    client.post(reverse(CHANGELIST), {"action": "resend_uncertain", "index": 0})
    response = client.post(
        reverse(CHANGELIST),
        {"action": "resend_uncertain", "_selected_action": ["x", "-1"], "index": 0},
    )
    assert response.status_code == 400
    uncertain.refresh_from_db()
    assert uncertain.status == DeliveryStatus.UNCERTAIN and uncertain.resolution == ""
