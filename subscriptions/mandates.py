"""Setting up and cancelling a member's Direct Debit mandate.

`mandate_set_up` is the one way a mandate comes into being (the member's form, and anything
else that sets one up): it checks the bank details with the UK modulus check, gives the
mandate its unique reference, replaces the member's live mandate when they change bank
(the old one cancelled, the new one pending, in one transaction), makes Direct Debit the
member's payment method, works out the first collection date, writes the history row and
queues the confirmation email with the mandate's id only.

Bank details go into the encrypted fields and nowhere else: not into messages, logs, history
rows, task arguments or emails, which say at most "account ending 78".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.tasks import enqueue_on_commit

from . import history
from .collections import collection_date
from .models import LIVE_MANDATE_STATUSES, Mandate, MandateStatus, Method, PaymentArrangement
from .providers import direct_debit_provider

logger = logging.getLogger(__name__)

SORT_CODE_REQUIRED = _("Enter your sort code, for example 12-34-56.")
SORT_CODE_FORMAT = _("Enter the sort code as 6 digits, for example 12-34-56.")
ACCOUNT_REQUIRED = _("Enter your account number.")
ACCOUNT_FORMAT = _("Enter the account number as digits only, usually 8 of them.")
ACCOUNT_LENGTH = _(
    "This account number is not the right length for this bank: check it on your bank card "
    "or statement."
)
SORT_CODE_UNKNOWN = _("No bank uses this sort code: check it on your bank card or statement.")
DETAILS_DO_NOT_MATCH = _(
    "This account number does not belong with this sort code: check both on your bank card "
    "or statement."
)
HOLDER_INVALID = _("Enter the name of the account holder, as your bank shows it.")
MEMBERSHIP_ENDED = _("Your membership has ended, so no Direct Debit can be set up for it.")

# What the member is told for each reason the modulus check refuses (subscriptions.bacs
# .modulus): the field it belongs to and the message.
REFUSALS = {
    "format": ("account_number", ACCOUNT_LENGTH),
    "unknown-sort-code": ("sort_code", SORT_CODE_UNKNOWN),
    "modulus": ("account_number", DETAILS_DO_NOT_MATCH),
}
# Bacs's characters for a payer reference; the portal's own references use a subset.
REFERENCE_PREFIX = "EU"
HISTORY_FIELD = "Direct Debit"
CONFIRMATION_TASK = "subscriptions.mandate_confirmation_send"


class MandateError(Exception):
    """Bank details or a request the portal refuses; `field` is the form field it is about
    (None: the whole form)."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# -- bank details ----------------------------------------------------------------------------


def sort_code_clean(value: str) -> str:
    """Six digits from 12-34-56, 12 34 56 or 123456."""
    from .bacs import modulus

    if not (value or "").strip():
        raise MandateError(SORT_CODE_REQUIRED, field="sort_code")
    try:
        return modulus.normalise_sort_code(value)
    except ValueError:
        raise MandateError(SORT_CODE_FORMAT, field="sort_code") from None


def bank_details_clean(sort_code: str, account_number: str) -> tuple[str, str]:
    """The sort code and 8-digit account number as Bacs carries them, once they pass the
    modulus check; MandateError (with its field) otherwise."""
    from .bacs import modulus

    sort_code = sort_code_clean(sort_code)
    account = "".join((account_number or "").split()).replace("-", "")
    if not account:
        raise MandateError(ACCOUNT_REQUIRED, field="account_number")
    if not (account.isascii() and account.isdigit()):
        raise MandateError(ACCOUNT_FORMAT, field="account_number")
    if not 6 <= len(account) <= 10:
        raise MandateError(ACCOUNT_LENGTH, field="account_number")
    try:
        normal_sort_code, normal_account = modulus.normalise_account_number(sort_code, account)
    except ValueError:
        raise MandateError(ACCOUNT_LENGTH, field="account_number") from None
    result = modulus.check(sort_code, account)
    if not result.valid:
        field, message = REFUSALS.get(result.reason, ("account_number", DETAILS_DO_NOT_MATCH))
        raise MandateError(message, field=field)
    return normal_sort_code, normal_account


# -- dates -----------------------------------------------------------------------------------


def first_collection_date(today: date | None = None) -> date:
    """The first collection day of the month (on a processing day) that leaves the scheme's
    advance notice after `today`."""
    from .bacs import calendar

    today = today or timezone.localdate()
    earliest = calendar.earliest_collection_date(today, lead_days=settings.DIRECT_DEBIT_NOTICE_DAYS)
    year, month = earliest.year, earliest.month
    # The previous month's collection day can move into this month (a bank holiday on the
    # 31st), so start a month early.
    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    while True:
        candidate = collection_date(year, month)
        if candidate >= earliest:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# -- references ------------------------------------------------------------------------------


def _reference_for(membership, sequence: int) -> str:
    # EU1234-5678-01: the membership number split in two, so that no reference reads like an
    # account number, then the member's mandate count. 14 characters of Bacs's set.
    number = "".join(ch for ch in membership.number if ch.isalnum()).upper()
    return f"{REFERENCE_PREFIX}{number[:4]}-{number[4:]}-{sequence:02d}"[:18]


def _new_reference(membership) -> str:
    taken = set(
        Mandate.objects.filter(
            reference__startswith=_reference_for(membership, 0)[:-2]
        ).values_list("reference", flat=True)
    )
    sequence = Mandate.objects.filter(membership=membership).count() + 1
    while _reference_for(membership, sequence) in taken:
        sequence += 1
    reference = _reference_for(membership, sequence)
    from .bacs.standard18 import validate_reference

    return validate_reference(reference)  # Bacs's rules: a programming error if not


# -- set up and cancel -----------------------------------------------------------------------


@dataclass(frozen=True)
class MandateSetUp:
    mandate: Mandate
    replaced: Mandate | None


def live_mandate(membership) -> Mandate | None:
    return (
        Mandate.objects.filter(membership=membership, status__in=LIVE_MANDATE_STATUSES)
        .order_by("-created_at", "-pk")
        .first()
    )


def mandate_set_up(
    *,
    actor,
    membership,
    account_holder: str,
    sort_code: str,
    account_number: str,
    today: date | None = None,
) -> Mandate:
    """A new Direct Debit mandate for `membership` (pending until the bank has it). A live
    mandate already there is cancelled in the same transaction: a change of bank."""
    return mandate_set_up_result(
        actor=actor,
        membership=membership,
        account_holder=account_holder,
        sort_code=sort_code,
        account_number=account_number,
        today=today,
    ).mandate


@transaction.atomic
def mandate_set_up_result(
    *,
    actor,
    membership,
    account_holder: str,
    sort_code: str,
    account_number: str,
    today: date | None = None,
) -> MandateSetUp:
    from portal.accounts.choices import MembershipStatus

    holder = " ".join((account_holder or "").split())
    if not holder or len(holder) > 60:
        raise MandateError(HOLDER_INVALID, field="account_holder")
    sort_code, account = bank_details_clean(sort_code, account_number)
    today = today or timezone.localdate()

    # One change at a time per member: lock the arrangement row (created if missing).
    PaymentArrangement.objects.get_or_create(membership=membership)
    arrangement = PaymentArrangement.objects.select_for_update().get(membership=membership)
    membership.refresh_from_db(fields=["status"])
    if membership.status in (MembershipStatus.RESIGNED, MembershipStatus.LAPSED):
        raise MandateError(MEMBERSHIP_ENDED)

    provider = direct_debit_provider()
    replaced = live_mandate(membership)
    if replaced is not None:
        _cancel(actor=actor, mandate=replaced, reason=str(_("Replaced by a new bank account")))

    mandate = Mandate.objects.create(
        membership=membership,
        provider=provider.name,
        reference=_new_reference(membership),
        account_holder=holder,
        sort_code=sort_code,
        account_number=account,
        account_last2=account[-2:],
        status=MandateStatus.PENDING,
        created_by=actor,
        first_collection_on=first_collection_date(today),
    )
    provider.mandate_created(mandate)

    old_method = arrangement.get_method_display()
    if arrangement.method != Method.DIRECT_DEBIT:
        arrangement.method = Method.DIRECT_DEBIT
        arrangement.payroll_employer = None
        arrangement.payroll_number = ""
        arrangement.changed_at = timezone.now()
        arrangement.save(
            update_fields=["method", "payroll_employer", "payroll_number", "changed_at"]
        )
        history.record(
            membership=membership,
            actor=actor,
            field="How you pay",
            old=old_method,
            new=arrangement.get_method_display(),
            effective_on=mandate.first_collection_on,
        )
    history.record(
        membership=membership,
        actor=actor,
        field=HISTORY_FIELD,
        old=f"Account ending {replaced.account_last2}" if replaced else "",
        new=f"Set up, account ending {mandate.account_last2} (reference {mandate.reference})",
        effective_on=mandate.first_collection_on,
    )
    logger.info("Mandate %s set up for membership %s", mandate.pk, membership.pk)
    enqueue_on_commit(CONFIRMATION_TASK, mandate.pk)
    return MandateSetUp(mandate=mandate, replaced=replaced)


def _cancel(*, actor, mandate: Mandate, reason: str) -> Mandate:
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if not mandate.is_live:
        return mandate
    mandate.status = MandateStatus.CANCELLING
    mandate.cancel_requested_at = timezone.now()
    mandate.end_reason = str(reason)[:200]
    mandate.save(update_fields=["status", "cancel_requested_at", "end_reason"])
    direct_debit_provider(mandate.provider).mandate_cancelled(mandate)
    history.record(
        membership=mandate.membership,
        actor=actor,
        field=HISTORY_FIELD,
        old=f"Account ending {mandate.account_last2} (reference {mandate.reference})",
        new=f"Being cancelled: {mandate.end_reason}",
    )
    logger.info("Mandate %s is being cancelled", mandate.pk)
    return mandate


@transaction.atomic
def mandate_cancel(*, actor, mandate: Mandate, reason: str) -> Mandate:
    """Stop collecting on `mandate` (resignation, an officer's decision): status cancelling
    until the provider confirms. A mandate no longer live is left as it is. The payment
    method stays Direct Debit only if another mandate is live."""
    mandate = _cancel(actor=actor, mandate=mandate, reason=reason)
    direct_debit_stopped_unless_live(membership=mandate.membership, actor=actor)
    return mandate


def direct_debit_stopped_unless_live(*, membership, actor) -> bool:
    """After a mandate ends (the union cancelled it, the payer's bank or GoCardless ended
    it): with no other live mandate the member no longer pays by Direct Debit, and
    /me/subscription/ asks them to set up how they pay again. Recorded in the history."""
    if live_mandate(membership) is not None:
        return False
    stopped = PaymentArrangement.objects.filter(
        membership=membership, method=Method.DIRECT_DEBIT
    ).update(method=Method.NONE, changed_at=timezone.now())
    if stopped:
        history.record(
            membership=membership,
            actor=actor,
            field="payment_method",
            old=Method.DIRECT_DEBIT.label,
            new=Method.NONE.label,
        )
    return bool(stopped)
