"""Opaque, short-lived names for free-text answers in the analysts' pages.

An answer's database id would be a stable name: seen in two filtered lists, or next to a CSV
row, it links what one person wrote to the rest of what they answered. The pages name each
answer with a token instead: encrypted (Fernet, so it reveals nothing), different on every
page view (a random IV), bound to its consultation, and valid for a working session. The
tagging form posts it back; nothing else accepts it.
"""

from __future__ import annotations

import json

from cryptography.fernet import InvalidToken

from portal.crypto import fernet

PURPOSE = "consultations.answer-tag"
MAX_AGE_SECONDS = 8 * 60 * 60


def answer_token(*, answer_id: int, consultation_id: int) -> str:
    payload = json.dumps({"p": PURPOSE, "a": answer_id, "c": consultation_id})
    return fernet().encrypt(payload.encode()).decode()


def answer_id_from_token(token: str, *, consultation_id: int) -> int | None:
    """The answer a token names, or None when it is forged, expired, or of another
    consultation."""
    if not token or len(token) > 500:
        return None
    try:
        data = json.loads(fernet().decrypt(token.encode(), ttl=MAX_AGE_SECONDS))
    except (InvalidToken, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("p") != PURPOSE:
        return None
    if data.get("c") != consultation_id or not isinstance(data.get("a"), int):
        return None
    return data["a"]
