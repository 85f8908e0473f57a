"""The Bacs processing calendar: weekends, England & Wales bank holidays, the three-day cycle."""

import datetime as dt

import pytest

from subscriptions.bacs.calendar import (
    add_processing_days,
    bank_holidays,
    earliest_collection_date,
    input_day_for,
    is_processing_day,
    next_processing_day,
    previous_processing_day,
)

D = dt.date


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 12, 25),  # Christmas Day (Friday)
        D(2026, 12, 28),  # Boxing Day falls on Saturday: substitute Monday
        D(2026, 4, 3),  # Good Friday 2026
        D(2026, 4, 6),  # Easter Monday 2026
        D(2027, 3, 26),  # Good Friday 2027
        D(2027, 3, 29),  # Easter Monday 2027
        D(2027, 12, 27),  # Christmas Day 2027 is Saturday: substitute Monday
        D(2027, 12, 28),  # Boxing Day 2027 is Sunday: substitute Tuesday
        D(2027, 1, 1),  # New Year's Day
        D(2026, 5, 4),  # Early May bank holiday
        D(2026, 8, 31),  # Summer bank holiday (England, not Scotland)
    ],
)
def test_bank_holidays_are_not_processing_days(day):
    assert day.weekday() < 5
    assert not is_processing_day(day)
    assert day in bank_holidays(day.year)


def test_scottish_only_holiday_is_a_processing_day():
    # 2 January and St Andrew's Day are Scottish bank holidays, not English ones.
    assert is_processing_day(D(2026, 1, 2))
    assert is_processing_day(D(2026, 11, 30))


def test_weekends():
    assert not is_processing_day(D(2026, 12, 5))  # Saturday
    assert not is_processing_day(D(2026, 12, 6))  # Sunday
    assert is_processing_day(D(2026, 12, 7))  # Monday
    assert next_processing_day(D(2026, 12, 5)) == D(2026, 12, 7)
    assert previous_processing_day(D(2026, 12, 6)) == D(2026, 12, 4)


def test_next_processing_day_is_the_day_itself():
    assert next_processing_day(D(2026, 12, 2)) == D(2026, 12, 2)


def test_datetime_is_taken_as_its_day():
    assert next_processing_day(dt.datetime(2026, 12, 2, 23, 59)) == D(2026, 12, 2)  # noqa: DTZ001


def test_christmas_2026_run():
    # Thu 24 Dec works; Fri 25, Sat, Sun, Mon 28 (Boxing substitute) do not.
    assert is_processing_day(D(2026, 12, 24))
    assert next_processing_day(D(2026, 12, 25)) == D(2026, 12, 29)
    assert add_processing_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    assert add_processing_days(D(2026, 12, 29), -1) == D(2026, 12, 24)


def test_christmas_2027_run():
    assert next_processing_day(D(2027, 12, 25)) == D(2027, 12, 29)
    assert add_processing_days(D(2027, 12, 24), 1) == D(2027, 12, 29)


def test_easter_2027():
    # Thursday before Good Friday, then Tuesday after Easter Monday.
    assert add_processing_days(D(2027, 3, 25), 1) == D(2027, 3, 30)


def test_add_processing_days():
    assert add_processing_days(D(2026, 12, 2), 0) == D(2026, 12, 2)
    assert add_processing_days(D(2026, 12, 5), 0) == D(2026, 12, 7)
    assert add_processing_days(D(2026, 12, 4), 1) == D(2026, 12, 7)
    assert add_processing_days(D(2026, 12, 5), 1) == D(2026, 12, 7)
    assert add_processing_days(D(2026, 12, 2), 10) == D(2026, 12, 16)
    assert add_processing_days(D(2026, 12, 7), -1) == D(2026, 12, 4)


def test_input_day_is_two_processing_days_before():
    assert input_day_for(D(2026, 12, 9)) == D(2026, 12, 7)  # Wed -> Mon
    assert input_day_for(D(2026, 12, 7)) == D(2026, 12, 3)  # Mon -> Thu
    assert input_day_for(D(2026, 12, 30)) == D(2026, 12, 24)  # across Christmas
    assert input_day_for(D(2026, 4, 7)) == D(2026, 4, 1)  # across Easter 2026


def test_input_day_for_refuses_a_holiday():
    with pytest.raises(ValueError):
        input_day_for(D(2026, 12, 25))


def test_collection_date_on_bank_holiday_moves_to_next_working_day():
    # 10 days after 15 Dec 2026 is Christmas Day: the collection is on Tue 29 Dec.
    assert earliest_collection_date(D(2026, 12, 15), lead_days=10) == D(2026, 12, 29)
    # Easter Monday 2027.
    assert earliest_collection_date(D(2027, 3, 19), lead_days=10) == D(2027, 3, 30)


def test_collection_date_on_weekend_moves_to_monday():
    # 2 Dec 2026 + 10 days = Saturday 12 Dec -> Monday 14 Dec.
    assert earliest_collection_date(D(2026, 12, 2), lead_days=10) == D(2026, 12, 14)


def test_collection_date_exact_notice_on_processing_day():
    assert earliest_collection_date(D(2026, 12, 1), lead_days=14) == D(2026, 12, 15)


def test_short_notice_still_needs_the_three_day_cycle():
    # With no notice at all, the file goes in tomorrow (Thu) and the money moves Monday.
    assert earliest_collection_date(D(2026, 12, 2), lead_days=0) == D(2026, 12, 7)
    assert earliest_collection_date(D(2026, 12, 2), lead_days=3) == D(2026, 12, 7)


def test_collection_date_always_a_processing_day_with_enough_notice():
    start = D(2026, 11, 1)
    for offset in range(0, 120):
        today = start + dt.timedelta(days=offset)
        for lead in (3, 10, 14):
            date = earliest_collection_date(today, lead_days=lead)
            assert is_processing_day(date)
            assert (date - today).days >= lead
            assert input_day_for(date) > today


def test_negative_lead_days():
    with pytest.raises(ValueError):
        earliest_collection_date(D(2026, 12, 2), lead_days=-1)
