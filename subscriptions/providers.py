"""One interface for whoever collects Direct Debits: the Bacs bureau (files the portal writes
and reports it imports) or GoCardless (its API and webhooks). The services call
`direct_debit_provider()` and never ask which one it is.

A provider is told when a mandate is set up or cancelled and when a collection is due; what
it does then is its own business: the bureau provider leaves the work to the next AUDDIS and
collection files (`subscriptions.bureau`), GoCardless calls its API at once
(`subscriptions.gocardless`). Every method takes model instances inside the caller's
transaction and must not send bank details anywhere but to the provider itself.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import Protocol

from django.conf import settings

PROVIDERS = {
    "bureau": "subscriptions.bureau.BureauProvider",
    "gocardless": "subscriptions.gocardless.GoCardlessProvider",
}


class DirectDebitProvider(Protocol):
    name: str  # a subscriptions.models.Provider value

    def mandate_created(self, mandate) -> None:
        """A new mandate (status pending) is to be lodged with the payer's bank."""

    def mandate_cancelled(self, mandate) -> None:
        """A mandate the union no longer collects on (change of bank, resignation)."""

    def collection_scheduled(self, collection) -> None:
        """A Direct Debit collection was scheduled (or re-presented) for its due date."""

    def collection_cancelled(self, collection) -> None:
        """A scheduled collection will not be taken (resignation, a new amount)."""


@lru_cache(maxsize=4)
def _load(path: str):
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def direct_debit_provider(name: str | None = None) -> DirectDebitProvider:
    name = name or settings.SUBSCRIPTIONS_PROVIDER
    try:
        path = PROVIDERS[name]
    except KeyError:
        raise LookupError(f"SUBSCRIPTIONS_PROVIDER must be one of {sorted(PROVIDERS)}") from None
    return _load(path)()
