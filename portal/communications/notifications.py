"""Service notifications: the one path every app uses to tell a member that something is
waiting for them (a case update, a message, a consultation invitation...).

The contract, which callers rely on:

    notification_send(user=..., kind="case_message", context={"reference": ..., "url": ...})

- `kind` names a template pair `communications/notifications/<kind>_subject.txt` and
  `<kind>_body.txt` (and optionally `<kind>_body.html`).
- `context` holds only what may appear in an email: references, titles of public things,
  links. Never the content of a case or of a message.
- It is enqueued after the surrounding transaction commits; the email goes out from a
  Celery task (in-process in the demo).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from portal.accounts.models import User


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def notification_send(*, user: User, kind: str, context: dict[str, Any]) -> None:
    from .tasks import send_notification

    send_notification.delay_on_commit(user.pk, kind, context)
