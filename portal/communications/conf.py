"""The sending's knobs, read from settings when used (never at import time)."""

from __future__ import annotations

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    return default if value in (None, "") else int(value)


def batch_size() -> int:
    """Recipients one task claims and sends over one SMTP connection."""
    return max(1, _int("COMMUNICATIONS_BATCH_SIZE", 200))


def rate_limit() -> int:
    """Messages per second across all workers; 0 for no limit."""
    return max(0, _int("COMMUNICATIONS_RATE_LIMIT", 0))


def max_attempts() -> int:
    return max(1, _int("COMMUNICATIONS_MAX_ATTEMPTS", 5))


def retry_backoff() -> int:
    """Seconds before the first retry after a temporary failure; doubled each time."""
    return max(0, _int("COMMUNICATIONS_RETRY_BACKOFF", 60))


def retry_delay(attempts: int) -> int:
    return min(retry_backoff() * 2 ** max(0, attempts - 1), 6 * 60 * 60)


def stale_after() -> int:
    """Seconds after which the sweep looks at a claimed row (and at a send with no worker)."""
    return max(0, _int("COMMUNICATIONS_STALE_AFTER", 300))


def hard_bounce_limit() -> int:
    return max(1, _int("COMMUNICATIONS_HARD_BOUNCE_LIMIT", 3))


def webhook_secret() -> str:
    return getattr(settings, "COMMUNICATIONS_WEBHOOK_SECRET", "") or ""


def webhook_tolerance() -> int:
    """Seconds a signed webhook event stays acceptable (either side of its timestamp)."""
    return max(1, _int("COMMUNICATIONS_WEBHOOK_TOLERANCE", 300))
