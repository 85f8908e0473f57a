"""The access history is written by the database itself.

Triggers record every change to a person's groups, direct permissions, regions, staff,
superuser and active status, their membership status, and every change to a role's
permissions, in `accounts_rolechange`, whatever made it: the portal's services, `.update()`,
`.groups.add()`, a shell or raw SQL. The history table refuses UPDATE and DELETE, and a role
grant, once requested, cannot be rewritten (only decided, once).

A new account is recorded when it starts with staff or superuser status; a new membership is
not (its first status is not a change, and bulk loads of members would double in cost): its
history starts at its first change of status.

PostgreSQL: the acting user is read from `current_setting('portal.actor_id', true)`, which
the portal's services set inside their transaction (`set_config(..., true)`); elsewhere it
is unknown (NULL).

SQLite (the `make run` demo): the same triggers, but the acting user is always unknown,
because SQLite has no session settings.
"""

from django.db import migrations

from portal.accounts.roles import Role, grant

# (table, the row's user column or None, field recorded, SQL giving the value's label from
# the row `{row}`)
M2M = [
    (
        "accounts_user_groups",
        "user_id",
        "groups",
        "(SELECT g.name FROM auth_group g WHERE g.id = {row}.group_id)",
        "{row}.group_id",
    ),
    (
        "accounts_user_user_permissions",
        "user_id",
        "user_permissions",
        "(SELECT ct.app_label || '.' || p.codename FROM auth_permission p"
        " JOIN django_content_type ct ON ct.id = p.content_type_id"
        " WHERE p.id = {row}.permission_id)",
        "{row}.permission_id",
    ),
    (
        "accounts_user_regions",
        "user_id",
        "regions",
        "(SELECT r.slug FROM accounts_region r WHERE r.id = {row}.region_id)",
        "{row}.region_id",
    ),
    (
        "auth_group_permissions",
        None,
        "group_permissions",
        "(SELECT g.name FROM auth_group g WHERE g.id = {row}.group_id) || ': ' ||"
        " (SELECT ct.app_label || '.' || p.codename FROM auth_permission p"
        " JOIN django_content_type ct ON ct.id = p.content_type_id"
        " WHERE p.id = {row}.permission_id)",
        "{row}.group_id || ':' || {row}.permission_id",
    ),
]
USER_FLAGS = ["is_staff", "is_superuser", "is_active"]
HISTORY_REFUSED = "The role change history cannot be changed or deleted."
GRANT_REFUSED = "A role grant cannot be rewritten: cancel it and request it again."
GRANT_DECIDED = "A role grant that has been decided cannot change."

INSERT = (
    "INSERT INTO accounts_rolechange (at, user_id, actor_id, field, old_value, new_value) "
    "VALUES ({now}, {user}, {actor}, '{field}', {old}, {new});"
)


def _label(expr: str, fallback: str, row: str, sqlite: bool) -> str:
    cast = "CAST({x} AS TEXT)" if sqlite else "({x})::text"
    return f"COALESCE({expr.format(row=row)}, {cast.format(x=fallback.format(row=row))}, '')"


# --- PostgreSQL ---------------------------------------------------------------------------

# Milliseconds, as Django serializes them, so that a row written back unchanged is unchanged.
PG_NOW = "date_trunc('milliseconds', now())"
PG_ACTOR = "NULLIF(current_setting('portal.actor_id', true), '')::bigint"


def pg_sql() -> list[str]:
    sql = [
        f"""
        CREATE OR REPLACE FUNCTION accounts_rolechange_refuse() RETURNS trigger AS $$
        BEGIN
            -- Writing a row back unchanged changes nothing (the test suite's serialized
            -- rollback does that); any real change, and any delete, is refused.
            IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{HISTORY_REFUSED}';
        END $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER accounts_rolechange_immutable
        BEFORE UPDATE OR DELETE ON accounts_rolechange
        FOR EACH ROW EXECUTE FUNCTION accounts_rolechange_refuse();
        """,
        f"""
        CREATE OR REPLACE FUNCTION accounts_rolegrant_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{GRANT_REFUSED}';
            END IF;
            IF NEW IS NOT DISTINCT FROM OLD THEN
                RETURN NEW;
            END IF;
            IF NEW.user_id IS DISTINCT FROM OLD.user_id
               OR NEW.group_id IS DISTINCT FROM OLD.group_id
               OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
               OR NEW.requested_at IS DISTINCT FROM OLD.requested_at THEN
                RAISE EXCEPTION '{GRANT_REFUSED}';
            END IF;
            IF OLD.status <> 'pending' THEN
                RAISE EXCEPTION '{GRANT_DECIDED}';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER accounts_rolegrant_guard
        BEFORE UPDATE OR DELETE ON accounts_rolegrant
        FOR EACH ROW EXECUTE FUNCTION accounts_rolegrant_guard();
        """,
    ]
    for table, user_col, field, expr, fallback in M2M:
        user_new = f"NEW.{user_col}" if user_col else "NULL"
        user_old = f"OLD.{user_col}" if user_col else "NULL"
        new, old = (_label(expr, fallback, r, sqlite=False) for r in ("NEW", "OLD"))
        ins = INSERT.format(
            now=PG_NOW, actor=PG_ACTOR, field=field, user=user_new, old="''", new=new
        )
        dele = INSERT.format(
            now=PG_NOW, actor=PG_ACTOR, field=field, user=user_old, old=old, new="''"
        )
        upd = INSERT.format(
            now=PG_NOW, actor=PG_ACTOR, field=field, user=user_new, old=old, new=new
        )
        sql += [
            f"""
            CREATE OR REPLACE FUNCTION {table}_history() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN {ins}
                ELSIF TG_OP = 'DELETE' THEN {dele}
                ELSE {upd}
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {table}_history
            AFTER INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_history();
            """,
        ]
    flags_update = "\n".join(
        f"IF NEW.{flag} IS DISTINCT FROM OLD.{flag} THEN "
        + INSERT.format(
            now=PG_NOW,
            actor=PG_ACTOR,
            field=flag,
            user="NEW.id",
            old=f"OLD.{flag}::text",
            new=f"NEW.{flag}::text",
        )
        + " END IF;"
        for flag in USER_FLAGS
    )
    flags_insert = "\n".join(
        f"IF NEW.{flag} THEN "
        + INSERT.format(
            now=PG_NOW, actor=PG_ACTOR, field=flag, user="NEW.id", old="''", new="'true'"
        )
        + " END IF;"
        for flag in ("is_staff", "is_superuser")
    )
    status_update = INSERT.format(
        now=PG_NOW,
        actor=PG_ACTOR,
        field="membership_status",
        user="NEW.user_id",
        old="OLD.status",
        new="NEW.status",
    )
    sql += [
        f"""
        CREATE OR REPLACE FUNCTION accounts_user_history() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {flags_insert}
            ELSE
                {flags_update}
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER accounts_user_history
        AFTER INSERT OR UPDATE OF is_staff, is_superuser, is_active ON accounts_user
        FOR EACH ROW EXECUTE FUNCTION accounts_user_history();
        """,
        f"""
        CREATE OR REPLACE FUNCTION accounts_membership_history() RETURNS trigger AS $$
        BEGIN
            IF NEW.status IS DISTINCT FROM OLD.status THEN
                {status_update}
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER accounts_membership_history
        AFTER UPDATE OF status ON accounts_membership
        FOR EACH ROW EXECUTE FUNCTION accounts_membership_history();
        """,
    ]
    return sql


def pg_drop() -> list[str]:
    tables = [t for t, *_ in M2M] + ["accounts_user", "accounts_membership"]
    sql = [
        "DROP TRIGGER IF EXISTS accounts_rolechange_immutable ON accounts_rolechange",
        "DROP FUNCTION IF EXISTS accounts_rolechange_refuse()",
        "DROP TRIGGER IF EXISTS accounts_rolegrant_guard ON accounts_rolegrant",
        "DROP FUNCTION IF EXISTS accounts_rolegrant_guard()",
    ]
    for table in tables:
        sql += [
            f"DROP TRIGGER IF EXISTS {table}_history ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_history()",
        ]
    return sql


# --- SQLite (the demo) --------------------------------------------------------------------

SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def sqlite_sql() -> list[str]:
    sql = [
        f"""
        CREATE TRIGGER accounts_rolechange_no_update BEFORE UPDATE ON accounts_rolechange
        WHEN NEW.at IS NOT OLD.at OR NEW.user_id IS NOT OLD.user_id
          OR NEW.actor_id IS NOT OLD.actor_id OR NEW.field IS NOT OLD.field
          OR NEW.old_value IS NOT OLD.old_value OR NEW.new_value IS NOT OLD.new_value
          OR NEW.id IS NOT OLD.id
        BEGIN SELECT RAISE(ABORT, '{HISTORY_REFUSED}'); END
        """,
        f"""
        CREATE TRIGGER accounts_rolechange_no_delete BEFORE DELETE ON accounts_rolechange
        BEGIN SELECT RAISE(ABORT, '{HISTORY_REFUSED}'); END
        """,
        f"""
        CREATE TRIGGER accounts_rolegrant_no_delete BEFORE DELETE ON accounts_rolegrant
        BEGIN SELECT RAISE(ABORT, '{GRANT_REFUSED}'); END
        """,
        f"""
        CREATE TRIGGER accounts_rolegrant_no_rewrite BEFORE UPDATE ON accounts_rolegrant
        WHEN NEW.user_id IS NOT OLD.user_id OR NEW.group_id IS NOT OLD.group_id
          OR NEW.requested_by_id IS NOT OLD.requested_by_id
          OR NEW.requested_at IS NOT OLD.requested_at
        BEGIN SELECT RAISE(ABORT, '{GRANT_REFUSED}'); END
        """,
        f"""
        CREATE TRIGGER accounts_rolegrant_decided_once BEFORE UPDATE ON accounts_rolegrant
        WHEN OLD.status <> 'pending' AND (NEW.status IS NOT OLD.status
          OR NEW.decided_by_id IS NOT OLD.decided_by_id OR NEW.decided_at IS NOT OLD.decided_at)
        BEGIN SELECT RAISE(ABORT, '{GRANT_DECIDED}'); END
        """,
    ]
    for table, user_col, field, expr, fallback in M2M:
        user_new = f"NEW.{user_col}" if user_col else "NULL"
        user_old = f"OLD.{user_col}" if user_col else "NULL"
        new, old = (_label(expr, fallback, r, sqlite=True) for r in ("NEW", "OLD"))
        for event, user, old_value, new_value in (
            ("INSERT", user_new, "''", new),
            ("DELETE", user_old, old, "''"),
            ("UPDATE", user_new, old, new),
        ):
            body = INSERT.format(
                now=SQLITE_NOW, actor="NULL", field=field, user=user, old=old_value, new=new_value
            )
            sql.append(
                f"CREATE TRIGGER {table}_history_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {body} END"
            )
    for flag in USER_FLAGS:
        body = INSERT.format(
            now=SQLITE_NOW,
            actor="NULL",
            field=flag,
            user="NEW.id",
            old=f"CASE OLD.{flag} WHEN 1 THEN 'true' ELSE 'false' END",
            new=f"CASE NEW.{flag} WHEN 1 THEN 'true' ELSE 'false' END",
        )
        sql.append(
            f"CREATE TRIGGER accounts_user_{flag}_history AFTER UPDATE OF {flag} ON accounts_user "
            f"WHEN NEW.{flag} IS NOT OLD.{flag} BEGIN {body} END"
        )
    for flag in ("is_staff", "is_superuser"):
        body = INSERT.format(
            now=SQLITE_NOW, actor="NULL", field=flag, user="NEW.id", old="''", new="'true'"
        )
        sql.append(
            f"CREATE TRIGGER accounts_user_{flag}_created AFTER INSERT ON accounts_user "
            f"WHEN NEW.{flag} BEGIN {body} END"
        )
    upd = INSERT.format(
        now=SQLITE_NOW,
        actor="NULL",
        field="membership_status",
        user="NEW.user_id",
        old="OLD.status",
        new="NEW.status",
    )
    sql += [
        f"CREATE TRIGGER accounts_membership_status_history AFTER UPDATE OF status "
        f"ON accounts_membership WHEN NEW.status IS NOT OLD.status BEGIN {upd} END",
    ]
    return sql


def sqlite_drop() -> list[str]:
    names = [
        "accounts_rolechange_no_update",
        "accounts_rolechange_no_delete",
        "accounts_rolegrant_no_delete",
        "accounts_rolegrant_no_rewrite",
        "accounts_rolegrant_decided_once",
        "accounts_membership_status_history",
    ]
    names += [f"{t}_history_{e}" for t, *_ in M2M for e in ("insert", "delete", "update")]
    names += [f"accounts_user_{flag}_history" for flag in USER_FLAGS]
    names += [f"accounts_user_{flag}_created" for flag in ("is_staff", "is_superuser")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": pg_sql, "sqlite": sqlite_sql}.get(vendor)
    if statements is None:
        raise RuntimeError(
            f"The role history triggers are written for PostgreSQL and SQLite, not {vendor}."
        )
    for statement in statements():
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": pg_drop, "sqlite": sqlite_drop}[vendor]():
        schema_editor.execute(statement, params=None)


def grant_roles(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        "accounts",
        {Role.ADMINISTRATOR: ["view_rolegrant", "decide_rolegrant", "view_rolechange"]},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_role_grants_and_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
        migrations.RunPython(create, drop),
    ]
