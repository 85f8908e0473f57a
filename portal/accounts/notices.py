"""Service notices from the accounts app (a role changed, a role grant waits for a second
approval) without importing the communications app, which sits above accounts (`make lint`
holds the layers). Communications registers its sender when Django starts
(`CommunicationsConfig.ready`); sending before that is a configuration error, not a notice
silently lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NO_SENDER = "No notice sender is registered: is portal.communications in INSTALLED_APPS?"

_sender: Callable[..., None] | None = None


def register_notice_sender(sender: Callable[..., None]) -> None:
    """`sender(user=..., kind=..., context=...)`, under the contract of
    `portal.communications.notifications.notification_send`."""
    global _sender
    _sender = sender


def notice_send(*, user, kind: str, context: dict[str, Any]) -> None:
    if _sender is None:
        raise ImproperlyConfigured(NO_SENDER)
    _sender(user=user, kind=kind, context=context)


def absolute_url(path: str) -> str:
    """`path` on the portal's public address (the link in an email)."""
    return settings.SITE_URL.rstrip("/") + path
