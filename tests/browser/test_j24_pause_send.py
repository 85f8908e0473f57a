"""Issue 20, pausing a send: a newsletter is sending (approved and started; the request
queues its dispatch on the real broker); a communications officer pauses it in the admin,
the worker then sends nothing; they resume it and the worker sends to everyone in the
audience once. By mouse, keyboard only and at a 390 px phone width."""

import pytest

from portal.accounts.roles import Role
from portal.communications import services
from portal.communications.models import Communication, Delivery, DeliveryStatus, Kind, Status
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE
from .test_j7_communications import opted_in_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_sending_newsletter_is_paused_and_resumed(portal, broker, mode):
    journey = portal.journey("j24-pause-send", mode)
    belfast = region("northern-ireland")
    readers = [
        opted_in_member(portal, region=belfast, user__first_name=name)
        for name in ("Aoife", "Ciaran", "Orla")
    ]
    author, _ = portal.officer(Role.COMMUNICATIONS_OFFICER, first_name="Com", last_name="Poser")
    sender, secret = portal.officer(Role.COMMUNICATIONS_OFFICER, first_name="Sen", last_name="Der")
    newsletter = Communication(
        kind=Kind.NEWSLETTER, subject="Autumn newsletter", body="Dear {first_name},\n\nNews."
    )
    services.communication_save(communication=newsletter, by=author)
    newsletter.regions.set([belfast])
    services.communication_submit(communication=newsletter, by=author)
    services.communication_approve(communication=newsletter, by=sender)
    services.communication_start(communication=newsletter, by=sender)
    assert "portal.communications.tasks.communication_dispatch" in broker.queued()
    change = f"/admin/communications/communication/{newsletter.pk}/change/"

    staff = portal.actor(journey, "sender")
    staff.log_in(sender.email, PASSWORD, secret=secret)
    staff.goto(change, "admin-communication-sending")
    assert "Sending since" in staff.page.inner_text("#content")
    staff.press(
        f"form[action='/admin/communications/communication/{newsletter.pk}/do/pause/'] button"
    )
    staff.check("admin-communication-paused")
    body = staff.page.inner_text("#content")
    assert "Paused. Resume to send to the rest" in body
    assert "Resume sending" in body and "Pause sending" not in body
    newsletter.refresh_from_db()
    assert newsletter.status == Status.PAUSED

    # The worker takes the dispatch now: a paused send hands out nobody.
    broker.work()
    sent = Delivery.objects.filter(communication=newsletter, status=DeliveryStatus.SENT)
    assert not sent.exists()
    assert not [m for m in portal.mail() if m.subject == "Autumn newsletter"]

    staff.press(
        f"form[action='/admin/communications/communication/{newsletter.pk}/do/resume/'] button"
    )
    staff.check("admin-communication-resumed")
    assert "Resumed." in staff.page.inner_text("body")
    broker.work()
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT
    assert sent.count() == newsletter.recipient_count >= len(readers)
    to = [address for m in portal.mail() if m.subject == "Autumn newsletter" for address in m.to]
    for reader in readers:
        assert to.count(reader.email) == 1, "each reader gets it once"
    staff.goto(change, "admin-communication-sent")
    assert "Finished" in staff.page.inner_text("#content")
