"""The rule book's subscription rules in one table: every reduced rate, how it is worked out
from the fee schedule, how long it may last and what evidence it needs.

Plain Python with no database access: the fee schedule's rates for the day are passed in, so
that every rule is tested as a table (tests/membership/test_rules.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import FeeBand, Hours, JobRole

# A full-time week under the rule book: part-timers pay the full-time rate in proportion.
FULL_TIME_HOURS = Decimal("32.5")
PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class ReductionKind(models.TextChoices):
    STUDENT = "student", _("Student")
    ECT = "ect", _("Newly qualified teacher (early career teacher), first year")
    PART_TIME = "part_time", _("Part time, pro rata")
    SUPPLY = "supply", _("Supply")
    RETIRED = "retired", _("Retired")
    PARENTAL_LEAVE = "parental_leave", _("Maternity, adoption or shared parental leave")
    CAREER_BREAK = "career_break", _("Career break")
    UNEMPLOYED = "unemployed", _("Unemployed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")


class How(models.TextChoices):
    FREE = "free", "free"
    PERCENT = "percent", "a percentage of the band's rate"
    PRO_RATA = "pro_rata", "the full-time rate pro rata to contracted hours"
    BAND = "band", "another band's rate"


@dataclass(frozen=True)
class ReducedRate:
    kind: str
    how: str
    percent: int = 100  # of the band's full rate, for How.PERCENT
    band: str = ""  # for How.BAND
    max_months: int | None = None  # None: as long as the circumstance lasts
    needs_end_date: bool = False  # the member says when it ends (a course, a leave)
    evidence: str = ""  # what a membership officer must see first; "" applies at once
    derived: bool = False  # follows from role or hours, never asked for on its own

    @property
    def label(self) -> str:
        return str(ReductionKind(self.kind).label)

    @property
    def needs_evidence(self) -> bool:
        return bool(self.evidence)


# THE table. Order matters only for ties: the first of equal rates is named.
REDUCED_RATES: dict[str, ReducedRate] = {
    r.kind: r
    for r in (
        ReducedRate(
            ReductionKind.STUDENT,
            How.FREE,
            needs_end_date=True,
            evidence=_("proof that you are enrolled on a course (a letter or student card)"),
        ),
        ReducedRate(ReductionKind.PARENTAL_LEAVE, How.FREE, max_months=12, needs_end_date=True),
        ReducedRate(ReductionKind.ECT, How.PERCENT, percent=50, max_months=12),
        ReducedRate(ReductionKind.PART_TIME, How.PRO_RATA, derived=True),
        ReducedRate(ReductionKind.SUPPLY, How.PERCENT, percent=75, derived=True),
        ReducedRate(ReductionKind.RETIRED, How.PERCENT, percent=20),
        ReducedRate(
            ReductionKind.CAREER_BREAK,
            How.PERCENT,
            percent=10,
            max_months=24,
            needs_end_date=True,
            evidence=_("a letter from your employer confirming the career break"),
        ),
        ReducedRate(
            ReductionKind.UNEMPLOYED,
            How.PERCENT,
            percent=10,
            max_months=12,
            evidence=_("a letter showing that you are looking for work, or your P45"),
        ),
        ReducedRate(
            ReductionKind.SELF_EMPLOYED, How.BAND, band=FeeBand.SELF_EMPLOYED, derived=True
        ),
    )
}

# The full-time band each part-time band is pro rata to.
FULL_TIME_BAND = {
    FeeBand.LEADERSHIP_PART: FeeBand.LEADERSHIP_FULL,
    FeeBand.PROFESSIONAL_PART: FeeBand.PROFESSIONAL_FULL,
    FeeBand.SUPPORT_PART: FeeBand.SUPPORT_FULL,
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def longest_end(kind: str, starts_on: date) -> date | None:
    """The last day a reduction may run, or None when the rule sets no limit."""
    rule = REDUCED_RATES[kind]
    if rule.max_months is None:
        return None
    return add_months(starts_on, rule.max_months) - timedelta(days=1)


@dataclass(frozen=True)
class Quote:
    """What a member pays on one day, and why."""

    on: date
    band: str
    frequency: str
    full_rate: Decimal  # the band's rate in the schedule, before any reduction
    amount: Decimal
    reduction: str  # a ReductionKind, or ""
    reasons: tuple[str, ...]

    @property
    def band_label(self) -> str:
        return str(FeeBand(self.band).label)

    @property
    def reduction_label(self) -> str:
        return str(ReductionKind(self.reduction).label) if self.reduction else ""

    @property
    def frequency_label(self) -> str:
        return str(Frequency(self.frequency).label)

    @property
    def is_free(self) -> bool:
        return self.amount == ZERO


def derived_reductions(*, job_role: str, hours: str, band: str, contracted_hours) -> list[str]:
    """Reductions that follow from role and hours, without being asked for."""
    found = []
    if hours == Hours.PART_TIME and band in FULL_TIME_BAND and contracted_hours:
        found.append(ReductionKind.PART_TIME)
    if job_role == JobRole.SUPPLY_TEACHER:
        found.append(ReductionKind.SUPPLY)
    if band == FeeBand.SELF_EMPLOYED:
        found.append(ReductionKind.SELF_EMPLOYED)
    return found


def reduced_amount(
    kind: str, *, band: str, rates: Mapping[str, Decimal], contracted_hours=None
) -> Decimal:
    """One reduced rate, from the schedule's rates (for one frequency) on the day."""
    rule = REDUCED_RATES[kind]
    full = rates[band]
    if rule.how == How.FREE:
        amount = ZERO
    elif rule.how == How.PERCENT:
        amount = full * rule.percent / 100
    elif rule.how == How.BAND:
        amount = rates[rule.band]
    else:  # pro rata: the full-time rate by hours, never more than the part-time band
        full_time = rates[FULL_TIME_BAND.get(band, band)]
        hours = min(Decimal(str(contracted_hours or FULL_TIME_HOURS)), FULL_TIME_HOURS)
        amount = min(full, full_time * hours / FULL_TIME_HOURS)
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def quote(
    *,
    on: date,
    job_role: str,
    hours: str,
    band: str,
    frequency: str,
    rates: Mapping[str, Decimal],
    contracted_hours=None,
    granted: tuple[str, ...] = (),
) -> Quote:
    """What a member pays on `on`: the band's rate, or the lowest reduced rate that applies
    (`granted`: the reductions approved for that day; derived ones are added here)."""
    full = Decimal(rates[band]).quantize(PENNY)
    reasons = [
        str(_("Your fee band is %(band)s: %(amount)s in the schedule on that day."))
        % {"band": FeeBand(band).label, "amount": money(full, frequency)}
    ]
    kinds = list(granted) + derived_reductions(
        job_role=job_role, hours=hours, band=band, contracted_hours=contracted_hours
    )
    best_kind, best = "", full
    for kind in REDUCED_RATES:  # table order breaks ties
        if kind not in kinds:
            continue
        amount = reduced_amount(kind, band=band, rates=rates, contracted_hours=contracted_hours)
        if amount < best:
            best_kind, best = kind, amount
    if best_kind:
        reasons.append(explain(best_kind, contracted_hours=contracted_hours))
    return Quote(on, band, frequency, full, best, best_kind, tuple(reasons))


def explain(kind: str, *, contracted_hours=None) -> str:
    rule = REDUCED_RATES[kind]
    label = ReductionKind(kind).label
    if rule.how == How.FREE:
        return str(_("%(reduction)s: membership is free.")) % {"reduction": label}
    if rule.how == How.PERCENT:
        return str(_("%(reduction)s: you pay %(percent)s%% of your band's rate.")) % {
            "reduction": label,
            "percent": rule.percent,
        }
    if rule.how == How.BAND:
        return str(_("%(reduction)s: you pay the %(band)s rate.")) % {
            "reduction": label,
            "band": FeeBand(rule.band).label,
        }
    return str(
        _(
            "Part time: you pay the full-time rate pro rata to your %(hours)s hours a week "
            "(a full-time week is %(full)s hours), never more than the part-time band."
        )
    ) % {"hours": normal(contracted_hours), "full": normal(FULL_TIME_HOURS)}


def normal(value) -> str:
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def money(amount: Decimal, frequency: str) -> str:
    if frequency == Frequency.ANNUAL:
        return str(_("£%(amount)s a year")) % {"amount": amount}
    return str(_("£%(amount)s a month")) % {"amount": amount}
