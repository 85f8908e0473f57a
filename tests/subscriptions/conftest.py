"""Members paying by Direct Debit or payroll, and a provider that records what it is told
(the real bureau and GoCardless providers are other parts' work)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from subscriptions import providers
from subscriptions.models import Mandate, MandateStatus, Method, PaymentArrangement
from tests.factories import EmployerFactory, MembershipFactory

_refs = itertools.count(1)


class RecordingProvider:
    name = "bureau"
    calls: list[tuple[str, int]] = []

    def mandate_created(self, mandate):
        self.calls.append(("mandate_created", mandate.pk))

    def mandate_cancelled(self, mandate):
        self.calls.append(("mandate_cancelled", mandate.pk))

    def collection_scheduled(self, collection):
        self.calls.append(("collection_scheduled", collection.pk))

    def collection_cancelled(self, collection):
        self.calls.append(("collection_cancelled", collection.pk))


@pytest.fixture
def recording_provider(monkeypatch):
    """Tests of the collection rules that only need to see what a provider was told
    (`pytestmark = pytest.mark.usefixtures("recording_provider")`); the bureau's own
    tests use the real one."""
    RecordingProvider.calls = []
    monkeypatch.setitem(
        providers.PROVIDERS, "bureau", "tests.subscriptions.conftest.RecordingProvider"
    )
    return RecordingProvider


class Clock:
    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def set(self, day: dt.date, hour: int = 9) -> None:
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def dd_member(*, status=MandateStatus.ACTIVE, **kwargs):
    membership = MembershipFactory(**kwargs)
    PaymentArrangement.objects.create(membership=membership, method=Method.DIRECT_DEBIT)
    Mandate.objects.create(
        membership=membership,
        provider="bureau",
        reference=f"EDU{next(_refs):08d}",
        account_holder="A Member",
        sort_code="200000",
        account_number="55779911",
        account_last2="11",
        status=status,
    )
    return membership


def payroll_member(**kwargs):
    membership = MembershipFactory(**kwargs)
    PaymentArrangement.objects.create(
        membership=membership,
        method=Method.PAYROLL,
        payroll_employer=EmployerFactory(),
        payroll_number="P12345",
    )
    return membership
