"""Shared pieces of the member's Direct Debit tests: a Direct Debit provider that records
what it was told (and can be made to fail, to prove a change is all or nothing), a member
with a fee, and helpers to make collections."""

from __future__ import annotations

import datetime as dt

from tests.factories import MembershipFactory

# Bank details that pass the modulus check (Vocalink's published examples).
GOOD_SORT_CODE = "202959"
GOOD_ACCOUNT = "63748472"
OTHER_SORT_CODE = "089999"
OTHER_ACCOUNT = "66374958"


class RecordingProvider:
    name = "bureau"
    calls: list[tuple[str, int]] = []
    fail_on: str | None = None

    def _note(self, what, obj):
        if RecordingProvider.fail_on == what:
            raise RuntimeError(f"provider refused {what}")
        RecordingProvider.calls.append((what, obj.pk))

    def mandate_created(self, mandate):
        self._note("mandate_created", mandate)

    def mandate_cancelled(self, mandate):
        self._note("mandate_cancelled", mandate)

    def collection_scheduled(self, collection):
        self._note("collection_scheduled", collection)

    def collection_cancelled(self, collection):
        self._note("collection_cancelled", collection)


def use_recording_provider(monkeypatch, settings):
    """For a fixture: `yield from use_recording_provider(monkeypatch, settings)`."""
    from subscriptions import providers

    settings.SUBSCRIPTIONS_PROVIDER = "bureau"
    monkeypatch.setitem(
        providers.PROVIDERS, "bureau", "tests.subscriptions.member_support.RecordingProvider"
    )
    providers._load.cache_clear()
    RecordingProvider.calls = []
    RecordingProvider.fail_on = None
    yield RecordingProvider
    RecordingProvider.fail_on = None
    providers._load.cache_clear()


def a_membership():
    return MembershipFactory(user__first_name="Ada")


def collection(membership, *, due_on: dt.date, status="paid", amount_pence=2500, mandate=None):
    from subscriptions.models import Collection

    period_start = due_on.replace(day=1)
    next_month = (period_start + dt.timedelta(days=32)).replace(day=1)
    return Collection.objects.create(
        membership=membership,
        method="direct_debit",
        mandate=mandate,
        status=status,
        due_on=due_on,
        period_start=period_start,
        period_end=next_month - dt.timedelta(days=1),
        amount_pence=amount_pence,
    )
