"""A stored, GIN-indexed search vector for published editions (PostgreSQL only).

The column is GENERATED ALWAYS AS ... STORED, so PostgreSQL fills it for every existing row
when it is added and keeps it current on every insert and update (the ORM, bulk loads and
COPY alike). It is not a model field: the ORM never writes it, and SQLite (the demo) has no
full-text search and searches with `selectors.search_simple` instead. The expression and its
configuration must match `selectors.SEARCH_VECTOR_SQL`'s query side ('english')."""

from django.db import migrations

ADD = """
ALTER TABLE standards_edition ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'C')
    ) STORED;
CREATE INDEX IF NOT EXISTS standards_edition_search_vector
    ON standards_edition USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS standards_edition_search_vector;
ALTER TABLE standards_edition DROP COLUMN IF EXISTS search_vector;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("standards", "0004_examples_belong_to_their_edition")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
