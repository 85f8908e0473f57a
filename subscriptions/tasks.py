"""Celery tasks of the collection engine. Ids only in arguments (none are needed here)."""

from __future__ import annotations

from celery import shared_task

# GoCardless's API calls (one task per call) live in their own module.
from .gocardless_tasks import (  # noqa: F401
    gocardless_mandate_cancel,
    gocardless_mandate_create,
    gocardless_payment_cancel,
    gocardless_payment_create,
    gocardless_sweep,
)


@shared_task
def run_daily() -> dict:
    """Schedule the next collections, re-quote scheduled ones after a rate change, and the
    arrears run (reminders, warnings, lapsing). Each part is safe to run again, so the beat
    runs it hourly."""
    from .arrears import arrears_run_due
    from .collections import collections_adjust_for_rate_changes, collections_schedule

    return {
        "scheduled": collections_schedule(),
        "adjusted": collections_adjust_for_rate_changes(),
        "arrears": arrears_run_due(),
    }
