"""Encryption at rest for special category data: case narratives, messages, notes,
attachments and equality monitoring answers.

Keys come from the environment (FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys). The
first key encrypts; every key decrypts, so a new key can be put first and
`manage.py rotate_encryption` re-encrypts everything with it before the old one is removed.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"
BYTES_PREFIX = b"FERNET1\n"


def _keys() -> tuple[str, ...]:
    keys = tuple(k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k.strip())
    if keys:
        return keys
    if settings.DEBUG:
        # Local demo only: a key derived from the (demo) secret key.
        digest = hashlib.sha256(("field-encryption:" + settings.SECRET_KEY).encode()).digest()
        return (base64.urlsafe_b64encode(digest).decode(),)
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off.")


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(_keys())


def encrypt_text(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt_text(value: str) -> str:
    if not value.startswith(PREFIX):
        return value  # written before encryption was introduced; re-encrypted by rotation
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "Encrypted data cannot be read with the configured FIELD_ENCRYPTION_KEYS."
        ) from error


def is_current(value: str) -> bool:
    """Whether a stored value is encrypted with the first (current) key."""
    if not value.startswith(PREFIX):
        return False
    token = value[len(PREFIX) :].encode()
    try:
        Fernet(_keys()[0].encode()).decrypt(token)
    except InvalidToken:
        return False
    return True


def encrypt_bytes(data: bytes) -> bytes:
    return BYTES_PREFIX + fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    if not data.startswith(BYTES_PREFIX):
        return data
    return fernet().decrypt(data[len(BYTES_PREFIX) :])


def rotate_text(value: str) -> str:
    return PREFIX + fernet().rotate(value[len(PREFIX) :].encode()).decode()


def rotate_bytes(data: bytes) -> bytes:
    if not data.startswith(BYTES_PREFIX):
        return encrypt_bytes(data)
    return BYTES_PREFIX + fernet().rotate(data[len(BYTES_PREFIX) :])
