"""How the casework service is doing: pure functions over a queryset of cases.

Every figure is one aggregate query (grouped in the database, never a loop over cases in
Python), so a report costs the same number of queries for 100 cases as for 100,000:

- time to first response: from submission to the officer's first message or first move of
  the case on from "new" (`Case.first_response_at`), over the cases submitted in the period;
- time to close: from submission to closing, over the cases closed in the period;
- open cases by age band (0–7, 8–30, 31–90, over 90 days), as they are now;
- outcomes of the cases closed in the period;
each overall, month by month, and by category, region and officer.

The anonymised cases kept after retention (`services.cases_apply_retention` keeps the case
row with category, region, dates and outcome, and removes the member, the officer and all
text) are counted in: they are rows of the same table, with no officer.

Differencing safety: someone who is not a casework manager (no `view_all_cases`) sees a
breakdown by officer or region with every group of fewer than 5 cases shown as "fewer than
5" and its figures withheld, so that a small group cannot be used to single out a case.
Officers' names are shown to managers only; others read "You" or "Officer 1", "Officer 2"…
Members' names are never part of a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from portal.accounts.models import User
from portal.db_router import replica_reads

from .models import OPEN_STATUSES, Case, Category, Outcome, Status

SMALL_CELL = 5
SMALL_CELL_WORDS = "fewer than 5"
DIMENSIONS = {"category": "category", "region": "region__name", "officer": "assigned_to"}
DIMENSION_TITLES = {"category": "Category", "region": "Region", "officer": "Officer"}
# Dimensions whose small groups are withheld from non-managers.
SENSITIVE_DIMENSIONS = ("region", "officer")
# (label, youngest age in days, oldest age in days or None)
AGE_BANDS = [
    ("0–7 days", 0, 7),
    ("8–30 days", 8, 30),
    ("31–90 days", 31, 90),
    ("over 90", 91, None),
]
NO_OFFICER = "No officer (unassigned or anonymised)"


class Percentiles(Aggregate):
    """PostgreSQL's PERCENTILE_CONT(ARRAY[...]) WITHIN GROUP (ORDER BY expression): several
    percentiles from one sort; NULLs are left out."""

    function = "PERCENTILE_CONT"
    template = (
        "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    )
    output_field = ArrayField(FloatField())

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        self.fractions = tuple(float(f) for f in fractions)
        text = ", ".join(str(f) for f in self.fractions)
        super().__init__(expression, fractions=text, **extra)

    # SQLite (`make run` only) has no PERCENTILE_CONT: the values come back as one list
    # and the same continuous percentiles are taken in Python.
    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="GROUP_CONCAT(%(expressions)s)", **extra_context
        )

    def get_db_converters(self, connection):
        if connection.vendor == "sqlite":
            return [self._from_list]
        return super().get_db_converters(connection)

    def _from_list(self, value, expression, connection):
        if not value:
            return [None] * len(self.fractions)
        values = sorted(float(v) for v in str(value).split(","))
        return [_percentile_cont(values, f) for f in self.fractions]


def _percentile_cont(values: list[float], fraction: float) -> float:
    """PostgreSQL's PERCENTILE_CONT of sorted values: linear between the nearest two."""
    position = fraction * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


class DaysBetween(Func):
    """(end - start) in days, fractional, in the database."""

    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def days_between(start: str, end: str) -> Func:
    return DaysBetween(F(end), F(start))


@dataclass(frozen=True)
class Period:
    """Whole months, first to last inclusive."""

    first: date  # the first day of the first month
    last: date  # the first day of the last month

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, datetime.min.time()))

    @property
    def end(self) -> datetime:
        """The start of the month after the last: exclusive."""
        return timezone.make_aware(datetime.combine(next_month(self.last), datetime.min.time()))

    @property
    def months(self) -> list[date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = next_month(month)
        return months

    def __str__(self):
        return f"{self.first:%B %Y} to {self.last:%B %Y}"


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def default_period(today: date) -> Period:
    """The last 12 months, this one included."""
    last = today.replace(day=1)
    first = date(last.year - 1, last.month, 1)
    return Period(first=next_month(first), last=last)


@dataclass
class Row:
    label: str
    n: int = 0
    median: float | None = None
    p90: float | None = None
    counts: dict = field(default_factory=dict)
    suppressed: bool = False


@dataclass
class Report:
    period: Period
    manager: bool
    response: Row
    close: Row
    response_by_month: list[Row]
    close_by_month: list[Row]
    outcomes: Row
    outcomes_by_month: list[Row]
    age: Row
    breakdowns: dict[str, dict[str, list[Row]]]
    anonymised: int
    monthly_breakdowns: dict[str, dict[str, list[tuple[date, Row]]]] | None = None


def _round(value):
    return None if value is None else round(value, 1)


def _durations(start: str, end: str) -> dict:
    return {
        "n": Count("id"),
        "percentiles": Percentiles(days_between(start, end), (0.5, 0.9)),
    }


def _submitted(qs, period: Period):
    return qs.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)


def _closed(qs, period: Period):
    return qs.filter(status=Status.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end)


def _response_base(qs, period):
    """Of the cases submitted in the period, those answered (the rest wait for one)."""
    return _submitted(qs, period).filter(first_response_at__isnull=False)


def _outcome_counts() -> dict:
    return {f"o_{o}": Count("id", filter=Q(outcome=o)) for o in Outcome.values} | {"n": Count("id")}


def _age_counts(now: datetime) -> dict:
    counts = {"n": Count("id")}
    for i, (_, youngest, oldest) in enumerate(AGE_BANDS):
        q = Q(submitted_at__lte=now - timedelta(days=youngest))
        if oldest is not None:
            q &= Q(submitted_at__gt=now - timedelta(days=oldest + 1))
        counts[f"a_{i}"] = Count("id", filter=q)
    return counts


def _duration_row(label, values) -> Row:
    median, p90 = values.get("percentiles") or (None, None)
    return Row(label=label, n=values.get("n") or 0, median=_round(median), p90=_round(p90))


def _counts_row(label, values, prefix: str, keys: list) -> Row:
    return Row(
        label=label,
        n=values.get("n") or 0,
        counts={k: values.get(f"{prefix}_{i if prefix == 'a' else k}") or 0 for i, k in keys},
    )


OUTCOME_KEYS = [(o, o) for o in Outcome.values]
AGE_KEYS = [(i, label) for i, (label, _, _) in enumerate(AGE_BANDS)]


def _monthly(qs, date_field: str, aggregates: dict, period: Period) -> dict[date, dict]:
    rows = (
        qs.annotate(month=TruncMonth(date_field))
        .values("month")
        .annotate(**aggregates)
        .order_by("month")
    )
    return {_month_of(r["month"]): r for r in rows}


def _grouped(qs, dimension: str, aggregates: dict, *, month_field: str | None = None):
    key = DIMENSIONS[dimension]
    names = [key]
    if month_field:
        qs = qs.annotate(month=TruncMonth(month_field))
        names = ["month", key]
    return list(qs.values(*names).annotate(**aggregates).order_by(*names))


class Labeller:
    """The words for a group: a category's label, a region's name, an officer's name for
    managers only (others: "You" or a number)."""

    def __init__(self, user, manager: bool):
        self.user, self.manager = user, manager
        self.numbers: dict[int, int] = {}
        self.names: dict[int, str] = {}

    def load_officers(self, ids: set) -> None:
        ids = {i for i in ids if i is not None}
        if self.manager and ids:
            self.names = {
                u.pk: u.get_full_name() or u.email
                for u in User.objects.filter(pk__in=ids).only("first_name", "last_name", "email")
            }
        for i in sorted(ids):
            self.numbers.setdefault(i, len(self.numbers) + 1)

    def __call__(self, dimension: str, value) -> str:
        if dimension == "category":
            return Category(value).label if value in Category.values else str(value or "—")
        if dimension == "region":
            return value or "No region"
        if value is None:
            return NO_OFFICER
        if self.manager:
            return self.names.get(value, f"Officer {value}")
        if value == self.user.pk:
            return "You"
        return f"Officer {self.numbers.get(value, 0)}"


def _suppress(rows: list[Row], dimension: str, manager: bool) -> list[Row]:
    if manager or dimension not in SENSITIVE_DIMENSIONS:
        return rows
    for row in rows:
        if row.n < SMALL_CELL:
            row.suppressed = True
            row.n, row.median, row.p90, row.counts = 0, None, None, {}
    return rows


def casework_report(
    qs: QuerySet[Case],
    *,
    user,
    period: Period,
    now: datetime | None = None,
    monthly_breakdowns: bool = False,
) -> Report:
    """The service report over `qs` (already narrowed to what `user` may see, by
    casework.access.cases_visible_to). A fixed number of aggregate queries, read from the
    replica when there is one (figures a few seconds old are as good)."""
    with replica_reads():
        return _casework_report(
            qs, user=user, period=period, now=now, monthly_breakdowns=monthly_breakdowns
        )


def _casework_report(
    qs: QuerySet[Case],
    *,
    user,
    period: Period,
    now: datetime | None,
    monthly_breakdowns: bool,
) -> Report:
    now = now or timezone.now()
    manager = user.has_perm("casework.view_all_cases")
    qs = qs.exclude(status=Status.DRAFT).order_by()
    responded = _response_base(qs, period)
    closed = _closed(qs, period)
    open_cases = qs.filter(status__in=OPEN_STATUSES)

    response_total = responded.aggregate(**_durations("submitted_at", "first_response_at"))
    close_total = closed.aggregate(**_durations("submitted_at", "closed_at"))
    outcome_total = closed.aggregate(**_outcome_counts())
    age_total = open_cases.aggregate(**_age_counts(now))
    response_months = _monthly(
        responded, "submitted_at", _durations("submitted_at", "first_response_at"), period
    )
    close_months = _monthly(closed, "closed_at", _durations("submitted_at", "closed_at"), period)
    outcome_months = _monthly(closed, "closed_at", _outcome_counts(), period)
    anonymised = (
        qs.filter(personal_content_removed_at__isnull=False)
        .filter(
            Q(submitted_at__gte=period.start, submitted_at__lt=period.end)
            | Q(closed_at__gte=period.start, closed_at__lt=period.end)
        )
        .count()
    )

    raw = {}
    for dimension in DIMENSIONS:
        raw[dimension] = {
            "response": _grouped(
                responded, dimension, _durations("submitted_at", "first_response_at")
            ),
            "close": _grouped(closed, dimension, _durations("submitted_at", "closed_at")),
            "outcomes": _grouped(closed, dimension, _outcome_counts()),
            "age": _grouped(open_cases, dimension, _age_counts(now)),
        }
    raw_monthly = {}
    if monthly_breakdowns:
        for dimension in DIMENSIONS:
            raw_monthly[dimension] = {
                "response": _grouped(
                    responded,
                    dimension,
                    _durations("submitted_at", "first_response_at"),
                    month_field="submitted_at",
                ),
                "close": _grouped(
                    closed,
                    dimension,
                    _durations("submitted_at", "closed_at"),
                    month_field="closed_at",
                ),
                "outcomes": _grouped(closed, dimension, _outcome_counts(), month_field="closed_at"),
            }

    label = Labeller(user, manager)
    officer_key = DIMENSIONS["officer"]
    officer_ids = {r[officer_key] for rows in raw["officer"].values() for r in rows}
    for rows in raw_monthly.get("officer", {}).values():
        officer_ids |= {r[officer_key] for r in rows}
    label.load_officers(officer_ids)

    def make(measure: str, dimension: str, values: dict) -> Row:
        name = label(dimension, values[DIMENSIONS[dimension]])
        if measure in ("response", "close"):
            return _duration_row(name, values)
        if measure == "outcomes":
            return _counts_row(name, values, "o", OUTCOME_KEYS)
        return _counts_row(name, values, "a", AGE_KEYS)

    breakdowns = {
        dimension: {
            measure: _suppress([make(measure, dimension, v) for v in rows], dimension, manager)
            for measure, rows in measures.items()
        }
        for dimension, measures in raw.items()
    }
    monthly = None
    if monthly_breakdowns:
        monthly = {
            dimension: {
                measure: [
                    (
                        _month_of(v["month"]),
                        _suppress([make(measure, dimension, v)], dimension, manager)[0],
                    )
                    for v in rows
                ]
                for measure, rows in measures.items()
            }
            for dimension, measures in raw_monthly.items()
        }

    def month_rows(found: dict, kind: str) -> list[Row]:
        rows = []
        for month in period.months:
            values = found.get(month, {})
            label_ = f"{month:%b %Y}"
            if kind == "duration":
                rows.append(_duration_row(label_, values))
            else:
                rows.append(_counts_row(label_, values, "o", OUTCOME_KEYS))
        return rows

    return Report(
        period=period,
        manager=manager,
        response=_duration_row("All cases", response_total),
        close=_duration_row("All cases", close_total),
        response_by_month=month_rows(response_months, "duration"),
        close_by_month=month_rows(close_months, "duration"),
        outcomes=_counts_row("All cases", outcome_total, "o", OUTCOME_KEYS),
        outcomes_by_month=month_rows(outcome_months, "counts"),
        age=_counts_row("All open cases", age_total, "a", AGE_KEYS),
        breakdowns=breakdowns,
        anonymised=anonymised,
        monthly_breakdowns=monthly,
    )


def _month_of(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date().replace(day=1)
    return value


def report_csv_rows(report: Report):
    """The report's figures as CSV rows: measure, breakdown, group, month, cases, median
    days, 90th percentile days, and the count columns. No member is ever named."""
    yield [
        "measure",
        "breakdown",
        "group",
        "month",
        "cases",
        "median days",
        "90th percentile days",
        *[f"outcome: {Outcome(o).label}" for o in Outcome.values],
        *[f"age: {label}" for label, _, _ in AGE_BANDS],
    ]

    def line(measure, breakdown, row: Row, month=""):
        if row.suppressed:
            return [measure, breakdown, row.label, month, SMALL_CELL_WORDS, "", ""] + [""] * (
                len(Outcome.values) + len(AGE_BANDS)
            )
        outcomes = [row.counts.get(o, "") if measure == "outcomes" else "" for o in Outcome.values]
        ages = [row.counts.get(label, "") if measure == "age" else "" for _, label in AGE_KEYS]
        return [
            measure,
            breakdown,
            row.label,
            month,
            row.n,
            "" if row.median is None else row.median,
            "" if row.p90 is None else row.p90,
            *outcomes,
            *ages,
        ]

    names = {
        "response": "time to first response",
        "close": "time to close",
        "outcomes": "outcomes",
        "age": "open cases by age",
    }
    yield line(names["response"], "all", report.response)
    yield line(names["close"], "all", report.close)
    yield line(names["outcomes"], "all", report.outcomes)
    yield line(names["age"], "all", report.age)
    for month, row in zip(report.period.months, report.response_by_month, strict=True):
        yield line(names["response"], "month", row, f"{month:%Y-%m}")
    for month, row in zip(report.period.months, report.close_by_month, strict=True):
        yield line(names["close"], "month", row, f"{month:%Y-%m}")
    for month, row in zip(report.period.months, report.outcomes_by_month, strict=True):
        yield line(names["outcomes"], "month", row, f"{month:%Y-%m}")
    for dimension, measures in report.breakdowns.items():
        for measure, rows in measures.items():
            for row in rows:
                yield line(names[measure], dimension, row)
    for dimension, measures in (report.monthly_breakdowns or {}).items():
        for measure, rows in measures.items():
            for month, row in rows:
                yield line(names[measure], f"{dimension} by month", row, f"{month:%Y-%m}")
