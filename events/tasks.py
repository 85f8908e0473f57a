"""Beat tasks, thin over services: offers that lapse pass to the next person waiting,
reminders a week and a day before, and needs deleted 30 days after the event."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="events.tasks.run_due", acks_late=True, reject_on_worker_lost=True)
def run_due() -> dict:
    return {
        "offers_lapsed": services.offers_expire(),
        "reminders_sent": services.reminders_send(),
        "needs_deleted": services.needs_purge(),
    }
