"""Celery tasks: thin, taking ids. Every task may run twice (late acknowledgement and
re-delivery after a worker is lost): the services they call make that harmless."""

from __future__ import annotations

from celery import shared_task

from . import sending, services

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(**TASK_OPTIONS)
def communication_dispatch(communication_id: int) -> int:
    return services.communication_dispatch(communication_id=communication_id)


@shared_task(bind=True, **TASK_OPTIONS)
def communication_send_batch(self, communication_id: int) -> dict:
    outcome = sending.batch_send(communication_id=communication_id, token=self.request.id)
    return {"sent": outcome.sent, "failed": outcome.failed, "deferred": outcome.deferred}


@shared_task(bind=True, **TASK_OPTIONS)
def delivery_send(self, delivery_id: int) -> dict:
    outcome = sending.delivery_send(delivery_id=delivery_id, token=self.request.id)
    return {"sent": outcome.sent, "failed": outcome.failed, "deferred": outcome.deferred}


@shared_task(**TASK_OPTIONS)
def communications_start_due() -> list[int]:
    """Celery beat, every minute: start scheduled communications whose time has come."""
    return services.communications_start_due()


@shared_task(**TASK_OPTIONS)
def deliveries_sweep() -> dict:
    """Celery beat, every few minutes: requeue what dead workers or lost tasks left."""
    result = services.deliveries_sweep()
    return {
        "rows_requeued": result.rows_requeued,
        "dispatched": result.communications_dispatched,
        "finished": result.communications_finished,
        "notifications": result.deliveries_enqueued,
    }
