"""Bacs processing days for the collection engine, from the pure Bacs layer's calendar
(weekdays that are not England and Wales bank holidays)."""

from __future__ import annotations

from subscriptions.bacs.calendar import (
    add_processing_days,
    is_processing_day,
    next_processing_day,
)

__all__ = ["add_processing_days", "is_processing_day", "next_processing_day"]
