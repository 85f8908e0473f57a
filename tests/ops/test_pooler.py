"""Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer): the settings that mode
needs, and the sending engine's lock and commit mode that would otherwise leak from one
client to another through a shared server connection."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection

from portal.communications import sending

from .conftest import ROOT

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def settings_with(**env: str) -> subprocess.CompletedProcess:
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['CONN_MAX_AGE'], d.get('DISABLE_SERVER_SIDE_CURSORS', False))"
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "portal.settings_test",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:6432/portal",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_pgbouncer_turns_off_server_side_cursors_and_persistent_connections():
    assert settings_with(DATABASE_POOLER="pgbouncer").stdout.split() == ["0", "True"]
    assert settings_with().stdout.split() == ["60", "False"]


def test_an_unknown_pooler_is_refused():
    done = settings_with(DATABASE_POOLER="pgpool")
    assert done.returncode != 0
    assert "DATABASE_POOLER must be empty or 'pgbouncer'" in done.stderr


def advisory_locks_of_this_session() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_behind_pgbouncer_a_send_is_locked_by_a_transaction_of_its_own(settings):
    settings.DATABASE_POOLER = "pgbouncer"
    with sending.token_lock("task-1") as got:
        assert got
        # The portal's own connection holds nothing that would stay on a pooled server
        # connection after the send.
        assert advisory_locks_of_this_session() == 0
        assert sending.token_is_live("task-1")
        with sending.token_lock("task-1") as second:
            assert not second, "a second copy of the same task gives way"
        assert not sending.token_is_live("task-2")
    assert not sending.token_is_live("task-1"), "released when the send ends"
    with sending.token_lock("task-1") as again:
        assert again


def test_without_a_pooler_the_lock_is_the_sessions_own(settings):
    settings.DATABASE_POOLER = ""
    with sending.token_lock("task-3") as got:
        assert got and advisory_locks_of_this_session() == 1
    assert advisory_locks_of_this_session() == 0


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_behind_pgbouncer_sending_sets_nothing_on_the_session(settings):
    settings.DATABASE_POOLER = "pgbouncer"
    with sending.quick_commits():
        assert synchronous_commit() == "on"
    settings.DATABASE_POOLER = ""
    with sending.quick_commits():
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"
