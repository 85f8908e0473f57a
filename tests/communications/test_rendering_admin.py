"""The approver reads the message as members will receive it (the HTML email in a sandboxed
frame of its own, and the plain-text part), filled in for a member of the audience; "Send now"
asks "Send to N members?" and sends only once that is confirmed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.communications import services
from portal.communications.models import Communication, Delivery, Status
from tests.factories import staff_user

from .helpers import NEWSLETTER, approve, compose, member, officers

pytestmark = pytest.mark.django_db

BODY = (
    "Dear {first_name},\n\nThe **AGM** is on [our site](https://example.org/agm).\n\nDiolch,\nSiân"
)


def change_url(c):
    return reverse("admin:communications_communication_change", args=[c.pk])


def preview_url(c):
    return reverse("admin:communications_communication_preview", args=[c.pk])


def send_now(client, c, **data):
    return client.post(
        reverse("admin:communications_communication_do", args=[c.pk, "send_now"]), data
    )


def test_the_approver_reads_the_rendered_email_and_its_plain_text(client):
    author, approver = officers()
    reader = member(consents=[NEWSLETTER], user__first_name="Niamh", user__last_name="Aaronson")
    c = compose(author, body=BODY, subject="AGM news for {first_name}")
    services.communication_submit(communication=c, by=author)
    client.force_login(approver)
    page = client.get(change_url(c)).content.decode()

    assert f'<iframe class="comms-email-frame" src="{preview_url(c)}" sandbox' in page
    assert "AGM news for Niamh" in page
    # The plain-text part, filled in, not the Markdown.
    assert "Dear Niamh,\n\nThe AGM is on our site (https://example.org/agm).\n\nDiolch,\nSiân" in (
        page
    )
    assert "**AGM**" not in page.split('id="comms-preview"')[1].split("</section>")[0]
    assert reader.membership.number in page

    email = client.get(preview_url(c))
    assert email.status_code == 200
    html = email.content.decode()
    assert "<strong>AGM</strong>" in html and "Dear Niamh," in html
    assert 'role="presentation"' in html and 'style="' in html
    assert "Diolch,<br>" in html
    # Its inline styles are allowed in this document only, which runs and loads nothing.
    csp = email["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in csp and "default-src 'none'" in csp
    assert "sandbox" in csp and "frame-ancestors 'self'" in csp
    assert "script-src" not in csp
    assert email["X-Frame-Options"] == "SAMEORIGIN"
    # The page around it keeps the portal's strict policy.
    assert "'unsafe-inline'" not in client.get(change_url(c))["Content-Security-Policy"]


def test_the_preview_unsubscribe_link_unsubscribes_nobody(client):
    author, approver = officers()
    reader = member(consents=[NEWSLETTER])
    c = compose(author, body=BODY)
    client.force_login(approver)
    html = client.get(preview_url(c)).content.decode()
    link = html.split('href="')[-3].split('"')[0]  # unsubscribe, preferences, portal
    assert "/unsubscribe/" in link
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 400
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert reader.consents.filter(kind=NEWSLETTER, granted=True).exists()


def test_with_nobody_in_the_audience_the_preview_is_filled_in_for_the_officer(client):
    author, approver = officers()
    c = compose(author, body=BODY)
    client.force_login(approver)
    page = client.get(change_url(c)).content.decode()
    assert "filled in for you, as nobody is in the audience yet" in page
    assert f"Dear {approver.first_name}," in client.get(preview_url(c)).content.decode()


def test_the_preview_is_only_for_communications_staff_and_only_read(client):
    author, _ = officers()
    c = compose(author, body=BODY)
    publisher, _ = staff_user(Role.PUBLISHER)
    client.force_login(publisher)
    assert client.get(preview_url(c)).status_code in (403, 404)
    client.force_login(author)
    assert client.post(preview_url(c)).status_code == 405
    missing = reverse("admin:communications_communication_preview", args=[c.pk + 1000])
    assert client.get(missing).status_code == 404
    client.logout()
    assert client.get(preview_url(c)).status_code == 302  # to the login page


def test_send_now_asks_send_to_n_members_and_sends_only_when_confirmed(
    client, django_capture_on_commit_callbacks
):
    author, approver = officers()
    for _ in range(3):
        member(consents=[NEWSLETTER])
    c = compose(author, body=BODY)
    approve(c, author, approver)
    client.force_login(approver)

    for data in ({}, {"confirmed": ""}, {"confirmed": "no"}, {"confirmed": "YES"}):
        response = send_now(client, c, **data)
        page = response.content.decode()
        assert response.status_code == 200
        assert "<h1>Send to 3 members?</h1>" in page
        assert "Yes, send to 3 members" in page and 'name="confirmed" value="yes"' in page
        assert f'href="{change_url(c)}">No, go back' in page
        c.refresh_from_db()
        assert c.status == Status.APPROVED and not c.started_at
        assert not Delivery.objects.filter(communication=c).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = send_now(client, c, confirmed="yes")
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.SENT and c.recipient_count == 3


def test_send_now_with_one_member_says_member(client):
    author, approver = officers()
    member(consents=[NEWSLETTER])
    c = compose(author, body=BODY)
    approve(c, author, approver)
    client.force_login(approver)
    assert "<h1>Send to 1 member?</h1>" in send_now(client, c).content.decode()


def test_send_now_is_refused_before_asking_when_it_cannot_be_sent(client):
    author, approver = officers()
    c = compose(author, body=BODY)
    client.force_login(approver)
    response = send_now(client, c)  # a draft
    assert response.status_code == 400 and services.NOT_APPROVED in response.content.decode()
    approve(c, author, approver)
    response = send_now(client, c)  # nobody in the audience
    assert response.status_code == 400 and services.EMPTY_AUDIENCE in response.content.decode()
    assert Communication.objects.get(pk=c.pk).status == Status.APPROVED
