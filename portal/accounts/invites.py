"""Invite links to /join/ (`/join/?invite=<token>`): the registry that keeps accounts
ignorant of the app that issues them (reps/). The app registers how a token reads and what
happens when someone joins with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Employer, Membership, Workplace

INVITE_SESSION_KEY = "portal.join.invite"
TOKEN_MAX_LENGTH = 64


@dataclass(frozen=True)
class JoinInvite:
    employer: Employer
    workplace: Workplace


_resolve: Callable[[str], JoinInvite | None] | None = None
_joined: Callable[[str, Membership], object] | None = None


def register_invites(
    *, resolve: Callable[[str], JoinInvite | None], joined: Callable[[str, Membership], object]
) -> None:
    global _resolve, _joined
    _resolve, _joined = resolve, joined


def invite_resolve(token: str) -> JoinInvite | None:
    token = "".join(ch for ch in (token or "") if ch.isprintable()).strip()
    if not token or len(token) > TOKEN_MAX_LENGTH or _resolve is None:
        return None
    return _resolve(token)


def invite_joined(token: str, membership: Membership) -> None:
    if token and _joined is not None:
        _joined(token, membership)
