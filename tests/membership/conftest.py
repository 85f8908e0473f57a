from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


class Clock:
    """A fake clock: `timezone.now()` (and so `localdate()`) answers the day set."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def set(self, day: dt.date, hour: int = 9) -> None:
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def officer(db):
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    return staff_user(Role.MEMBERSHIP_OFFICER)[0]


@pytest.fixture
def second_officer(db):
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    return staff_user(Role.MEMBERSHIP_OFFICER)[0]
