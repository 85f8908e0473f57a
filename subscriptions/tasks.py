"""Subscriptions' background work. Each part lives in its own module; this one is what
Celery's autodiscovery imports."""

from .gocardless_tasks import (  # noqa: F401
    gocardless_mandate_cancel,
    gocardless_mandate_create,
    gocardless_payment_cancel,
    gocardless_payment_create,
    gocardless_sweep,
)
