"""Trigram indexes that serve the admin's name searches (`icontains` becomes
`UPPER(col) LIKE`, which a plain index cannot serve). PostgreSQL only."""

from django.db import migrations

INDEXES = [
    ("accounts_user_first_name_trgm", "accounts_user", "first_name"),
    ("accounts_user_last_name_trgm", "accounts_user", "last_name"),
    ("accounts_user_email_trgm", "accounts_user", "email"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_encrypt_equality_monitoring")]

    operations = [migrations.RunPython(create, drop)]
