"""GoCardless's API calls, one Celery task per call: ids in, `subscriptions.gocardless` does
the work, every task idempotent (run twice, it changes nothing the second time).

A GoCardless outage (network, rate limit, its own 5xx) retries the task with back-off; a
refusal that trying again cannot fix is not retried (a refused mandate fails and the member
is told). Run in-process (the demo, the tests), a task is not retried: the sweep queues it
again, so nobody waits on GoCardless in a page request.
"""

from __future__ import annotations

import logging

from celery import shared_task

from . import gocardless
from .gocardless import NotReady, ProviderError

logger = logging.getLogger(__name__)

RETRY = {"max_retries": 8}


def _retry_later(task, error: Exception, what: str, object_id: int):
    logger.warning("GoCardless %s %s: %s; tried again later.", what, object_id, error)
    if task.request.is_eager:
        return None
    countdown = min(60 * 2**task.request.retries, 3600)
    raise task.retry(exc=error, countdown=countdown, **RETRY)


@shared_task(bind=True, acks_late=True)
def gocardless_mandate_create(self, mandate_id: int):
    try:
        gocardless.mandate_create(mandate_id)
    except ProviderError as error:
        if error.transient:
            return _retry_later(self, error, "mandate", mandate_id)
        gocardless.mandate_refused(mandate_id, error)
    return None


@shared_task(bind=True, acks_late=True)
def gocardless_mandate_cancel(self, mandate_id: int):
    try:
        gocardless.mandate_cancel(mandate_id)
    except ProviderError as error:
        if error.transient:
            return _retry_later(self, error, "mandate cancellation", mandate_id)
        logger.error("GoCardless refused to cancel mandate %s: %s", mandate_id, error)
    return None


@shared_task(bind=True, acks_late=True)
def gocardless_payment_create(self, collection_id: int):
    try:
        gocardless.payment_create(collection_id)
    except NotReady as error:
        return _retry_later(self, error, "payment (mandate not lodged yet)", collection_id)
    except ProviderError as error:
        if error.transient:
            return _retry_later(self, error, "payment", collection_id)
        logger.error("GoCardless refused the payment of collection %s: %s", collection_id, error)
    return None


@shared_task(bind=True, acks_late=True)
def gocardless_payment_cancel(self, collection_id: int):
    try:
        gocardless.payment_cancel(collection_id)
    except ProviderError as error:
        if error.transient:
            return _retry_later(self, error, "payment cancellation", collection_id)
        logger.error("GoCardless refused to cancel collection %s: %s", collection_id, error)
    return None


@shared_task
def gocardless_sweep() -> dict:
    """Queue again what a lost or failed task left unfinished (Celery beat)."""
    from django.conf import settings

    from portal.tasks import enqueue_on_commit

    if settings.SUBSCRIPTIONS_PROVIDER != "gocardless" or not settings.GOCARDLESS_ACCESS_TOKEN:
        return {}
    found = gocardless.unfinished()
    for task_name, ids in found.items():
        for object_id in ids:
            enqueue_on_commit(task_name, object_id)
    return {name.rsplit(".", 1)[1]: len(ids) for name, ids in found.items()}
