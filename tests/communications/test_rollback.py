"""A campaign started inside a transaction that rolls back sends nothing: its tasks are
enqueued only after commit, and its recipient rows never existed."""

import pytest
from celery.signals import before_task_publish, task_prerun
from django.db import transaction

from portal.accounts.choices import CommunicationKind
from portal.communications import services
from portal.communications.models import Communication, Delivery, Status

from .helpers import approve, compose, members, officers

NEWSLETTER = CommunicationKind.NEWSLETTER


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_start_enqueues_and_sends_nothing():
    author, approver = officers()
    members(5, consents=[NEWSLETTER])
    newsletter = compose(author)
    approve(newsletter, author, approver)
    seen = []

    def record(*args, **kwargs):
        seen.append(kwargs.get("sender") or kwargs.get("headers", {}).get("task"))

    before_task_publish.connect(record, weak=False)
    task_prerun.connect(record, weak=False)
    try:
        with pytest.raises(Boom), transaction.atomic():
            services.communication_start(communication=newsletter, by=approver)
            assert Delivery.objects.filter(communication=newsletter).count() == 5
            raise Boom
    finally:
        before_task_publish.disconnect(record)
        task_prerun.disconnect(record)
    assert seen == [], "no task may leave a transaction that rolled back"
    assert not Delivery.objects.filter(communication=newsletter).exists()
    assert Communication.objects.get(pk=newsletter.pk).status != Status.SENDING
