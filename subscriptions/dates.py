"""Bacs processing days for the collection engine.

The Bacs calendar belongs to `subscriptions.bacs.calendar` (the pure Bacs layer). Until that
module is on this branch, the same rule is applied here: a processing day is a weekday that
is not a bank holiday in England and Wales (Bacs follows the England and Wales calendar).
"""

from __future__ import annotations

from datetime import date, timedelta

try:  # the pure Bacs layer, when merged
    from subscriptions.bacs.calendar import (  # type: ignore[import-not-found]
        add_processing_days,
        is_processing_day,
        next_processing_day,
    )
except ImportError:  # pragma: no cover - replaced by the Bacs layer at merge
    from casework.workdays import is_working_day

    def is_processing_day(d: date) -> bool:
        return is_working_day(d, "england")

    def next_processing_day(d: date) -> date:
        """`d` itself when it is a processing day, else the next one."""
        while not is_processing_day(d):
            d += timedelta(days=1)
        return d

    def add_processing_days(d: date, n: int) -> date:
        while n > 0:
            d += timedelta(days=1)
            if is_processing_day(d):
                n -= 1
        return d


__all__ = ["add_processing_days", "is_processing_day", "next_processing_day"]
