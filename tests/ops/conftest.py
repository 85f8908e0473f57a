"""For the tests in this folder: a real streaming replica (a throwaway PostgreSQL primary
and a standby made from it with `pg_basebackup -R`, on ports of their own, with the portal's
schema migrated on the primary and so replayed on the standby); and the real SMTP server and
Celery worker of the communications tests, for the tests where the worker is the point (its
heartbeat, a request id carried into its tasks)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from deploy import processes
from tests.communications.conftest import (  # noqa: F401
    broker,
    smtp,
    smtp_server,
    wait_for,
    worker_factory,
)

ROOT = Path(__file__).resolve().parent.parent.parent
PRIMARY_PORT = int(os.environ.get("REPLICA_TEST_PRIMARY_PORT", "55435"))
REPLICA_PORT = int(os.environ.get("REPLICA_TEST_REPLICA_PORT", "55436"))


def _require_tools() -> None:
    missing = [
        tool
        for tool in ("initdb", "pg_ctl", "pg_basebackup", "psql")
        if not (processes.pg_bin() / tool).exists()
    ]
    if missing:
        pytest.fail(
            f"PostgreSQL server tools missing ({', '.join(missing)} in {processes.pg_bin()}): "
            "apt-get install postgresql-15"
        )


@pytest.fixture(scope="session")
def streaming_replica():
    _require_tools()
    folder = Path(tempfile.mkdtemp(prefix="portal-replica-"))
    primary, replica = processes.make_primary_and_replica(
        folder, processes.pick_port(PRIMARY_PORT), processes.pick_port(REPLICA_PORT)
    )
    try:
        primary.psql("CREATE DATABASE portal")
        env = probe_env(primary, replica)
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        processes.wait_replayed(primary, replica)
        yield primary, replica
    finally:
        replica.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def probe_env(primary, replica, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": primary.url("portal"),
        "DATABASE_REPLICA_URL": replica.url("portal"),
        "REPLICA_MAX_LAG_SECONDS": "1",
        "REPLICA_CHECK_SECONDS": "0",
        **extra,
    }
