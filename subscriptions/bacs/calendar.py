"""The Bacs processing calendar, as a membership department plans collections.

Bacs works on *processing days*: Monday to Friday, except bank holidays in
England and Wales (Bacs is run from England, so Scottish and Northern Irish bank
holidays do not stop it).  Christmas Day, Boxing Day, New Year's Day, Good
Friday, Easter Monday, the May and August bank holidays all stop it; when a
holiday falls at a weekend the substitute day off stops it too.

The three-day cycle
-------------------
A Direct Debit collection takes three processing days:

1. **Input day** — the bureau submits the Standard 18 file to Bacs;
2. **Processing day** — Bacs sorts it and passes it to the members' banks;
3. **Entry day** — the money leaves the member's account and reaches the union.
   This is the *collection date* printed on the advance notice.

So ``input_day_for(collection_date)`` is two processing days before it.

Advance notice
--------------
The Direct Debit Guarantee requires the member to be told the amount and date
before each collection — the scheme default is 10 working days, but the service
user can agree a different period (the portal passes its own ``lead_days``, in
calendar days).  ``earliest_collection_date(today, lead_days=n)`` is the first
processing day that is at least ``n`` calendar days after ``today`` *and* whose
input day is not earlier than the next processing day after today (a file
cannot be submitted for yesterday).

Bank holidays come from the ``holidays`` package (``country_holidays("GB",
subdiv="ENG")``), cached per year.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

__all__ = [
    "add_processing_days",
    "bank_holidays",
    "earliest_collection_date",
    "input_day_for",
    "is_processing_day",
    "next_processing_day",
    "previous_processing_day",
]

_ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def bank_holidays(year: int) -> frozenset[dt.date]:
    """England and Wales bank holidays in ``year`` (cached)."""
    return _holidays_for(year)


def _as_date(d: dt.date) -> dt.date:
    # A datetime is a date too; the calendar works on the day only.
    return d.date() if isinstance(d, dt.datetime) else d


def is_processing_day(d: dt.date) -> bool:
    """Monday–Friday and not an England & Wales bank holiday."""
    d = _as_date(d)
    return d.weekday() < 5 and d not in _holidays_for(d.year)


def next_processing_day(d: dt.date) -> dt.date:
    """``d`` itself if it is a processing day, otherwise the next one."""
    d = _as_date(d)
    while not is_processing_day(d):
        d += _ONE_DAY
    return d


def previous_processing_day(d: dt.date) -> dt.date:
    """``d`` itself if it is a processing day, otherwise the one before."""
    d = _as_date(d)
    while not is_processing_day(d):
        d -= _ONE_DAY
    return d


def add_processing_days(d: dt.date, n: int) -> dt.date:
    """Move ``n`` processing days from ``d`` (backwards when ``n`` is negative).

    ``add_processing_days(d, 0)`` is ``next_processing_day(d)``.  From a
    non-processing day, counting starts from the day itself, so one processing
    day after Saturday is Monday (if Monday is not a holiday).
    """
    d = _as_date(d)
    if n == 0:
        return next_processing_day(d)
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_processing_day(d):
            remaining -= 1
    return d


def input_day_for(collection_date: dt.date) -> dt.date:
    """The day the file must reach Bacs: two processing days before the collection.

    Raises ``ValueError`` if the collection date is not a processing day (money
    only moves on processing days).
    """
    collection_date = _as_date(collection_date)
    if not is_processing_day(collection_date):
        raise ValueError(f"{collection_date} is not a Bacs processing day.")
    return add_processing_days(collection_date, -2)


def earliest_collection_date(today: dt.date, *, lead_days: int) -> dt.date:
    """The first collection date the member can be given ``lead_days`` notice of.

    At least ``lead_days`` calendar days after ``today``, moved on to a
    processing day, and late enough that its input day is a processing day not
    before ``today``'s next processing day.
    """
    if lead_days < 0:
        raise ValueError("lead_days cannot be negative.")
    today = _as_date(today)
    candidate = next_processing_day(today + dt.timedelta(days=lead_days))
    first_input = add_processing_days(today, 1)
    while input_day_for(candidate) < first_input:
        candidate = add_processing_days(candidate, 1)
    return candidate
