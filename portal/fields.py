"""Model fields whose values are encrypted in the database (see portal.crypto)."""

from __future__ import annotations

import json

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted; read back as plain text. Not searchable or filterable in SQL
    (by design). Empty values stay empty so that 'is there anything' checks still work."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt_text(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(crypto.PREFIX):
            return crypto.decrypt_text(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt_text(str(value))


class EncryptedJSONListField(models.TextField):
    """A list of short strings (e.g. chosen networks), stored encrypted as JSON."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return []
        return json.loads(crypto.decrypt_text(value))

    def to_python(self, value):
        if isinstance(value, list):
            return value
        if not value:
            return []
        if isinstance(value, str) and value.startswith(crypto.PREFIX):
            return json.loads(crypto.decrypt_text(value))
        return json.loads(value)

    def get_prep_value(self, value):
        if not value:
            return ""
        return crypto.encrypt_text(json.dumps(sorted(value)))
