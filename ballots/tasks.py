from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_due() -> dict:
    """Celery beat: open the approved ballots that are due (their audience frozen) and queue
    again the notices a lost task left unsent."""
    from .services import ballots_run_due

    return ballots_run_due()


@shared_task(acks_late=True)
def notify_electors(ballot_id: int) -> int:
    from .services import ballot_notify_electors

    return ballot_notify_electors(ballot_id=ballot_id)
