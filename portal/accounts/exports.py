"""What `/me/data/` downloads. Each app registers a function that returns its part of a
member's data; the view does not change when an app adds one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from .models import User

Exporter = Callable[[User], Any]
_exporters: dict[str, Exporter] = {}


def register(name: str) -> Callable[[Exporter], Exporter]:
    def decorator(fn: Exporter) -> Exporter:
        if name in _exporters and _exporters[name] is not fn:
            raise ValueError(f"A data export named {name!r} is already registered.")
        _exporters[name] = fn
        return fn

    return decorator


def export_member_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for name, fn in sorted(_exporters.items()):
        data[name] = fn(user)
    return data


def _iso(value):
    return value.isoformat() if value else None


@register("account")
def _account(user: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": e.email, "primary": e.primary, "verified": e.verified}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "two_factor_methods": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=user)
        ],
    }


@register("membership")
def _membership(user: User) -> dict | None:
    m = getattr(user, "membership", None)
    if m is None:
        return None
    return {
        "number": m.number,
        "status": m.get_status_display(),
        "status_changed_at": _iso(m.status_changed_at),
        "joined_on": _iso(m.joined_on),
        "section": m.get_section_display(),
        "fee_band": m.get_fee_band_display(),
        "job_role": m.get_job_role_display(),
        "hours": m.get_hours_display(),
        "employer": {
            "name": m.employer.name,
            "type": m.employer.get_kind_display(),
            "town": m.employer.town,
        },
        "workplace_postcode": m.workplace_postcode,
        "nation": m.get_nation_display(),
        "region": m.region.name,
        "workplace_rep": m.is_rep,
    }


@register("communication_preferences")
def _preferences(user: User) -> dict:
    return {
        "current": [
            {
                "kind": c.kind,
                "channel": c.channel,
                "granted": c.granted,
                "changed_at": _iso(c.changed_at),
            }
            for c in user.consents.order_by("kind", "channel")
        ],
        "history": [
            {
                "kind": e.kind,
                "channel": e.channel,
                "granted": e.granted,
                "source": e.source,
                "at": _iso(e.at),
            }
            for e in user.consent_events.order_by("at")
        ],
    }


@register("equality_monitoring")
def _equality(user: User) -> dict | None:
    record = getattr(user, "equality", None)
    if record is None:
        return None
    return {
        "ethnicity": record.get_ethnicity_display(),
        "disability": record.get_disabled_display(),
        "sexual_orientation": record.get_sexual_orientation_display(),
        "trans_history": record.get_trans_display(),
        "networks": record.network_labels(),
        "updated_at": _iso(record.updated_at),
    }


@register("sessions")
def _sessions(user: User) -> list:
    from allauth.usersessions.models import UserSession

    return [
        {
            "ip": s.ip,
            "user_agent": s.user_agent,
            "created_at": _iso(s.created_at),
            "last_seen_at": _iso(s.last_seen_at),
        }
        for s in UserSession.objects.filter(user=user).order_by("created_at")
    ]
