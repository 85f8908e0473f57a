"""A member's part of /me/data/: the emails we sent them (what, when, and what happened)."""

from __future__ import annotations

from portal.accounts.exports import register

from .selectors import deliveries_for_member


def _iso(value):
    return value.isoformat() if value else None


@register("communications_sent")
def communications_sent(user) -> list[dict]:
    return [
        {
            "kind": d.get_kind_display(),
            "subject": d.communication.subject if d.communication else None,
            "notification": d.notification or None,
            "email": d.email,
            "status": d.get_status_display(),
            "recorded_at": _iso(d.created_at),
            "sent_at": _iso(d.sent_at),
            "failed_at": _iso(d.failed_at),
        }
        for d in deliveries_for_member(user)
    ]
