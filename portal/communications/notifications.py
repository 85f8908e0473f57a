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
from typing import Any

from portal.accounts.models import User

from .rendering import absolute_url

__all__ = [
    "absolute_url",
    "notification_attachments",
    "notification_send",
    "notifications_send",
    "register_notification_attachments",
]

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


def notifications_send(items: list[tuple[User, str, dict[str, Any]]]) -> None:
    """`notification_send` for many (user, kind, context) at once, under the same contract:
    one INSERT per chunk of deliveries instead of one per person."""
    from .services import notifications_create_many

    notifications_create_many(items)
