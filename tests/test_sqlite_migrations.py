"""`make run` migrates an empty SQLite database from scratch: every migration must apply
there too, and the member-search triggers must exist at the end (a migration that
rebuilds the case table on SQLite once stopped `make run` half-way)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_migration_applies_to_an_empty_sqlite_database(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    db = tmp_path / "portal.sqlite3"
    env.update({"DEBUG": "1", "DATABASE_URL": f"sqlite:///{db}"})
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(db) as connection:
        triggers = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    assert {
        "casework_case_member_search_insert",
        "casework_case_member_search_update",
        "accounts_user_case_search",
    } <= triggers
    # Then the demo data, as `make run` loads it next, on the same database: every app's
    # demo (a vote in the demo ballot among them) runs on SQLite too.
    env["DEMO_MODE"] = "1"
    seeded = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--url", "http://127.0.0.1:8000"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    with sqlite3.connect(db) as connection:
        (votes,) = connection.execute("SELECT count(*) FROM ballots_participation").fetchone()
        (receipts,) = connection.execute("SELECT count(*) FROM ballots_receipt").fetchone()
    assert votes >= 1 and receipts == votes
