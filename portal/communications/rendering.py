"""Turning what staff wrote into email: one Markdown source gives a branded HTML part and a
plain-text part. Personalisation is a fixed set of fields filled in by plain string
replacement: staff text is never run as a template, so nothing in it can reach data."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, parseaddr
from html import escape
from typing import Any

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.accounts.notices import absolute_url
from portal.i18n import member_language
from portal.markdown import render_markdown, render_text

from .models import CONSENT_KINDS, Kind
from .tokens import unsubscribe_token

FIELDS = ("first_name", "membership_number", "section")
FIELD_RE = re.compile(r"\{([A-Za-z0-9_]+)\}")
UNKNOWN_FIELD_ERROR = (
    "Only {first_name}, {membership_number} and {section} can be filled in for each member. "
    "Correct or remove: %(fields)s."
)
# Filled in by the layout, never by staff text (which may use only FIELDS).
_LAYOUT_FIELDS = ("unsubscribe_url",)
_PROTECT = "PQXFIELD{}XQP"
TEST_PREFIX = "[Test] "
KIND_REASONS = {
    Kind.SERVICE: _("You are receiving this because it is about your membership."),
    Kind.CAMPAIGN: _("You are receiving this because you chose to hear about our campaigns."),
    Kind.NEWSLETTER: _("You are receiving this because you chose to receive our newsletters."),
    Kind.JOURNAL: _("You are receiving this because you chose to receive the Leadership journal."),
    Kind.REP_CONTACT: (
        _("You are receiving this because you agreed that your workplace rep may contact you.")
    ),
}


PREHEADER_LENGTH = 140
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


def inline_styles(html: str) -> str:
    """The layout's stylesheet moved into style attributes, which is all Outlook and Gmail
    read. Fields such as {first_name} are left as they are."""
    return _INLINER.inline(html)


def preheader_for(body_text: str) -> str:
    """The line a mail client shows after the subject in the inbox: the message's opening."""
    words = " ".join(body_text.split())
    if len(words) <= PREHEADER_LENGTH:
        return words
    return words[:PREHEADER_LENGTH].rsplit(" ", 1)[0] + "…"


# Anything that looks like a field, e.g. {user.email} or {{ first_name }}, must be one.
_LOOKS_LIKE_FIELD = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}")


def unknown_fields(text: str, allowed: tuple[str, ...] = FIELDS) -> list[str]:
    """What looks like a field in `text` but is not one of `allowed` (the communications'
    FIELDS unless another use, such as casework letters, names its own)."""
    found = []
    for match in _LOOKS_LIKE_FIELD.finditer(text or ""):
        if match.group(0)[1:-1] not in allowed and match.group(0) not in found:
            found.append(match.group(0))
    return found


def _fill(text: str, values: dict[str, str]) -> str:
    return FIELD_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def fill_fields(text: str, values: dict[str, str]) -> str:
    """`text` with each {name} of `values` replaced by plain string replacement (never run as
    a template); anything else is left as it is. Check it with `unknown_fields` first."""
    return _fill(text, values)


def _protect(text: str) -> str:
    """Markdown must not see the braces and underscores of the fields."""
    for i, name in enumerate(FIELDS):
        text = text.replace("{" + name + "}", _PROTECT.format(i))
    return text


def _restore(text: str) -> str:
    for i, name in enumerate(FIELDS):
        text = text.replace(_PROTECT.format(i), "{" + name + "}")
    return text


def _one_line(value: str) -> str:
    return " ".join(str(value or "").split())


@functools.lru_cache(maxsize=8)
def _domain_of(from_email: str) -> str:
    return parseaddr(from_email)[1].rpartition("@")[2] or "portal.example"


def sender_domain() -> str:
    return _domain_of(settings.DEFAULT_FROM_EMAIL)


@functools.lru_cache(maxsize=8)
def _mac_for(secret_key: str):
    """The keyed hash, its key already mixed in: each Message-ID copies it."""
    return hmac.new(secret_key.encode(), digestmod=hashlib.sha256)


def message_id_for(delivery_id: int) -> str:
    """A Message-ID that names its delivery, with a MAC so that it cannot be made up."""
    mac = _mac_for(settings.SECRET_KEY).copy()
    mac.update(f"delivery:{delivery_id}".encode())
    return f"<d{delivery_id}.{mac.hexdigest()[:12]}@{sender_domain()}>"


def delivery_id_from_message_id(message_id: str) -> int | None:
    match = re.fullmatch(r"<?d(\d{1,18})\.([0-9a-f]{12})@[^>]+>?", (message_id or "").strip())
    if not match:
        return None
    delivery_id = int(match.group(1))
    expected = message_id_for(delivery_id)
    return (
        delivery_id if hmac.compare_digest(expected.strip("<>"), message_id.strip("<> ")) else None
    )


@dataclass(frozen=True)
class Recipient:
    """What one email may know about its recipient."""

    delivery_id: int
    user_id: int
    email: str
    first_name: str = ""
    membership_number: str = ""
    section: str = ""

    def values(self) -> dict[str, str]:
        return {
            "first_name": _one_line(self.first_name) or "member",
            "membership_number": _one_line(self.membership_number),
            "section": _one_line(self.section),
        }


def recipient_for(delivery, user=None) -> Recipient:
    user = user or delivery.user
    membership = getattr(user, "membership", None)
    return Recipient(
        delivery_id=delivery.pk,
        user_id=user.pk,
        email=delivery.email,
        first_name=user.first_name,
        membership_number=membership.number if membership else "",
        section=membership.get_section_display() if membership else "",
    )


class Composer:
    """Renders a communication once; `message_for` fills in each recipient cheaply."""

    def __init__(self, *, kind: str, subject: str, body: str, test: bool = False):
        self.kind = kind
        self.subject = (TEST_PREFIX if test else "") + _one_line(subject)
        protected = _protect(body or "")
        body_html = _restore(str(render_markdown(protected)))
        body_text = _restore(render_text(protected))
        self.unsubscribes = kind in CONSENT_KINDS
        context = {
            "subject": self.subject,
            "body_html": mark_safe(body_html),  # noqa: S308  # nosec B308 B703 - sanitised
            "body_text": body_text,
            "preheader": preheader_for(body_text),
            "reason": KIND_REASONS.get(kind, ""),
            "unsubscribe_url": "{unsubscribe_url}" if self.unsubscribes else "",
            "kind_label": Kind(kind).label.lower(),
            "preferences_url": absolute_url(reverse("accounts:preferences")),
            "site_url": absolute_url(reverse("home")),
            "union_name": settings.PORTAL_UNION_NAME,
            "test": test,
        }
        self.html = inline_styles(render_to_string("communications/email/message.html", context))
        self.text = render_to_string("communications/email/message.txt", context)
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.list_id = (
            f'"{settings.PORTAL_UNION_NAME} {Kind(kind).label.lower()}" <{kind}.{sender_domain()}>'
        )

        self._prototype = self._build_prototype()
        # The unsubscribe address around its token, worked out once per communication.
        marker = "TOKEN"
        self._unsubscribe_around = (
            absolute_url(reverse("communications:unsubscribe", args=[marker])).rpartition(marker)
            if self.unsubscribes
            else None
        )

    # -- fast path: the MIME bytes are generated once, then filled in for each recipient --

    def _fixed_headers(self) -> dict[str, str]:
        if not self.unsubscribes:
            return {}
        return {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "List-Id": self.list_id}

    def _build_prototype(self) -> tuple[bytes, bytes] | None:
        names = [*FIELDS, "unsubscribe_url"]
        text = _fill(self.text, {n: _MARK.format(part="T", name=n) for n in names})
        html = _fill(self.html, {n: _MARK.format(part="H", name=n) for n in names})
        proto = EmailMultiAlternatives(
            subject="-",
            body=text,
            from_email=self.from_email,
            to=["prototype@example.invalid"],
            headers=self._fixed_headers(),
        )
        proto.attach_alternative(html, "text/html")
        head, _, body = proto.message().as_bytes(linesep="\r\n").partition(b"\r\n\r\n")
        lowered = body.lower()
        expected = len(_MARK_RE.findall(text.encode())) + len(_MARK_RE.findall(html.encode()))
        if (
            b"quoted-printable" in lowered
            or b"base64" in lowered
            or len(_MARK_RE.findall(body)) != expected
        ):
            return None  # long lines were encoded: every message is built in full instead
        kept, skipping = [], False
        for line in head.split(b"\r\n"):
            if line[:1] not in (b" ", b"\t"):
                skipping = line.split(b":", 1)[0].strip().lower() in _PER_MESSAGE_HEADERS
            if not skipping:
                kept.append(line)
        return b"\r\n".join(kept), body

    def _prepared(self, *, to: str, subject: str, headers: dict, values: dict) -> bytes:
        head, body = self._prototype
        html_values = {name: escape(value) for name, value in values.items()}

        def fill(match):
            chosen = html_values if match.group(1) == b"H" else values
            return chosen.get(match.group(2).decode(), "").encode()

        body = _MARK_RE.sub(fill, body)
        if not all(value.isascii() for value in values.values()):
            body = body.replace(
                b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit"
            )
        lines = [
            head,
            _header("Subject", subject),
            _header("To", to if to.isascii() else sanitize_address(to, "utf-8")),
            _header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
        ]
        lines += [_header(name, value) for name, value in headers.items()]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    def unsubscribe_url(self, user_id: int) -> str:
        before, _, after = self._unsubscribe_around
        return before + unsubscribe_token(user_id=user_id, kind=self.kind) + after

    def message_for(
        self, recipient: Recipient, connection=None, *, bytes_only: bool = False
    ) -> EmailMultiAlternatives | PreparedOnly:
        """The message for one recipient. `bytes_only` (for a backend that sends the
        prepared bytes, Django's SMTP backend) skips building the parts again when the
        prototype's bytes can be filled in."""
        values = recipient.values()
        headers = {"Message-ID": message_id_for(recipient.delivery_id)}
        if self.unsubscribes:
            url = self.unsubscribe_url(recipient.user_id)
            values["unsubscribe_url"] = url
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            headers["List-Id"] = self.list_id
        subject = _one_line(_fill(self.subject, values))
        if bytes_only and self._prototype is not None:
            return PreparedOnly(
                self._prepared(
                    to=recipient.email,
                    subject=subject,
                    headers=self._per_message(headers),
                    values=values,
                )
            )
        html_values = {name: escape(value) for name, value in values.items()}
        message = PersonalisedEmail(
            subject=subject,
            body=_fill(self.text, values),
            from_email=self.from_email,
            to=[recipient.email],
            headers=headers,
            connection=connection,
        )
        message.attach_alternative(_fill(self.html, html_values), "text/html")
        if self._prototype is not None:
            message.prepared = self._prepared(
                to=recipient.email,
                subject=subject,
                headers=self._per_message(headers),
                values=values,
            )
        return message

    @staticmethod
    def _per_message(headers: dict[str, str]) -> dict[str, str]:
        return {
            name: value
            for name, value in headers.items()
            if name.lower().encode() in _PER_MESSAGE_HEADERS
        }


@dataclass(frozen=True)
class PreparedOnly:
    """A message as the bytes Django's SMTP backend sends, and nothing else."""

    prepared: bytes


_MARK = "ZZQ{part}{name}QZZ"
_MARK_RE = re.compile(rb"ZZQ([TH])([a-z_]+)QZZ")
_PER_MESSAGE_HEADERS = {b"subject", b"to", b"message-id", b"list-unsubscribe", b"date"}


def _header(name: str, value: str) -> bytes:
    if value.isascii() and len(value) < 900:
        return f"{name}: {value}".encode()
    return (
        f"{name}: ".encode()
        + Header(value, "utf-8", header_name=name).encode(linesep="\r\n").encode()
    )


class PreparedMessage:
    """What `EmailMessage.message()` gives a backend, already in bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def as_bytes(self, unixfrom=False, linesep="\n") -> bytes:
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom=False, linesep="\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8", "replace")

    def get_charset(self):
        return None


class PersonalisedEmail(EmailMultiAlternatives):
    """An ordinary EmailMultiAlternatives (subject, body, HTML alternative, headers: any
    backend, e.g. django-anymail's, reads those), which also carries its MIME bytes filled in
    from the communication's prototype, so that SMTP sending skips building MIME per
    recipient."""

    prepared: bytes | None = None

    def message(self, *args, **kwargs):
        if self.prepared is None:
            return super().message(*args, **kwargs)
        return PreparedMessage(self.prepared)


def composer_for(communication, *, language: str, test: bool = False) -> Composer:
    """The communication as written for readers of `language`: its Welsh subject and body
    for Welsh (each the English when no Welsh is written), the layout's words in that
    language too."""
    with translation.override(language):
        return Composer(
            kind=communication.kind,
            subject=communication.subject,
            body=communication.body,
            test=test,
        )


class Composers:
    """One Composer per language, made when a recipient in that language first needs it."""

    def __init__(self, communication, *, test: bool = False):
        self.communication = communication
        self.test = test
        self._made: dict[str, Composer] = {}

    def for_user(self, user) -> Composer:
        language = member_language(user)
        if language not in self._made:
            self._made[language] = composer_for(
                self.communication, language=language, test=self.test
            )
        return self._made[language]


PREVIEW_TOKEN = "preview"  # noqa: S105  # nosec B105 - not a secret: the unsubscribe page refuses it


@dataclass(frozen=True)
class Preview:
    """A communication exactly as one member will receive it."""

    subject: str
    html: str
    text: str
    recipient: Recipient


def preview_for(communication, *, member) -> Preview:
    """The communication as `member` would receive it (in their language), for the
    approver. The unsubscribe link has its real shape but no real token, so nobody is
    unsubscribed from a preview."""
    composer = composer_for(communication, language=member_language(member))
    membership = getattr(member, "membership", None)
    recipient = Recipient(
        delivery_id=0,
        user_id=member.pk,
        email=member.email,
        first_name=member.first_name,
        membership_number=membership.number if membership else "",
        section=membership.get_section_display() if membership else "",
    )
    values = recipient.values()
    if composer.unsubscribes:
        values["unsubscribe_url"] = absolute_url(
            reverse("communications:unsubscribe", args=[PREVIEW_TOKEN])
        )
    html_values = {name: escape(value) for name, value in values.items()}
    return Preview(
        subject=_one_line(_fill(composer.subject, values)),
        html=_fill(composer.html, html_values),
        text=_fill(composer.text, values),
        recipient=recipient,
    )


class NotificationRecipient:
    """The only thing about the recipient that a notification template can reach."""

    def __init__(self, first_name: str):
        self.first_name = first_name or "member"

    def get_short_name(self) -> str:
        return self.first_name

    def __str__(self) -> str:
        return self.first_name


def notification_message(delivery, connection=None) -> EmailMultiAlternatives:
    """A notification from its templates. Templates see the context given by the caller
    (references and links only) and the recipient's first name, nothing else."""
    from .notices import notice_for

    context: dict[str, Any] = {
        **(delivery.context or {}),
        "user": NotificationRecipient(delivery.user.first_name),
        "union_name": settings.PORTAL_UNION_NAME,
        "site_url": absolute_url("/"),
        "preferences_url": absolute_url(reverse("accounts:preferences")),
    }
    headers = {"Message-ID": message_id_for(delivery.pk)}
    try:
        consent = notice_for(delivery.notification).consent
    except ValueError:
        consent = None
    if consent:
        # A notice members can turn off carries the one-click unsubscribe (RFC 8058).
        url = absolute_url(
            reverse(
                "communications:unsubscribe",
                args=[unsubscribe_token(user_id=delivery.user_id, kind=consent)],
            )
        )
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    base = f"communications/notifications/{delivery.notification}"
    # In the member's language, links included (the Welsh pages for a Welsh reader).
    with translation.override(member_language(delivery.user)):
        context["site_url"] = absolute_url(reverse("home"))
        context["preferences_url"] = absolute_url(reverse("accounts:preferences"))
        subject = _one_line(render_to_string(f"{base}_subject.txt", context))
        body = render_to_string(f"{base}_body.txt", context)
        html = None
        with contextlib.suppress(TemplateDoesNotExist):
            html = render_to_string(f"{base}_body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[delivery.email],
        headers=headers,
        connection=connection,
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    from .notifications import notification_attachments

    for filename, content, mimetype in notification_attachments(delivery):
        message.attach(filename, content, mimetype)
    return message
