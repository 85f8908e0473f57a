"""Direct Debits through GoCardless, with its official client (`gocardless_pro`).

The provider interface (`subscriptions.providers`) is called inside the caller's
transaction. GoCardless is a network service that can be slow or down, and an HTTP call
cannot be rolled back, so none is made there: each method only queues a Celery task with
the row's id, after the transaction commits (`portal.tasks.enqueue_on_commit`). So:

- a member sets up their mandate even while GoCardless is unreachable: the mandate is saved
  `pending` and the task (retried with back-off) lodges it when GoCardless answers;
- a transaction that rolls back sends nothing to GoCardless;
- every call is idempotent: each create carries an idempotency key made from our own id
  (`mandate-<id>-customer`, `collection-<id>`), so a retried task (or a task run twice after
  a worker died) gets back what the first try created instead of a second customer or a
  second payment (the client fetches the existing resource on GoCardless's 409
  `idempotent_creation_conflict`);
- the row is the truth and the task a nudge: `gocardless_sweep` finds rows the tasks have
  not finished (a mandate without GoCardless's id, a collection without its payment, a
  mandate still `cancelling`) and queues them again.

Bank details are decrypted only here, only to be sent to GoCardless, and never logged: an
API error is reported as a `ProviderError` naming the operation, GoCardless's error type
and request id, and the fields it refused, never their values.
"""

from __future__ import annotations

import logging
from importlib import import_module

import gocardless_pro
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from gocardless_pro import errors as gc_errors
from requests import RequestException

from portal.tasks import enqueue_on_commit

from . import history
from .models import (
    Collection,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Provider,
)

logger = logging.getLogger(__name__)

TASK_MANDATE_CREATE = "subscriptions.gocardless_tasks.gocardless_mandate_create"
TASK_MANDATE_CANCEL = "subscriptions.gocardless_tasks.gocardless_mandate_cancel"
TASK_PAYMENT_CREATE = "subscriptions.gocardless_tasks.gocardless_payment_create"
TASK_PAYMENT_CANCEL = "subscriptions.gocardless_tasks.gocardless_payment_cancel"

# GoCardless's own words for a resource that is already in the state we ask for: the call
# has, in effect, succeeded (a task run twice, or GoCardless acted first).
ALREADY_DONE = {"mandate_already_cancelled", "cancellation_failed", "mandate_is_inactive"}


class ProviderError(Exception):
    """GoCardless refused a call, or could not be reached. `transient` says whether trying
    again later may succeed (network, rate limit, GoCardless's own fault)."""

    def __init__(self, message: str, *, transient: bool, reasons: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.reasons = reasons

    def __str__(self):
        return self.message


class NotReady(Exception):
    """A payment cannot be created yet: its mandate has no GoCardless id so far."""


def client() -> gocardless_pro.Client:
    if not settings.GOCARDLESS_ACCESS_TOKEN:
        raise ProviderError("GOCARDLESS_ACCESS_TOKEN is not set.", transient=False)
    if settings.GOCARDLESS_BASE_URL:
        return gocardless_pro.Client(
            access_token=settings.GOCARDLESS_ACCESS_TOKEN, base_url=settings.GOCARDLESS_BASE_URL
        )
    return gocardless_pro.Client(
        access_token=settings.GOCARDLESS_ACCESS_TOKEN,
        environment=settings.GOCARDLESS_ENVIRONMENT,
    )


def _error(operation: str, error: Exception) -> ProviderError:
    """A ProviderError that says what failed without repeating what was sent."""
    if isinstance(error, gc_errors.ApiError):
        details = error.errors or []
        reasons = tuple(str(d.get("reason", "")) for d in details if isinstance(d, dict))
        fields = sorted({str(d["field"]) for d in details if isinstance(d, dict) and "field" in d})
        transient = (
            isinstance(error, gc_errors.RateLimitError | gc_errors.GoCardlessInternalError)
            or (error.code or 0) >= 500
        )
        message = (
            f"GoCardless refused {operation}: {error.type or 'error'} "
            f"(HTTP {error.code}, request {error.request_id or 'unknown'})"
        )
        if fields:
            message += f"; fields: {', '.join(fields)}"
        elif reasons:
            message += f"; reasons: {', '.join(r for r in reasons if r)}"
        return ProviderError(message, transient=transient, reasons=reasons)
    if isinstance(error, RequestException | gc_errors.MalformedResponseError):
        return ProviderError(
            f"GoCardless could not be reached for {operation} ({type(error).__name__}).",
            transient=True,
        )
    return ProviderError(
        f"GoCardless call {operation} failed ({type(error).__name__}).", transient=False
    )


def _call(operation: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except (gc_errors.GoCardlessProError, RequestException) as error:
        raise _error(operation, error) from None


class GoCardlessProvider:
    """The provider interface: each method queues its task after the caller commits."""

    name = Provider.GOCARDLESS

    def __init__(self):
        # The tasks sit on top of this module and are queued by name; a web process must
        # have them registered to queue them (a worker imports them through autodiscovery).
        import_module("subscriptions.gocardless_tasks")

    def mandate_created(self, mandate) -> None:
        enqueue_on_commit(TASK_MANDATE_CREATE, mandate.pk)

    def mandate_cancelled(self, mandate) -> None:
        enqueue_on_commit(TASK_MANDATE_CANCEL, mandate.pk)

    def collection_scheduled(self, collection) -> None:
        enqueue_on_commit(TASK_PAYMENT_CREATE, collection.pk)

    def collection_cancelled(self, collection) -> None:
        enqueue_on_commit(TASK_PAYMENT_CANCEL, collection.pk)


# --- What the tasks do (each idempotent; ids in) --------------------------------------------


def _customer_params(mandate: Mandate) -> dict:
    user = mandate.membership.user
    params = {
        "email": user.email,
        "given_name": user.first_name or "Member",
        "family_name": user.last_name or mandate.membership.number,
        "metadata": {"membership": mandate.membership.number},
    }
    contact = getattr(user, "contact", None)
    if contact is not None and contact.has_home_address:
        params.update(
            address_line1=contact.address_line_1,
            address_line2=contact.address_line_2,
            address_line3=contact.address_line_3,
            city=contact.town,
            postal_code=contact.postcode,
            country_code=contact.country or "GB",
        )
    else:
        params["country_code"] = "GB"
    return {k: v for k, v in params.items() if v != ""}


def mandate_create(mandate_id: int) -> Mandate | None:
    """Customer, customer bank account and mandate at GoCardless for one of our mandates;
    GoCardless's mandate id is stored in `provider_id`. Does nothing if that is done or
    the mandate is no longer pending."""
    mandate = (
        Mandate.objects.select_related("membership__user__contact")
        .filter(pk=mandate_id, provider=Provider.GOCARDLESS)
        .first()
    )
    if mandate is None or mandate.provider_id or mandate.status != MandateStatus.PENDING:
        return mandate
    api = client()
    key = f"mandate-{mandate.pk}"
    customer = _call(
        "creating the customer",
        api.customers.create,
        params=_customer_params(mandate),
        headers={"Idempotency-Key": f"{key}-customer"},
    )
    bank_account = _call(
        "creating the customer's bank account",
        api.customer_bank_accounts.create,
        params={
            "account_holder_name": mandate.account_holder,
            "account_number": mandate.account_number,
            "branch_code": mandate.sort_code,
            "country_code": "GB",
            "links": {"customer": customer.id},
        },
        headers={"Idempotency-Key": f"{key}-bank-account"},
    )
    created = _call(
        "creating the mandate",
        api.mandates.create,
        params={
            "scheme": "bacs",
            "reference": mandate.reference,
            "metadata": {"mandate": str(mandate.pk)},
            "links": {"customer_bank_account": bank_account.id},
        },
        headers={"Idempotency-Key": f"{key}-mandate"},
    )
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if not mandate.provider_id:
            mandate.provider_id = created.id
            mandate.save(update_fields=["provider_id"])
        if mandate.status not in (MandateStatus.PENDING, MandateStatus.ACTIVE):
            # Cancelled while GoCardless was creating it: cancel it there too.
            enqueue_on_commit(TASK_MANDATE_CANCEL, mandate.pk)
    return mandate


def mandate_refused(mandate_id: int, error: ProviderError) -> None:
    """GoCardless refused the mandate for good (e.g. bank details it cannot accept): the
    mandate fails, the member is told, an officer can see why in the history."""
    from .webhooks import mandate_ended  # the same ending as GoCardless's own "failed"

    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().filter(pk=mandate_id).first()
        if mandate is None or mandate.status != MandateStatus.PENDING:
            return
        mandate_ended(
            mandate,
            status=MandateStatus.FAILED,
            reason="GoCardless could not set up the Direct Debit with these bank details",
        )
    logger.warning("GoCardless mandate %s refused: %s", mandate_id, error.message)


def mandate_cancel(mandate_id: int) -> Mandate | None:
    """Cancel the mandate at GoCardless; a mandate that was `cancelling` becomes
    `cancelled`. One GoCardless never created (no id yet) needs no call."""
    mandate = Mandate.objects.filter(pk=mandate_id, provider=Provider.GOCARDLESS).first()
    if mandate is None or mandate.status in (MandateStatus.PENDING, MandateStatus.ACTIVE):
        return mandate  # not (or no longer) to be cancelled
    if mandate.provider_id:
        try:
            _call("cancelling the mandate", client().mandates.cancel, mandate.provider_id)
        except ProviderError as error:
            if not set(error.reasons) & ALREADY_DONE:
                raise
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.status == MandateStatus.CANCELLING:
            mandate.status = MandateStatus.CANCELLED
            mandate.cancelled_at = timezone.now()
            mandate.save(update_fields=["status", "cancelled_at"])
            history.record(
                membership=mandate.membership,
                actor=None,
                field="mandate",
                old=MandateStatus.CANCELLING.label,
                new=MandateStatus.CANCELLED.label,
            )
    return mandate


def payment_create(collection_id: int) -> Collection | None:
    """A GoCardless payment for a scheduled collection (amount in pence, GBP, charged on the
    due date); its id goes in `provider_id`. The idempotency key is the collection's id."""
    collection = (
        Collection.objects.select_related("mandate")
        .filter(pk=collection_id, mandate__provider=Provider.GOCARDLESS)
        .first()
    )
    if (
        collection is None
        or collection.provider_id
        or collection.status != CollectionStatus.SCHEDULED
    ):
        return collection
    if not collection.mandate.provider_id:
        raise NotReady(collection.pk)
    payment = _call(
        "creating the payment",
        client().payments.create,
        params={
            "amount": collection.amount_pence,
            "currency": "GBP",
            "charge_date": collection.due_on.isoformat(),
            "description": "Union subscription",
            "metadata": {"collection": str(collection.pk)},
            "links": {"mandate": collection.mandate.provider_id},
        },
        headers={"Idempotency-Key": f"collection-{collection.pk}"},
    )
    with transaction.atomic():
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        if not collection.provider_id:
            collection.provider_id = payment.id
            collection.save(update_fields=["provider_id"])
        if collection.status == CollectionStatus.CANCELLED:
            # Cancelled while GoCardless was creating it: cancel it there too.
            enqueue_on_commit(TASK_PAYMENT_CANCEL, collection.pk)
    return collection


def payment_cancel(collection_id: int) -> Collection | None:
    """Cancel a cancelled collection's payment at GoCardless. Without a payment id yet there
    is nothing to cancel: `payment_create` sees the status and does not create one (or
    cancels the one it just made)."""
    collection = Collection.objects.filter(pk=collection_id).first()
    if (
        collection is None
        or collection.status != CollectionStatus.CANCELLED
        or not collection.provider_id
    ):
        return collection
    try:
        _call("cancelling the payment", client().payments.cancel, collection.provider_id)
    except ProviderError as error:
        if not set(error.reasons) & ALREADY_DONE:
            raise
        logger.warning(
            "GoCardless payment of collection %s could not be cancelled (%s)",
            collection.pk,
            error.message,
        )
    return collection


def unfinished() -> dict[str, list[int]]:
    """Rows a task has not finished, for the sweep: ids per task name."""
    return {
        TASK_MANDATE_CREATE: list(
            Mandate.objects.filter(
                provider=Provider.GOCARDLESS, status=MandateStatus.PENDING, provider_id=""
            ).values_list("pk", flat=True)[:200]
        ),
        TASK_MANDATE_CANCEL: list(
            Mandate.objects.filter(
                provider=Provider.GOCARDLESS, status=MandateStatus.CANCELLING
            ).values_list("pk", flat=True)[:200]
        ),
        TASK_PAYMENT_CREATE: list(
            Collection.objects.filter(
                mandate__provider=Provider.GOCARDLESS,
                status=CollectionStatus.SCHEDULED,
                provider_id="",
                due_on__gte=timezone.localdate(),
            ).values_list("pk", flat=True)[:200]
        ),
    }
