"""Where a band's fee comes from, and who hears of a change to a membership's terms.

accounts does not know the fee schedule or the membership history: the `membership` app
owns both and registers them here at start-up (`membership/apps.py`), so that accounts
stays ignorant of the apps above it (like `dashboard.py` and `exports.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

_rate_source: Callable[[date | None], dict[str, Decimal]] | None = None
_listeners: list[Callable[..., None]] = []


def register_rate_source(fn: Callable[[date | None], dict[str, Decimal]]) -> None:
    global _rate_source
    _rate_source = fn


def monthly_rates(on: date | None = None) -> dict[str, Decimal]:
    """Each band's monthly rate in the fee schedule on `on` (today by default)."""
    if _rate_source is None:
        raise ImproperlyConfigured("No fee schedule is installed (the membership app).")
    return _rate_source(on)


def register_change_listener(fn: Callable[..., None]) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def membership_changed(*, membership, before: dict, actor, source: str) -> None:
    """Tell the listeners that `membership` changed from `before` (field -> old value), in
    the caller's transaction."""
    for fn in _listeners:
        fn(membership=membership, before=before, actor=actor, source=source)
