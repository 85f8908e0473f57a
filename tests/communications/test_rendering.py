"""What a member's mail program receives: the HTML part is laid out in tables with inlined
styles and a preheader (Outlook ignores stylesheets), in the portal's colours; the plain-text
part keeps link addresses, list numbers, table rows and line breaks. Messages are sent over
SMTP to a real server and parsed from the bytes it received."""

from __future__ import annotations

import re

import pytest

from portal.communications import services
from portal.communications.rendering import Composer
from portal.markdown import render_markdown, render_text

from .helpers import NEWSLETTER, compose, member, officers

pytestmark = pytest.mark.django_db

BODY = """Annwyl {first_name},

Our spring conference is in Llandudno. Read [the agenda](https://example.org/agenda) first.

1. Register by 1 March
2. Book your travel
3. Bring your membership number, {membership_number}

| Session | Room |
|---------|------|
| Pay and conditions | Hall A |
| Workload | Hall B |

Diolch,
Siân Evans
Wales organiser
"""


@pytest.fixture
def wire(settings, smtp):
    """Send over SMTP to the test server, as production does."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    return smtp


def parts(message):
    """The HTML and plain-text parts as a mail program reads them (lines end in CRLF on the
    wire)."""
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    return html.replace("\r\n", "\n"), text.replace("\r\n", "\n")


def sent_test(author, body, django_capture_on_commit_callbacks, wire):
    c = compose(author, body=body)
    with django_capture_on_commit_callbacks(execute=True):
        services.communication_send_test(communication=c, user=author)
    (message,) = wire.to(author.email)
    return parts(message)


def test_a_single_line_break_stays_a_line_break():
    source = "Diolch,\nSiân Evans\n\nA new paragraph."
    html = str(render_markdown(source))
    assert "Diolch,<br>" in html and "<p>A new paragraph.</p>" in html
    assert render_text(source) == "Diolch,\nSiân Evans\n\nA new paragraph."


def test_the_html_part_is_a_table_layout_with_inline_styles_and_a_preheader(
    wire, django_capture_on_commit_callbacks
):
    author, _ = officers()
    html, _ = sent_test(author, BODY, django_capture_on_commit_callbacks, wire)

    assert re.search(r'<table[^>]*role="presentation"', html)
    assert "<style" not in html, "styles are inlined: Outlook and Gmail ignore a stylesheet"
    assert re.search(r'<p style="[^"]*margin', html)
    assert re.search(r'<a href="https://example.org/agenda"[^>]*style="[^"]*color: #1d4f91', html)
    assert re.search(r'<td[^>]*style="[^"]*background-color: #5a1f66', html), "portal purple"
    preheader = re.search(r'<div class="preheader"[^>]*style="([^"]*)"[^>]*>([^<]*)</div>', html)
    assert preheader, "a hidden preheader opens the body"
    assert "display: none" in preheader.group(1)
    assert preheader.group(2).startswith(f"Annwyl {author.first_name}, Our spring conference")
    # The signature keeps its lines.
    assert re.search(r"Diolch,<br>\s*Siân Evans<br>\s*Wales organiser", html)


def test_the_plain_text_part_keeps_addresses_numbers_tables_and_line_breaks(
    wire, django_capture_on_commit_callbacks
):
    author, _ = officers()
    _, text = sent_test(author, BODY, django_capture_on_commit_callbacks, wire)

    assert "Read the agenda (https://example.org/agenda) first." in text
    assert "1. Register by 1 March\n2. Book your travel\n3. Bring your membership number" in text
    assert "Session | Room\nPay and conditions | Hall A\nWorkload | Hall B" in text
    assert "Diolch,\nSiân Evans\nWales organiser" in text
    assert f"Annwyl {author.first_name}," in text
    assert "<" not in text.split("--")[0], "no HTML in the plain-text part"


def test_personal_fields_are_escaped_in_the_html_and_plain_in_the_text(
    wire, django_capture_on_commit_callbacks
):
    author, _ = officers()
    author.first_name = "<b>Rhys</b> & Co"
    author.save(update_fields=["first_name"])
    html, text = sent_test(author, BODY, django_capture_on_commit_callbacks, wire)
    assert "&lt;b&gt;Rhys&lt;/b&gt; &amp; Co" in html and "<b>Rhys" not in html
    assert "Annwyl <b>Rhys</b> & Co," in text


def test_members_messages_are_still_filled_in_from_one_prepared_message():
    """Inlining must keep lines short enough for the per-recipient fast path."""
    composer = Composer(kind=NEWSLETTER, subject="News", body=BODY)
    assert composer._prototype is not None
    assert max(len(line) for line in composer.html.splitlines()) < 998


def test_a_newsletter_to_members_has_the_same_parts(
    wire, django_capture_on_commit_callbacks, settings
):
    author, approver = officers()
    reader = member(consents=[NEWSLETTER], user__first_name="Niamh")
    c = compose(author, body=BODY)
    services.communication_submit(communication=c, by=author)
    services.communication_approve(communication=c, by=approver)
    with django_capture_on_commit_callbacks(execute=True):
        services.communication_start(communication=c, by=approver)
    (message,) = wire.to(reader.email)
    html, text = parts(message)
    assert re.search(r'<table[^>]*role="presentation"', html) and "<style" not in html
    assert ">Annwyl Niamh, Our spring conference" in html
    assert "the agenda (https://example.org/agenda)" in text and "\n2. Book your travel" in text
    unsubscribe = str(message["List-Unsubscribe"]).strip("<> ")
    assert unsubscribe in html and unsubscribe in text


def test_the_bytes_only_message_is_the_full_message_as_sent():
    """The sending loop takes only the filled-in bytes for Django's SMTP backend: they are
    the same bytes the full message carries (apart from the Date header), for an address
    that needs encoding too."""
    import email
    import email.policy

    from portal.communications.models import Kind
    from portal.communications.rendering import Recipient

    composer = Composer(kind=Kind.NEWSLETTER, subject="News for {first_name}", body=BODY)
    for who in (
        Recipient(delivery_id=7, user_id=3, email="ann@example.org", first_name="Ann"),
        Recipient(delivery_id=8, user_id=4, email="siân@example.org", first_name="Siân"),
    ):
        full = composer.message_for(who).prepared
        quick = composer.message_for(who, bytes_only=True).prepared

        def without_date(data):
            return re.sub(rb"\r\nDate: [^\r]+", b"", data)

        assert without_date(quick) == without_date(full)
        parsed = email.message_from_bytes(quick, policy=email.policy.default)
        assert parsed["Subject"] == f"News for {who.first_name}"
        assert "/unsubscribe/" in parsed["List-Unsubscribe"]
