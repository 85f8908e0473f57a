"""Writing thousands of rows at once without Django's work per object: PostgreSQL COPY.

`bulk_create` builds a model instance per row and prepares every value of every field
through the field (tens of µs a row for a ten-column model); a service writing the history,
re-presentations and notices of a bureau report of 10,000 returned debits spent most of its
time there. `copy_insert` takes plain tuples instead, reserves the rows' ids from the
table's own sequence and writes them with one COPY: two round trips, whatever the number of
rows (`copy_rows`, when the ids are not wanted: one). `update_rows` and `insert_missing`
do the same for UPDATE and INSERT ... ON CONFLICT DO NOTHING, from one array per column.
Nothing else changes: constraints, foreign keys and triggers apply as to an INSERT; no
signals are sent (as with bulk_create).

On another database (the SQLite of `make run`) each does the same through the ORM, more
slowly: the same rows, the same ids returned, the same rows skipped.
"""

from __future__ import annotations

from contextlib import nullcontext

from django.db import IntegrityError, connection, models, transaction
from django.db.models.expressions import RawSQL

# Fields whose Python values psycopg writes as they are: nothing for the field to prepare.
# (A subclass from elsewhere, an encrypted field say, is prepared by the field.)
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.EmailField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)


def _plain(field) -> bool:
    return type(field) in _PLAIN


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _instances(model, fields: list[str], rows: list[tuple]) -> list:
    names = [model._meta.get_field(name).attname for name in fields]
    return [model(**dict(zip(names, row, strict=True))) for row in rows]


def reserve_ids(model, n: int) -> list[int]:
    """n fresh primary keys from the model's table's sequence (one query; safe beside
    concurrent inserts, which draw from the same sequence)."""
    opts = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, n],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_insert(model, fields: list[str], rows: list[tuple]) -> list[int]:
    """Insert rows (tuples of the named fields' values, in that order; a foreign key by
    its field name, as its id) and return their new ids, in the rows' order. Every other
    field gets its default, as a model instance would. Two queries: the ids reserved, then
    one COPY."""
    if not rows:
        return []
    if not _postgres():
        return [obj.pk for obj in model.objects.bulk_create(_instances(model, fields, rows))]
    ids = reserve_ids(model, len(rows))
    _copy(model, fields, rows, ids)
    return ids


def copy_rows(model, fields: list[str], rows: list[tuple]) -> int:
    """`copy_insert` for rows whose ids the caller does not need (history): the table
    numbers them itself, one query. Returns the number of rows."""
    if rows and not _postgres():
        model.objects.bulk_create(_instances(model, fields, rows))
    elif rows:
        _copy(model, fields, rows, None)
    return len(rows)


def _copy(model, fields: list[str], rows: list[tuple], ids: list[int] | None) -> None:
    opts = model._meta
    given = [opts.get_field(name) for name in fields]
    rest = [f for f in opts.concrete_fields if f not in given and not f.primary_key]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    prepare = [(i, f) for i, f in enumerate(given) if not _plain(f)]
    quote = connection.ops.quote_name
    keys = [opts.pk] if ids is not None else []
    columns = ", ".join(quote(f.column) for f in [*keys, *given, *rest])
    sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        # Counted and logged as Django counts its own queries (assertNumQueries and the
        # debug toolbar see it).
        logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
        with logged, cursor.cursor.copy(sql) as copy:
            for n, row in enumerate(rows):
                if prepare:
                    row = list(row)
                    for i, field in prepare:
                        row[i] = field.get_db_prep_save(row[i], connection)
                copy.write_row((ids[n], *row, *defaults) if keys else (*row, *defaults))


def _array_params(fields, rows) -> list[list]:
    columns = [list(values) for values in zip(*rows, strict=True)]
    for i, field in enumerate(fields):
        if not _plain(field):
            columns[i] = [field.get_db_prep_save(v, connection) for v in columns[i]]
    return columns


def _unnest(fields) -> str:
    """unnest(%s::type[], ...) AS v(c0, c1, ...): one array parameter per field."""
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    names = ", ".join(f"c{i}" for i in range(len(fields)))
    return f"unnest({arrays}) AS v({names})"


def update_rows(model, fields: list[str], rows: list[tuple], **same) -> int:
    """Set the named fields of many rows, each to its own values, in one statement
    (UPDATE ... FROM unnest of one array per field); `same` sets fields to one value for
    all of them. rows: (pk, *values) tuples. Returns the number of rows updated."""
    if not rows:
        return 0
    opts = model._meta
    if not _postgres():
        names = [opts.get_field(name).attname for name in fields]
        return sum(
            model.objects.filter(pk=pk).update(**dict(zip(names, values, strict=True)), **same)
            for pk, *values in rows
        )
    columns = [opts.pk, *(opts.get_field(name) for name in fields)]
    shared = [opts.get_field(name) for name in same]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    assign = ", ".join(
        [f"{quote(f.column)} = v.c{i}" for i, f in enumerate(columns) if i]
        + [f"{quote(f.column)} = %s" for f in shared]
    )
    # Every name is the model's own, quoted; every value a parameter.
    sql = (
        f"UPDATE {table} SET {assign} FROM {_unnest(columns)} "  # noqa: S608  # nosec B608
        f"WHERE {table}.{quote(opts.pk.column)} = v.c0"
    )
    params = [f.get_db_prep_save(v, connection) for f, v in zip(shared, same.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + _array_params(columns, rows))  # in the order they appear
        return cursor.rowcount


def insert_missing(model, fields: list[str], rows: list[tuple]) -> list[tuple]:
    """Insert the rows (tuples of the named fields' values) that a unique constraint does
    not already hold, in one statement (INSERT ... SELECT FROM unnest ... ON CONFLICT DO
    NOTHING); every other field gets its default. Returns the named fields of the rows
    inserted, so a caller acts once on each however many processes try at once."""
    if not rows:
        return []
    if not _postgres():
        inserted = []
        for obj, row in zip(_instances(model, fields, rows), rows, strict=True):
            try:
                with transaction.atomic():
                    obj.save(force_insert=True)
            except IntegrityError:
                continue
            inserted.append(tuple(row))
        return inserted
    opts = model._meta
    given = [opts.get_field(name) for name in fields]
    rest = [f for f in opts.concrete_fields if f not in given and not f.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in [*given, *rest])
    values = ", ".join([*(f"v.c{i}" for i in range(len(given))), *(["%s"] * len(rest))])
    # Every name is the model's own, quoted; every value a parameter.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({names}) SELECT {values} FROM {_unnest(given)} "  # noqa: S608  # nosec B608
        f"ON CONFLICT DO NOTHING RETURNING {', '.join(quote(f.column) for f in given)}"
    )
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in rest]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *_array_params(given, rows)])  # in the order they appear
        return [tuple(row) for row in cursor.fetchall()]


_ARRAY_TYPES = {"bigint": "bigint[]", "text": "text[]"}


def any_of(values, db_type: str = "bigint") -> RawSQL:
    """The values as one array parameter, for `filter(pk__in=any_of(ids))`: thousands of
    ids (or references, db_type "text") sent as one value instead of a placeholder each."""
    if not _postgres():
        return list(values)
    array = _ARRAY_TYPES[db_type]  # a fixed type name, never the caller's text
    return RawSQL(f"SELECT unnest(%s::{array})", [list(values)])  # noqa: S611  # nosec B611
