"""Working days by nation: England and Wales, Scotland and Northern Ireland have different
bank holidays (from the maintained `holidays` library)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

SUBDIVISION = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}


@lru_cache(maxsize=32)
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    subdiv = SUBDIVISION.get(nation, "ENG")
    return frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())


def is_working_day(day: date, nation: str) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(nation, day.year)


def working_days_until(start: date, end: date, nation: str) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            count += 1
    return count


def add_working_days(start: date, days: int, nation: str) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            days -= 1
    return day
