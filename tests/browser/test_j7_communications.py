"""Journey 7: a communications officer composes a newsletter in the admin and submits it; a
second officer reads it as members will receive it (the HTML email and its plain-text part),
approves it and sends it now, confirming "Send to N members?"; a member receives it through a
real SMTP server, follows the List-Unsubscribe address from its header and unsubscribes with
one click; the next newsletter does not reach them. By mouse, keyboard only and on a
390 px phone.

Sending runs as in production: the request queues it on the broker and answers, and the test
plays the worker (`broker.work()`), which sends over SMTP to an aiosmtpd server on a free
local port."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from urllib.parse import urlsplit

import pytest

from portal.accounts.choices import Channel, CommunicationKind
from portal.accounts.models import ConsentState
from portal.accounts.roles import Role
from portal.communications import selectors, services
from portal.communications.models import Communication, Delivery, DeliveryStatus, Kind, Status
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REGION = "northern-ireland"
SUBJECT = "Spring newsletter for {first_name}"
BODY = (
    "Dear {first_name},\n\nThe **spring conference** is in Belfast this year: "
    "[the programme](https://example.org/programme).\n\nDiolch,\nCom Poser\n"
)


class Inbox:
    """aiosmtpd handler: every message the server accepts, by recipient."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp_inbox(portal, settings):
    """A real SMTP server on a free local port; the live server sends to it over SMTP, and
    its links point at the live server."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.SITE_URL = portal.url
    yield inbox
    controller.stop()


def opted_in_member(portal, **kwargs):
    user = portal.member(**kwargs)
    ConsentState.objects.create(
        user=user, kind=CommunicationKind.NEWSLETTER, channel=Channel.EMAIL, granted=True
    )
    return user


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_newsletter_is_approved_sent_received_and_unsubscribed_from(
    portal, smtp_inbox, broker, mode
):
    journey = portal.journey("j7-newsletter", mode)
    belfast = region(REGION)
    reader = opted_in_member(portal, region=belfast, user__first_name="Niamh")
    author, author_secret = portal.officer(
        Role.COMMUNICATIONS_OFFICER, first_name="Com", last_name="Poser"
    )
    approver, approver_secret = portal.officer(
        Role.COMMUNICATIONS_OFFICER, first_name="App", last_name="Rover"
    )

    # The first officer composes the newsletter for members in Northern Ireland.
    staff = portal.actor(journey, "author")
    staff.log_in(author.email, PASSWORD, secret=author_secret, prefix="author-")
    staff.check("admin-index")
    staff.press("#content-main a[href='/admin/communications/communication/']")
    staff.check("admin-communications")
    staff.press("#content-main a[href='/admin/communications/communication/add/']")
    staff.check("admin-compose")
    staff.select("#id_kind", "Newsletter")
    staff.fill("#id_subject", SUBJECT)
    staff.fill("#id_body", BODY)
    staff.choose(f"input[name=regions][value='{belfast.pk}']")
    assert staff.page.is_checked("input[name=statuses][value=active]")
    staff.submit("input[name=_continue]")
    newsletter = Communication.objects.get(subject=SUBJECT)
    assert newsletter.status == Status.DRAFT
    staff.check("admin-draft")
    audience = staff.page.inner_text("#comms-audience")
    assert "Who it reaches now:" in audience
    assert reader.email in staff.page.inner_text(".comms-panel table")
    do = f"/admin/communications/communication/{newsletter.pk}/do/"
    staff.submit(f"form[action='{do}submit/'] button")
    staff.check("admin-submitted")
    newsletter.refresh_from_db()
    assert newsletter.status == Status.AWAITING_APPROVAL
    assert staff.page.locator(f"form[action='{do}approve/']").count() == 0, "no self-approval"

    # A second officer approves it and sends it now.
    other = portal.actor(journey, "approver")
    other.log_in(approver.email, PASSWORD, secret=approver_secret, prefix="approver-")
    other.goto(
        "/admin/communications/communication/?status__exact=awaiting_approval",
        "admin-awaiting-approval",
    )
    change = f"/admin/communications/communication/{newsletter.pk}/change/"
    other.press(f"#result_list a[href^='{change}']")
    other.check("admin-to-approve")
    # They read it as the first member of the audience will receive it, not as Markdown.
    sample = selectors.audience_sample(newsletter, size=1)[0].first_name
    email = other.page.frame_locator("iframe.comms-email-frame").locator("body")
    shown = email.inner_text()
    assert f"Dear {sample}," in shown and "**" not in shown
    assert "Diolch,\nCom Poser" in shown, "the signature keeps its own line"
    assert email.locator("strong").inner_text() == "spring conference"
    assert email.locator("table[role=presentation]").count() >= 1
    plain = other.page.inner_text("pre.comms-plain")
    assert f"Dear {sample}," in plain and "**" not in plain
    assert "the programme (https://example.org/programme)" in plain
    assert f"Spring newsletter for {sample}" in other.page.inner_text("#comms-preview ~ dl")
    other.submit(f"form[action='{do}approve/'] button")
    other.check("admin-approved")
    # "Send now" asks first, with the number of members; nothing is sent until confirmed.
    audience = selectors.audience_count(newsletter)
    other.submit(f"form[action='{do}send_now/'] button")
    other.check("admin-send-confirm")
    plural = "" if audience == 1 else "s"
    assert other.page.inner_text("h1") == f"Send to {audience} member{plural}?"
    newsletter.refresh_from_db()
    assert newsletter.status == Status.APPROVED and not newsletter.started_at
    assert not Delivery.objects.filter(communication=newsletter, is_test=False).exists()
    other.submit(f"form[action='{do}send_now/'] button")
    other.check("admin-sending")
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENDING
    recipients = newsletter.recipient_count
    assert recipients == audience >= 1
    # The worker sends it.
    assert broker.work(), "sending was queued for a worker"
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT
    other.goto(change, "admin-sent")
    assert f"Recipients\n{recipients}" in other.page.inner_text("#comms-progress ~ dl")
    assert f"Sent\n{recipients}" in other.page.inner_text("#comms-progress ~ dl")

    # The member receives it, personalised, with a one-click unsubscribe address.
    received = smtp_inbox.to(reader.email)
    assert len(received) == 1
    message = received[0]
    assert message["Subject"] == "Spring newsletter for Niamh"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Dear Niamh" in body and "spring conference" in body
    assert "Diolch,\nCom Poser" in body.replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'role="presentation"' in html and "<style" not in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe_url.startswith(portal.url + "/unsubscribe/"), unsubscribe_url

    # Not logged in, from the email: the page asks once, one press unsubscribes.
    you = portal.actor(journey, "member")
    you.goto(urlsplit(unsubscribe_url).path, "unsubscribe")
    assert "You will stop receiving newsletters" in you.text()
    assert reader.email not in you.page.content(), "the address is masked"
    you.submit("main form button[type=submit]")
    you.check("unsubscribed")
    assert "You are unsubscribed" in you.text()
    consent = ConsentState.objects.get(
        user=reader, kind=CommunicationKind.NEWSLETTER, channel=Channel.EMAIL
    )
    assert not consent.granted

    # A mail client's one-click POST (RFC 8058) to the same address changes nothing more.
    again = you.context.request.post(
        unsubscribe_url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert again.ok and "already unsubscribed" in again.text()

    # The next newsletter, to the same audience, does not reach them.
    second = Communication(kind=Kind.NEWSLETTER, subject="Summer newsletter", body=BODY)
    services.communication_save(communication=second, by=author)
    second.regions.set([belfast])
    services.communication_submit(communication=second, by=author)
    services.communication_approve(communication=second, by=approver)
    services.communication_start(communication=second, by=approver)
    broker.work()
    second.refresh_from_db()
    assert second.status == Status.SENT
    assert not Delivery.objects.filter(communication=second, email=reader.email).exists()
    assert smtp_inbox.to(reader.email) == [message]
    sent = Delivery.objects.filter(communication=second, status=DeliveryStatus.SENT)
    assert sent.count() == second.recipient_count == recipients - 1
