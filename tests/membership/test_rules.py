"""Every reduced rate of the rule book, as one table: how it is worked out from the fee
schedule, how long it may last and what evidence it needs. No database."""

from datetime import date
from decimal import Decimal

import pytest

from membership.rules import (
    FULL_TIME_HOURS,
    REDUCED_RATES,
    Frequency,
    ReductionKind,
    longest_end,
    quote,
)
from portal.accounts.choices import FeeBand, Hours, JobRole

RATES = {
    FeeBand.LEADERSHIP_FULL: Decimal("33.00"),
    FeeBand.LEADERSHIP_PART: Decimal("24.50"),
    FeeBand.PROFESSIONAL_FULL: Decimal("25.00"),
    FeeBand.PROFESSIONAL_PART: Decimal("17.50"),
    FeeBand.SUPPORT_FULL: Decimal("12.00"),
    FeeBand.SUPPORT_PART: Decimal("8.00"),
    FeeBand.SELF_EMPLOYED: Decimal("20.00"),
}
DAY = date(2027, 3, 1)
T, FT, PT = JobRole.TEACHER, Hours.FULL_TIME, Hours.PART_TIME
K = ReductionKind

TABLE = [
    # reduction, role, hours, band, contracted hours, granted, amount, evidence?, max months
    (K.STUDENT, T, FT, "P1", None, (K.STUDENT,), "0.00", True, None),
    (K.ECT, T, FT, "P1", None, (K.ECT,), "12.50", False, 12),
    (K.PART_TIME, T, PT, "P2", "16.25", (), "12.50", False, None),  # half of full time
    (K.PART_TIME, T, PT, "P2", "30", (), "17.50", False, None),  # capped at the P2 band
    (K.PART_TIME, JobRole.SUPPORT_STAFF, PT, "S2", "13", (), "4.80", False, None),
    (K.PART_TIME, JobRole.HEADTEACHER, PT, "L2", "19.5", (), "19.80", False, None),
    (K.SUPPLY, JobRole.SUPPLY_TEACHER, FT, "P1", None, (), "18.75", False, None),
    (K.RETIRED, T, FT, "P1", None, (K.RETIRED,), "5.00", False, None),
    (K.PARENTAL_LEAVE, T, FT, "P1", None, (K.PARENTAL_LEAVE,), "0.00", False, 12),
    (K.PARENTAL_LEAVE, JobRole.HEADTEACHER, FT, "L1", None, (K.PARENTAL_LEAVE,), "0.00", False, 12),
    (K.CAREER_BREAK, T, FT, "P1", None, (K.CAREER_BREAK,), "2.50", True, 24),
    (K.UNEMPLOYED, T, FT, "P1", None, (K.UNEMPLOYED,), "2.50", True, 12),
    (K.SELF_EMPLOYED, JobRole.CONSULTANT, FT, "SE", None, (), "20.00", False, None),
]


@pytest.mark.parametrize(
    ("kind", "role", "hours", "band", "contracted", "granted", "amount", "evidence", "months"),
    TABLE,
)
def test_every_reduced_rate(kind, role, hours, band, contracted, granted, amount, evidence, months):
    q = quote(
        on=DAY,
        job_role=role,
        hours=hours,
        band=band,
        frequency=Frequency.MONTHLY,
        rates=RATES,
        contracted_hours=Decimal(contracted) if contracted else None,
        granted=granted,
    )
    assert q.amount == Decimal(amount)
    if q.amount < RATES[band]:
        assert q.reduction == kind
        assert len(q.reasons) == 2
    rule = REDUCED_RATES[kind]
    assert rule.needs_evidence is evidence
    assert rule.max_months == months


def test_the_table_covers_every_reduction():
    assert {row[0] for row in TABLE} == set(ReductionKind) == set(REDUCED_RATES)


def test_reductions_needing_evidence_say_what_evidence():
    needing = {k for k, r in REDUCED_RATES.items() if r.needs_evidence}
    assert needing == {K.STUDENT, K.CAREER_BREAK, K.UNEMPLOYED}
    for kind in needing:
        assert len(str(REDUCED_RATES[kind].evidence)) > 10


def test_the_lowest_reduction_wins_and_no_reduction_is_the_band_rate():
    q = quote(
        on=DAY,
        job_role=T,
        hours=FT,
        band="P1",
        frequency="monthly",
        rates=RATES,
        granted=(K.RETIRED, K.PARENTAL_LEAVE),
    )
    assert (q.amount, q.reduction) == (Decimal("0.00"), K.PARENTAL_LEAVE)
    plain = quote(on=DAY, job_role=T, hours=FT, band="P1", frequency="monthly", rates=RATES)
    assert (plain.amount, plain.reduction, plain.full_rate) == (Decimal("25.00"), "", RATES["P1"])


def test_annual_rates_are_reduced_the_same_way():
    annual = {band: amount * 12 for band, amount in RATES.items()}
    q = quote(
        on=DAY,
        job_role=T,
        hours=FT,
        band="P1",
        frequency="annual",
        rates=annual,
        granted=(K.ECT,),
    )
    assert q.amount == Decimal("150.00")
    assert "a year" in q.reasons[0]


def test_part_time_without_hours_pays_the_part_time_band():
    q = quote(on=DAY, job_role=T, hours=PT, band="P2", frequency="monthly", rates=RATES)
    assert (q.amount, q.reduction) == (Decimal("17.50"), "")
    assert Decimal("32.5") == FULL_TIME_HOURS


@pytest.mark.parametrize(
    ("kind", "start", "last"),
    [
        (K.PARENTAL_LEAVE, date(2027, 1, 10), date(2028, 1, 9)),
        (K.PARENTAL_LEAVE, date(2027, 8, 31), date(2028, 8, 30)),
        (K.CAREER_BREAK, date(2027, 1, 1), date(2028, 12, 31)),
        (K.ECT, date(2027, 9, 1), date(2028, 8, 31)),
        (K.STUDENT, date(2027, 9, 1), None),
    ],
)
def test_how_long_a_reduction_may_last(kind, start, last):
    assert longest_end(kind, start) == last
