"""Reads of a member's CPD record: their own entries and the courses they attended, one
list newest first, with the hours totalled by CPD year.

A CPD year runs from 1 September to 31 August, like the school year and the membership
year (`portal.accounts.membership`), which is how performance reviews count it."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from . import access
from .models import CPDEntry


def cpd_year_start(day: date) -> int:
    """The calendar year in which the CPD year holding `day` began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def cpd_year_label(start: int) -> str:
    return _("September %(start)s to August %(end)s") % {"start": start, "end": start + 1}


@dataclass(frozen=True)
class RecordItem:
    """One line of the record: an entry the member made, or a course they attended."""

    kind: str  # "own" or "attended"
    title: str
    provider: str
    done_on: date
    hours: Decimal
    text: str  # the member's reflection, or the course's learning outcomes
    entry: CPDEntry | None = None
    booking_id: int | None = None
    evidence_count: int = 0

    @property
    def year(self) -> int:
        return cpd_year_start(self.done_on)


@dataclass
class YearTotal:
    start: int
    label: str
    hours: Decimal = Decimal("0")
    own_hours: Decimal = Decimal("0")
    attended_hours: Decimal = Decimal("0")
    items: list[RecordItem] = field(default_factory=list)


@dataclass(frozen=True)
class Record:
    items: list[RecordItem]
    years: list[YearTotal]

    @property
    def total_hours(self) -> Decimal:
        return sum((y.hours for y in self.years), Decimal("0"))


def own_items(user) -> list[RecordItem]:
    entries = access.entries_of(user).annotate(evidence_total=Count("evidence"))
    return [
        RecordItem(
            kind="own",
            title=e.title,
            provider=e.provider,
            done_on=e.done_on,
            hours=e.hours,
            text=e.reflection,
            entry=e,
            evidence_count=e.evidence_total,
        )
        for e in entries
    ]


def attended_items(user) -> list[RecordItem]:
    """The courses the member attended (events: a booking marked attended)."""
    from .attendance import attended_items as from_events

    return from_events(user)


def record_for(user) -> Record:
    items = sorted(
        own_items(user) + attended_items(user),
        key=lambda i: (i.done_on, i.kind == "own"),
        reverse=True,
    )
    years: OrderedDict[int, YearTotal] = OrderedDict()
    for item in items:
        total = years.get(item.year)
        if total is None:
            total = years[item.year] = YearTotal(item.year, cpd_year_label(item.year))
        total.hours += item.hours
        if item.kind == "own":
            total.own_hours += item.hours
        else:
            total.attended_hours += item.hours
        total.items.append(item)
    return Record(items=items, years=list(years.values()))
