"""The read replica, against a real streaming standby (tests/ops/conftest.py): reports and
the standards list read from it, writes go to the primary, and a standby that falls behind
or stops sends those reads back to the primary."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy import processes

from .conftest import ROOT, probe_env

PROBE = Path(__file__).with_name("replica_probe.py")


def probe(primary, replica, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(PROBE), *args],
        cwd=ROOT,
        env=probe_env(primary, replica),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def clusters(streaming_replica):
    primary, replica = streaming_replica
    probe(primary, replica, "setup")
    processes.wait_replayed(primary, replica)
    return primary, replica


def test_reports_and_the_standards_list_read_from_the_replica(clusters):
    primary, replica = clusters
    # An idle primary for longer than the lag limit: the standby has replayed everything it
    # received, so it is not behind however old its last transaction is.
    time.sleep(1.5)
    seen = probe(primary, replica, "reads")
    assert seen["alias"] == "replica"
    assert seen["in_recovery"] is True, "the connection used is the standby's"
    assert seen["queries"]["replica"] >= 2, seen
    assert seen["queries"]["default"] == 0, "nothing of the report was read from the primary"
    assert seen["open_cases"] == 0 and seen["editions"] == 0


def test_writes_go_to_the_primary(clusters):
    primary, replica = clusters
    email = f"written-{time.time_ns()}@example.org"
    done = probe(primary, replica, "writes", email)
    assert done["alias"] == "replica" and done["loaded_from"] == "replica"
    count = f"SELECT count(*) FROM accounts_user WHERE email = '{email}'"  # noqa: S608
    assert primary.psql(count, "portal") == "1"
    assert (
        primary.psql(
            "SELECT first_name FROM accounts_user WHERE email LIKE 'replica-probe-%'", "portal"
        )
        == "Changed"
    )
    processes.wait_replayed(primary, replica)
    assert replica.psql(count, "portal") == "1"


def test_a_replica_behind_the_lag_limit_sends_reads_to_the_primary(clusters):
    primary, replica = clusters
    replica.psql("SELECT pg_wal_replay_pause()")
    try:
        # A write the paused standby receives but does not replay.
        primary.psql("CREATE TABLE lag_marker (at timestamptz); DROP TABLE lag_marker")
        time.sleep(2.5)  # past REPLICA_MAX_LAG_SECONDS=1
        seen = probe(primary, replica, "reads")
        assert seen["alias"] == "default"
        assert seen["in_recovery"] is False
        assert seen["queries"]["default"] >= 2
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")
    processes.wait_replayed(primary, replica)
    assert probe(primary, replica, "reads")["alias"] == "replica", "caught up: back on it"


def test_a_stopped_replica_sends_reads_to_the_primary(clusters):
    primary, replica = clusters
    replica.stop("immediate")
    try:
        started = time.monotonic()
        seen = probe(primary, replica, "reads")
        assert seen["alias"] == "default"
        assert seen["in_recovery"] is False
        assert seen["queries"]["default"] >= 2
        assert time.monotonic() - started < 60
    finally:
        replica.start("-c hot_standby=on")
    processes.wait_replayed(primary, replica)
    assert probe(primary, replica, "reads")["alias"] == "replica"
