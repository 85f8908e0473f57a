"""Demo data and the member's own record of what was sent to them."""

import pytest

from portal.accounts import demo as accounts_demo
from portal.communications import demo
from portal.communications.models import Communication, Delivery, Kind, Status
from tests.exports import exported_json

from .helpers import NEWSLETTER, approve, compose, member, officers

pytestmark = pytest.mark.django_db


def test_demo_data_is_a_sent_newsletter_and_a_campaign_awaiting_approval():
    accounts_demo.seed()
    demo.seed()
    counts = (Communication.objects.count(), Delivery.objects.count())
    demo.seed()
    assert (Communication.objects.count(), Delivery.objects.count()) == counts
    newsletter = Communication.objects.get(kind=Kind.NEWSLETTER)
    assert newsletter.status == Status.SENT
    assert newsletter.recipient_count == newsletter.deliveries.filter(status="sent").count() > 0
    campaign = Communication.objects.get(kind=Kind.CAMPAIGN)
    assert campaign.status == Status.AWAITING_APPROVAL
    assert campaign.created_by.email == "comms@demo.example"


def test_members_download_what_was_sent_to_them(client, django_capture_on_commit_callbacks):
    author, approver = officers()
    reader = member(consents=[NEWSLETTER])
    c = compose(author, subject="Spring newsletter")
    approve(c, author, approver)
    from portal.communications import services

    with django_capture_on_commit_callbacks(execute=True):
        services.communication_start(communication=c, by=approver)
    client.force_login(reader)
    data = exported_json(client, reader)
    (sent,) = data["communications_sent"]
    assert sent["subject"] == "Spring newsletter" and sent["status"] == "Sent"
