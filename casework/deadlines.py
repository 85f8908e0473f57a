"""Employment tribunal time limits: a pure computation, no database.

The usual limit for the claims the union brings (unfair dismissal, discrimination, unlawful
deductions from pay, redundancy pay and the like) is "three months less one day" from the act
complained of. ACAS early conciliation (Employment Rights Act 1996 s.207B and its twins in
the other Acts) stops the clock: when conciliation starts (Day A) on or before the limit and
the certificate is issued (Day B), the days from A to B are added to the limit, and the
claimant always has at least one month after Day B.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# Refusals shown next to the field they concern (the admin's work form).
ACT_IN_FUTURE = "The date of the act cannot be in the future."
CERTIFICATE_BEFORE_START = (
    "The ACAS certificate (Day B) cannot be dated before conciliation started (Day A)."
)
ACAS_BEFORE_ACT = "ACAS conciliation (Day A) cannot start before the act complained of."
CERTIFICATE_WITHOUT_START = "Give the date ACAS conciliation started (Day A) as well."
ACAS_IN_FUTURE = "ACAS dates cannot be in the future."

# The rule in one line, for the case screen.
RULE = (
    "Three months less one day from the act; ACAS early conciliation started within that "
    "time adds the days from Day A to Day B, and leaves at least one month after Day B."
)


@dataclass(frozen=True)
class DeadlineFacts:
    """What an officer enters about a possible tribunal claim."""

    claim_type: str = ""
    act_on: date | None = None
    acas_started_on: date | None = None
    acas_certificate_on: date | None = None


@dataclass(frozen=True)
class TribunalLimit:
    limit: date
    base: date
    extended_days: int = 0
    acas_after_limit: bool = False
    acas_in_progress: bool = False

    @property
    def explanation(self) -> str:
        if self.acas_after_limit:
            return "ACAS started after the limit: no extension."
        if self.acas_in_progress:
            return (
                "ACAS conciliation in progress: the limit moves when the certificate's date "
                "is entered."
            )
        if self.limit != self.base:
            return f"Extended by ACAS early conciliation (from {self.base:%d %B %Y})."
        return "Three months less one day from the act."


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months_on(day: date, months: int) -> tuple[int, int]:
    index = day.month - 1 + months
    return day.year + index // 12, index % 12 + 1


def one_month_after(day: date) -> date:
    """The same day number a month on, or the last day of that month if it has none."""
    year, month = _months_on(day, 1)
    return _clamped(year, month, day.day)


def three_months_less_one_day(act: date) -> date:
    """The same day number three months on, less a day; where that month has no such day
    (31 August → "31 November"), the last day of that month."""
    year, month = _months_on(act, 3)
    if act.day > calendar.monthrange(year, month)[1]:
        return _clamped(year, month, act.day)
    return date(year, month, act.day) - timedelta(days=1)


def tribunal_limit(facts: DeadlineFacts) -> TribunalLimit | None:
    """The limit for a claim, or None when there is no claim or no date of the act."""
    if not facts.claim_type or facts.act_on is None:
        return None
    base = three_months_less_one_day(facts.act_on)
    day_a, day_b = facts.acas_started_on, facts.acas_certificate_on
    if day_a is None:
        return TribunalLimit(limit=base, base=base)
    if day_a > base:
        return TribunalLimit(limit=base, base=base, acas_after_limit=True)
    if day_b is None:
        return TribunalLimit(limit=base, base=base, acas_in_progress=True)
    days = (day_b - day_a).days
    limit = max(base + timedelta(days=days), one_month_after(day_b))
    return TribunalLimit(limit=limit, base=base, extended_days=days)


def deadline_problems(facts: DeadlineFacts, today: date) -> dict[str, str]:
    """What is wrong with the dates, by field: empty if nothing is."""
    problems = {}
    act, day_a, day_b = facts.act_on, facts.acas_started_on, facts.acas_certificate_on
    if act is not None and act > today:
        problems["act_on"] = ACT_IN_FUTURE
    if day_a is not None and day_a > today:
        problems["acas_started_on"] = ACAS_IN_FUTURE
    elif day_a is not None and act is not None and day_a < act:
        problems["acas_started_on"] = ACAS_BEFORE_ACT
    if day_b is not None:
        if day_a is None:
            problems["acas_certificate_on"] = CERTIFICATE_WITHOUT_START
        elif day_b > today:
            problems["acas_certificate_on"] = ACAS_IN_FUTURE
        elif day_b < day_a:
            problems["acas_certificate_on"] = CERTIFICATE_BEFORE_START
    return problems


def days_left_words(limit: date, today: date) -> str:
    days = (limit - today).days
    if days < 0:
        return f"passed {-days} day{'s' if days != -1 else ''} ago"
    if days == 0:
        return "today"
    return f"in {days} day{'s' if days != 1 else ''}"
