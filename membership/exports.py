"""What the membership app adds to a member's data download (portal.accounts.exports): what
they pay today and why, every change to their membership, their life events, reduced rates
and resignations."""

from __future__ import annotations

from portal.accounts.exports import register_export_section
from portal.accounts.models import Membership, User

from . import selectors


def _iso(value):
    return value.isoformat() if value else None


def _who(person, user: User) -> str:
    if person is None:
        return "the portal"
    if person.pk == user.pk:
        return "you"
    return person.get_full_name() or "a member of staff"


def _membership(user: User) -> Membership | None:
    return Membership.objects.filter(user=user).first()


def subscription(user: User) -> dict | None:
    membership = _membership(user)
    if membership is None:
        return None
    quote = selectors.quote_on(membership)
    return {
        "on": _iso(quote.on),
        "band": quote.band_label,
        "frequency": quote.frequency,
        "full_rate": str(quote.full_rate),
        "you_pay": str(quote.amount),
        "reduction": quote.reduction,
        "why": list(quote.reasons),
    }


def membership_history(user: User) -> list:
    membership = _membership(user)
    if membership is None:
        return []
    return [
        {
            "at": _iso(c.at),
            "effective_on": _iso(c.effective_on),
            "field": c.field,
            "old": c.old_value,
            "new": c.new_value,
            "how": c.get_source_display(),
            "by": _who(c.actor, user),
        }
        for c in membership.changes.select_related("actor").order_by("at", "pk")
    ]


def life_events(user: User) -> list:
    membership = _membership(user)
    if membership is None:
        return []
    return [
        {
            "kind": e.get_kind_display(),
            "effective_on": _iso(e.effective_on),
            "recorded_at": _iso(e.recorded_at),
            "applied_at": _iso(e.applied_at),
            "before": e.before,
            "after": e.after,
        }
        for e in membership.life_events.order_by("recorded_at", "pk")
    ]


def reduced_rates(user: User) -> list:
    membership = _membership(user)
    if membership is None:
        return []
    return [
        {
            "kind": r.get_kind_display(),
            "status": r.get_status_display(),
            "starts_on": _iso(r.starts_on),
            "ends_on": _iso(r.ends_on),
            "your_evidence_note": r.evidence_note,
            "requested_at": _iso(r.requested_at),
            "decided_at": _iso(r.decided_at),
            "decision_reason": r.decision_reason,
        }
        for r in membership.reductions.order_by("requested_at", "pk")
    ]


def resignations(user: User) -> list:
    membership = _membership(user)
    if membership is None:
        return []
    return [
        {
            "reason": r.get_reason_display() if r.reason else "",
            "given_on": _iso(r.given_on),
            "effective_on": _iso(r.effective_on),
            "applied_at": _iso(r.applied_at),
            "withdrawn_at": _iso(r.withdrawn_at),
        }
        for r in membership.resignations.order_by("given_on", "pk")
    ]


def register() -> None:
    register_export_section("subscription", subscription)
    register_export_section("membership_history", membership_history)
    register_export_section("life_events", life_events)
    register_export_section("reduced_rates", reduced_rates)
    register_export_section("resignations", resignations)
