"""What subscriptions adds to a member's data download (portal.accounts.exports): how they
pay, their mandates (reference, status, dates, and of the bank account only its last two
digits), the collections due and taken, and their card payments."""

from __future__ import annotations

from portal.accounts.exports import register_export_section
from portal.accounts.models import Membership, User

from .models import PaymentArrangement


def _iso(value):
    return value.isoformat() if value else None


def _pounds(pence: int) -> str:
    return f"{pence / 100:.2f}"


def payments(user: User) -> dict | None:
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return None
    arrangement = (
        PaymentArrangement.objects.filter(membership=membership)
        .select_related("payroll_employer")
        .first()
    )
    return {
        "arrangement": {
            "method": arrangement.get_method_display() if arrangement else "Not set up yet",
            "payroll_employer": (
                arrangement.payroll_employer.label
                if arrangement and arrangement.payroll_employer
                else None
            ),
            "changed_at": _iso(arrangement.changed_at) if arrangement else None,
        },
        "mandates": [
            {
                "reference": m.reference,
                "status": m.get_status_display(),
                "account_ending": m.account_last2,
                "provider": m.get_provider_display(),
                "created_at": _iso(m.created_at),
                "first_collection_on": _iso(m.first_collection_on),
                "lodged_at": _iso(m.lodged_at),
                "cancel_requested_at": _iso(m.cancel_requested_at),
                "cancelled_at": _iso(m.cancelled_at),
                "end_reason": m.end_reason,
            }
            for m in membership.mandates.order_by("created_at", "pk").only(
                "reference",
                "status",
                "account_last2",
                "provider",
                "created_at",
                "first_collection_on",
                "lodged_at",
                "cancel_requested_at",
                "cancelled_at",
                "end_reason",
            )
        ],
        "collections": [
            {
                "due_on": _iso(c.due_on),
                "period_start": _iso(c.period_start),
                "period_end": _iso(c.period_end),
                "method": c.get_method_display(),
                "kind": c.get_kind_display(),
                "amount": _pounds(c.amount_pence),
                "status": c.get_status_display(),
                "unpaid_reason": c.unpaid_reason,
                "paid_at": _iso(c.paid_at),
            }
            for c in membership.collections.order_by("due_on", "pk")
        ],
        "card_payments": [
            {
                "amount": _pounds(p.amount_pence),
                "status": p.get_status_display(),
                "created_at": _iso(p.created_at),
                "settled_at": _iso(p.settled_at),
            }
            for p in membership.card_payments.order_by("created_at", "pk")
        ],
    }


def register() -> None:
    register_export_section("payments", payments)
