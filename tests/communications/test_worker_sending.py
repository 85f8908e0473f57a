"""Sending through a real Celery worker into a real SMTP server: headers, exactly once when
tasks run twice or the worker is killed mid-batch, retries, pause and resume."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from portal.communications import services
from portal.communications.models import Communication, Delivery, DeliveryStatus, Kind, Status
from portal.communications.rendering import delivery_id_from_message_id
from portal.communications.tasks import communication_dispatch, communication_send_batch

from .conftest import wait_for
from .helpers import CAMPAIGN, NEWSLETTER, approve, compose, member, members, officers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def services_progress(communication):
    from portal.communications.selectors import progress_for

    return progress_for(communication)


def finished(communication, timeout=60):
    def done():
        c = Communication.objects.get(pk=communication.pk)
        return c if c.status == Status.SENT else None

    return wait_for(done, timeout=timeout, message=f"{communication} did not finish sending")


def of(communication, smtp) -> Counter:
    """Messages of this communication received, per recipient (by their Message-ID)."""
    ids = set(Delivery.objects.filter(communication=communication).values_list("pk", flat=True))
    received = Counter()
    for rcpts, message in smtp.all():
        if delivery_id_from_message_id(str(message["Message-ID"]).strip()) in ids:
            received.update(rcpts)
    return received


def exactly_once(smtp, people, communication, *, uncertain_at_most=0):
    """Everyone got exactly one, except the rows a killed worker may have been handing over:
    at most one per worker process, set aside for review and never sent again."""
    received = of(communication, smtp)
    flagged = set(
        Delivery.objects.filter(
            communication=communication, status=DeliveryStatus.UNCERTAIN
        ).values_list("email", flat=True)
    )
    assert len(flagged) <= uncertain_at_most, f"too many set aside: {flagged}"
    everyone = {u.email for u in people}
    assert everyone - flagged <= set(received), "someone got nothing"
    assert set(received) <= everyone, "a stranger got it"
    assert set(received.values()) <= {1}, f"duplicates: {received.most_common(3)}"
    return flagged


def test_a_newsletter_goes_to_each_recipient_once_with_unsubscribe_headers(worker_factory, smtp):
    author, approver = officers()
    readers = members(5, consents=[NEWSLETTER])
    member()  # not opted in: gets nothing
    newsletter = compose(author, kind=Kind.NEWSLETTER)
    approve(newsletter, author, approver)
    worker_factory()
    services.communication_start(communication=newsletter, by=approver)
    finished(newsletter)
    exactly_once(smtp, readers, newsletter)
    reader = readers[0]
    (message,) = smtp.to(reader.email)
    assert message["Subject"] == f"News for {reader.first_name}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]).strip()).group(1)
    assert "/unsubscribe/" in url
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert reader.membership.number in text and reader.membership.number in html
    assert url in text and url.replace("&", "&amp;") in html
    deliveries = Delivery.objects.filter(communication=newsletter)
    assert deliveries.filter(status=DeliveryStatus.SENT).count() == 5
    assert not deliveries.exclude(sent_at__isnull=False).exists()


def test_service_notices_carry_no_unsubscribe(worker_factory, smtp):
    everyone = members(3)  # no consents at all: notices about their own case still go
    worker_factory()
    for person in everyone:
        services.notification_create(user=person, kind="case_update", context={"reference": "X"})
    wait_for(lambda: smtp.count() >= 3, message="the notices did not arrive")
    assert set(smtp.per_recipient()) == {u.email for u in everyone}
    for _, message in smtp.all():
        assert message["List-Unsubscribe"] is None
        assert message["List-Unsubscribe-Post"] is None
        assert message.get_body(preferencelist=("plain",)) is not None


def test_the_same_tasks_running_twice_send_nothing_twice(worker_factory, smtp):
    author, approver = officers()
    readers = members(20, consents=[CAMPAIGN])
    campaign = compose(author, kind=Kind.CAMPAIGN)
    approve(campaign, author, approver)
    services.communication_start(communication=campaign, by=approver)  # dispatch enqueued
    # Duplicates of every task before any worker runs: the same batch task twice under the
    # same id (a re-delivery), and the dispatch again.
    communication_send_batch.apply_async((campaign.pk,), task_id="duplicate-batch")
    communication_send_batch.apply_async((campaign.pk,), task_id="duplicate-batch")
    communication_dispatch.delay(campaign.pk)
    worker_factory(COMMUNICATIONS_BATCH_SIZE=5)
    finished(campaign)
    exactly_once(smtp, readers, campaign)
    # And once it is all sent, running every task again sends nothing more.
    communication_send_batch.apply_async((campaign.pk,), task_id="duplicate-batch")
    communication_dispatch.delay(campaign.pk)
    marker = member()
    services.notification_create(user=marker, kind="case_update", context={"reference": "CW-1"})
    wait_for(lambda: smtp.to(marker.email), message="the marker notification did not arrive")
    time.sleep(1)
    exactly_once(smtp, readers, campaign)


def test_a_worker_killed_mid_batch_loses_nobody_and_sends_nobody_twice(worker_factory, smtp):
    author, approver = officers()
    readers = members(60, consents=[NEWSLETTER])
    newsletter = compose(author)
    approve(newsletter, author, approver)
    worker = worker_factory(COMMUNICATIONS_BATCH_SIZE=20, WORKER_CONCURRENCY=1)
    smtp.kill_pgid, smtp.kill_at = worker.pgid, 25  # SIGKILL while the 25th is handed over
    services.communication_start(communication=newsletter, by=approver)
    assert smtp.killed.wait(30), "the worker was never killed"
    worker.wait_dead()
    sent = Delivery.objects.filter(communication=newsletter, status=DeliveryStatus.SENT)
    assert 0 < sent.count() == sum(of(newsletter, smtp).values()) < 60
    assert Communication.objects.get(pk=newsletter.pk).status == Status.SENDING
    # A new worker picks up the unacknowledged batch (late acknowledgement) and goes on.
    worker_factory(COMMUNICATIONS_BATCH_SIZE=20)
    finished(newsletter)
    flagged = exactly_once(smtp, readers, newsletter, uncertain_at_most=1)
    assert len(flagged) == 1, "the message being handed over when the worker died"
    progress = services_progress(newsletter)
    assert progress.uncertain == 1 and progress.sent == 59


def test_the_sweep_recovers_a_send_whose_tasks_were_lost(worker_factory, smtp, broker):
    from .conftest import _purge_broker

    author, approver = officers()
    readers = members(30, consents=[NEWSLETTER])
    newsletter = compose(author)
    approve(newsletter, author, approver)
    worker = worker_factory(COMMUNICATIONS_BATCH_SIZE=10, WORKER_CONCURRENCY=1)
    smtp.kill_pgid, smtp.kill_at = worker.pgid, 12
    services.communication_start(communication=newsletter, by=approver)
    assert smtp.killed.wait(30), "the worker was never killed"
    worker.wait_dead()
    _purge_broker(broker)  # Redis lost every queued and unacknowledged task
    worker_factory(COMMUNICATIONS_BATCH_SIZE=10)
    result = services.deliveries_sweep(stale_after=0)
    assert result.rows_requeued > 0 and result.communications_dispatched == [newsletter.pk]
    finished(newsletter)
    assert len(exactly_once(smtp, readers, newsletter, uncertain_at_most=1)) == 1


def test_temporary_failures_are_retried_and_permanent_ones_recorded(worker_factory, smtp):
    author, approver = officers()
    busy, gone, *others = members(5, consents=[NEWSLETTER])
    smtp.temporary_failures[busy.email] = 1
    smtp.permanent_failures.add(gone.email)
    newsletter = compose(author)
    approve(newsletter, author, approver)
    worker_factory(COMMUNICATIONS_RETRY_BACKOFF=1)
    services.communication_start(communication=newsletter, by=approver)
    finished(newsletter)
    exactly_once(smtp, [busy, *others], newsletter)
    retried = Delivery.objects.get(communication=newsletter, user=busy)
    assert retried.status == DeliveryStatus.SENT and retried.attempts == 2
    failed = Delivery.objects.get(communication=newsletter, user=gone)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert failed.error.startswith("550") and "No such mailbox" in failed.error


def test_pause_stops_the_send_and_resume_finishes_it(worker_factory, smtp):
    author, approver = officers()
    readers = members(40, consents=[NEWSLETTER])
    newsletter = compose(author)
    approve(newsletter, author, approver)
    worker_factory(COMMUNICATIONS_RATE_LIMIT=10)
    services.communication_start(communication=newsletter, by=approver)
    wait_for(lambda: smtp.count() >= 5, message="sending did not start")
    services.communication_pause(communication=newsletter, by=approver)

    def settled():
        before = smtp.count()
        return (
            not Delivery.objects.filter(communication=newsletter, status="claimed").exists()
            and smtp.count() == before
        )

    wait_for(settled, timeout=10, message="batches did not stop")
    paused_at = smtp.count()
    assert paused_at < 40
    time.sleep(1.5)
    assert smtp.count() == paused_at, "messages went out while paused"
    services.communication_resume(communication=newsletter, by=approver)
    finished(newsletter)
    exactly_once(smtp, readers, newsletter)


def test_notifications_are_recorded_and_sent_by_the_worker(worker_factory, smtp):
    author, approver = officers()
    worker_factory()
    newsletter = compose(author)
    services.communication_submit(communication=newsletter, by=author)
    delivery = wait_for(
        lambda: Delivery.objects.filter(user=approver, status=DeliveryStatus.SENT).first(),
        message="the approval request was not sent",
    )
    assert delivery.notification == "communication_approval_requested"
    (message,) = smtp.to(approver.email)
    assert message["Subject"] == "A newsletter is waiting for your approval"
    assert message["List-Unsubscribe"] is None
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/admin/communications/communication/{newsletter.pk}/change/" in body
    assert "Your number is" not in body  # the communication itself is not in the email
    assert not smtp.to(author.email)  # the author does not approve their own


def _settled(communication, smtp):
    before = smtp.count()
    time.sleep(0.3)
    return (
        not Delivery.objects.filter(communication=communication, status="claimed").exists()
        and smtp.count() == before
    )


def test_who_turns_it_off_while_a_send_is_paused_is_skipped_and_recorded(worker_factory, smtp):
    """Consent is checked as each message goes, not only when the list was fixed."""
    from portal.communications.selectors import SKIPPED_NO_CONSENT, SKIPPED_SUPPRESSED
    from portal.communications.tokens import unsubscribe_token

    author, approver = officers()
    readers = members(30, consents=[NEWSLETTER])
    newsletter = compose(author)
    approve(newsletter, author, approver)
    worker_factory(COMMUNICATIONS_RATE_LIMIT=10)
    services.communication_start(communication=newsletter, by=approver)
    wait_for(lambda: smtp.count() >= 3, message="sending did not start")
    services.communication_pause(communication=newsletter, by=approver)
    wait_for(lambda: _settled(newsletter, smtp), timeout=10, message="batches did not stop")
    waiting = list(
        Delivery.objects.filter(communication=newsletter, status="queued")
        .select_related("user")
        .order_by("-pk")[:2]
    )
    assert len(waiting) == 2, "everything went before the pause"
    leaver, bouncer = (d.user for d in waiting)
    services.unsubscribe(token=unsubscribe_token(user_id=leaver.pk, kind=NEWSLETTER))
    services.address_feedback_record(email=bouncer.email, event="complaint", reason="spam")
    services.communication_resume(communication=newsletter, by=approver)
    finished(newsletter)
    received = of(newsletter, smtp)
    assert leaver.email not in received and bouncer.email not in received
    exactly_once(smtp, [u for u in readers if u not in (leaver, bouncer)], newsletter)
    rows = {d.user_id: d for d in Delivery.objects.filter(communication=newsletter)}
    assert (rows[leaver.pk].status, rows[leaver.pk].error) == (
        DeliveryStatus.SKIPPED,
        SKIPPED_NO_CONSENT.format(kind="newsletters"),
    )
    assert (rows[bouncer.pk].status, rows[bouncer.pk].error) == (
        DeliveryStatus.SKIPPED,
        SKIPPED_SUPPRESSED,
    )
    progress = services_progress(newsletter)
    assert (progress.skipped, progress.sent) == (2, 28)


def test_who_unsubscribes_while_it_is_sending_is_skipped(worker_factory, smtp):
    from portal.accounts.services import consent_withdraw

    author, approver = officers()
    readers = members(20, consents=[CAMPAIGN])
    campaign = compose(author, kind=Kind.CAMPAIGN)
    approve(campaign, author, approver)
    worker_factory(COMMUNICATIONS_RATE_LIMIT=5)
    services.communication_start(communication=campaign, by=approver)
    wait_for(lambda: smtp.count() >= 1, message="sending did not start")
    last = Delivery.objects.filter(communication=campaign).order_by("-pk").first().user
    consent_withdraw(user=last, kind=CAMPAIGN, source="preferences")
    finished(campaign, timeout=90)
    assert last.email not in of(campaign, smtp)
    exactly_once(smtp, [u for u in readers if u != last], campaign)
    skipped = Delivery.objects.get(communication=campaign, user=last)
    assert skipped.status == DeliveryStatus.SKIPPED
