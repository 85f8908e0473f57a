"""The employment tribunal time limit against worked examples (casework.deadlines)."""

from __future__ import annotations

from datetime import date

import pytest

from casework.deadlines import (
    ACAS_BEFORE_ACT,
    ACT_IN_FUTURE,
    CERTIFICATE_BEFORE_START,
    CERTIFICATE_WITHOUT_START,
    DeadlineFacts,
    deadline_problems,
    one_month_after,
    three_months_less_one_day,
    tribunal_limit,
)


@pytest.mark.parametrize(
    ("act", "limit"),
    [
        (date(2026, 1, 10), date(2026, 4, 9)),  # the example
        (date(2026, 8, 31), date(2026, 11, 30)),  # "31 November" does not exist
        (date(2026, 11, 30), date(2027, 2, 28)),  # nor "30 February"
        (date(2027, 11, 30), date(2028, 2, 29)),  # a leap year's February
        (date(2027, 11, 29), date(2028, 2, 28)),  # 29 February 2028 exists: less a day
        (date(2026, 11, 29), date(2027, 2, 28)),  # 29 February 2027 does not
        (date(2026, 3, 1), date(2026, 5, 31)),  # 1 June less a day
        (date(2026, 10, 31), date(2027, 1, 30)),  # across the year end
        (date(2026, 12, 1), date(2027, 2, 28)),  # 1 March less a day
        (date(2026, 5, 31), date(2026, 8, 30)),  # 31 August exists: less a day
    ],
)
def test_three_months_less_one_day(act, limit):
    assert three_months_less_one_day(act) == limit
    assert tribunal_limit(DeadlineFacts(claim_type="dismissal", act_on=act)).limit == limit


@pytest.mark.parametrize(
    ("day", "after"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2026, 12, 15), date(2027, 1, 15)),
        (date(2026, 3, 31), date(2026, 4, 30)),
    ],
)
def test_one_month_after_clamps_to_the_month_end(day, after):
    assert one_month_after(day) == after


def test_no_claim_or_no_act_has_no_limit():
    assert tribunal_limit(DeadlineFacts(claim_type="", act_on=date(2026, 1, 10))) is None
    assert tribunal_limit(DeadlineFacts(claim_type="pay", act_on=None)) is None


def test_early_conciliation_inside_the_limit_adds_its_days():
    # Act 10 January: limit 9 April. ACAS 1 March to 15 March: 14 days stopped.
    result = tribunal_limit(
        DeadlineFacts(
            claim_type="dismissal",
            act_on=date(2026, 1, 10),
            acas_started_on=date(2026, 3, 1),
            acas_certificate_on=date(2026, 3, 15),
        )
    )
    assert result.base == date(2026, 4, 9)
    assert result.extended_days == 14
    assert result.limit == date(2026, 4, 23)
    assert "Extended by ACAS" in result.explanation


def test_early_conciliation_late_in_the_limit_leaves_a_month_after_day_b():
    # Limit 9 April; ACAS 1 April to 8 April: 9 April + 7 = 16 April, but a month after
    # Day B is 8 May, which is later.
    result = tribunal_limit(
        DeadlineFacts(
            claim_type="discrimination",
            act_on=date(2026, 1, 10),
            acas_started_on=date(2026, 4, 1),
            acas_certificate_on=date(2026, 4, 8),
        )
    )
    assert result.limit == date(2026, 5, 8)


def test_early_conciliation_on_the_last_day_still_counts():
    result = tribunal_limit(
        DeadlineFacts(
            claim_type="pay",
            act_on=date(2026, 1, 10),
            acas_started_on=date(2026, 4, 9),
            acas_certificate_on=date(2026, 5, 9),
        )
    )
    assert result.limit == date(2026, 6, 9)  # 9 April + 30 days = 9 May < 9 June


def test_early_conciliation_after_the_limit_extends_nothing():
    result = tribunal_limit(
        DeadlineFacts(
            claim_type="dismissal",
            act_on=date(2026, 1, 10),
            acas_started_on=date(2026, 4, 10),
            acas_certificate_on=date(2026, 5, 10),
        )
    )
    assert result.limit == date(2026, 4, 9)
    assert result.acas_after_limit
    assert result.explanation == "ACAS started after the limit: no extension."


def test_conciliation_without_a_certificate_yet_keeps_the_base_limit():
    result = tribunal_limit(
        DeadlineFacts(
            claim_type="redundancy", act_on=date(2026, 1, 10), acas_started_on=date(2026, 2, 1)
        )
    )
    assert result.limit == date(2026, 4, 9) and result.acas_in_progress


def test_impossible_dates_are_named_by_field():
    today = date(2026, 6, 1)
    assert deadline_problems(DeadlineFacts("dismissal", date(2026, 6, 2)), today) == {
        "act_on": ACT_IN_FUTURE
    }
    assert deadline_problems(
        DeadlineFacts("dismissal", date(2026, 5, 1), date(2026, 5, 10), date(2026, 5, 9)), today
    ) == {"acas_certificate_on": CERTIFICATE_BEFORE_START}
    assert deadline_problems(
        DeadlineFacts("dismissal", date(2026, 5, 1), date(2026, 4, 30)), today
    ) == {"acas_started_on": ACAS_BEFORE_ACT}
    assert deadline_problems(
        DeadlineFacts("dismissal", date(2026, 5, 1), None, date(2026, 5, 9)), today
    ) == {"acas_certificate_on": CERTIFICATE_WITHOUT_START}
    assert deadline_problems(DeadlineFacts("dismissal", date(2026, 6, 1)), today) == {}
