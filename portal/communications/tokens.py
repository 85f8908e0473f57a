"""Signed unsubscribe tokens: one per member and kind, usable without logging in.

The token carries the user's id and the kind, signed with the site's secret under a salt of
its own, so that a token made for something else can never pass as one, and a changed
character makes it invalid. It does not expire: an old newsletter's link keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from .models import CONSENT_KINDS, CONSULTATIONS_CONSENT

SALT = "portal.communications.unsubscribe"
# Campaigns, newsletters, the journal, and consultation invitations and reminders.
UNSUBSCRIBE_KINDS = CONSENT_KINDS | {CONSULTATIONS_CONSENT}


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class UnsubscribeTarget:
    user_id: int
    kind: str


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    if kind not in UNSUBSCRIBE_KINDS:
        raise ValueError(f"{kind!r} messages carry no unsubscribe link.")
    return _signer().sign_object({"u": user_id, "k": str(kind)})


def unsubscribe_token_read(token: str) -> UnsubscribeTarget:
    if not token or len(token) > 300:
        raise InvalidToken
    try:
        data = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise InvalidToken from error
    if not isinstance(data, dict):
        raise InvalidToken
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or kind not in UNSUBSCRIBE_KINDS:
        raise InvalidToken
    return UnsubscribeTarget(user_id=user_id, kind=kind)
