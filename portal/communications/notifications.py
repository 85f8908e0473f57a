"""Service notifications: the one path every app uses to tell a member that something is
waiting for them (a case update, a message, a consultation invitation...).

The contract, which callers rely on:

    notification_send(user=..., kind="case_message", context={"reference": ..., "url": ...})

- `kind` names a template pair `communications/notifications/<kind>_subject.txt` and
  `<kind>_body.txt` (and optionally `<kind>_body.html`).
- `context` holds only what may appear in an email: references, titles of public things,
  links (`absolute_url(path)`). Never the content of a case or of a message: values must be
  short single-line strings or numbers, or ValueError is raised. Templates see the context
  and `user.first_name`, nothing else about the recipient.
- A delivery record is written in the caller's transaction, and the email goes out from a
  Celery task after it commits (in-process in the demo), exactly once, through the same
  sending path as bulk communications.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from portal.accounts.models import User

from .rendering import absolute_url

__all__ = [
    "Recipient",
    "absolute_url",
    "notification_attachments",
    "notification_send",
    "notifications_send",
    "register_notification_attachments",
]


class Recipient(NamedTuple):
    """Whom a notification is for, as a caller read it with the rows it is about (a bureau
    report's thousands of members) instead of loading each User: what the notification
    needs of the account."""

    pk: int
    email: str
    is_active: bool
    is_staff: bool


# Apps that attach a file to their own notices (events: the booking's .ics), by the kind's
# prefix. The builder gets the delivery and returns (filename, bytes, mimetype) tuples; it
# must check the delivery's user owns what it attaches.
_ATTACHMENTS: dict[str, Callable[[Any], list[tuple[str, bytes, str]]]] = {}


def register_notification_attachments(prefix: str, builder) -> None:
    _ATTACHMENTS[prefix] = builder


def notification_attachments(delivery) -> list[tuple[str, bytes, str]]:
    for prefix, builder in _ATTACHMENTS.items():
        if (delivery.notification or "").startswith(prefix):
            return builder(delivery)
    return []


def notification_send(*, user: User, kind: str, context: dict[str, Any]) -> None:
    from .services import notification_create

    notification_create(user=user, kind=kind, context=context)


def notifications_send(items: list[tuple[User | Recipient, str, dict[str, Any]]]) -> None:
    """`notification_send` for many (user, kind, context) at once, under the same contract:
    the deliveries written at once (one COPY) instead of one INSERT per person."""
    from .services import deliveries_write

    deliveries_write(items)
