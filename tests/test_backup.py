"""A dump of the database restores into a scratch database that passes the smoke check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from casework import services
from tests.factories import MembershipFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_and_passes_the_smoke_check(tmp_path):
    member = MembershipFactory().user
    services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="pay",
            employer=member.membership.employer,
            what_happened="Backed up narrative",
            desired_outcome="Restore works",
        ),
    )
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    dump = tmp_path / "portal.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"{url}/{db['NAME']}"],
        check=True,
        timeout=120,
    )
    scratch = f"{db['NAME']}_restore"
    make = subprocess.run(
        ["make", "-s", "restore", f"DUMP={dump}", f"RESTORE_URL={url}/{scratch}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": os.path.dirname(sys.executable) + ":" + os.environ["PATH"]},
    )
    try:
        assert make.returncode == 0, make.stdout[-2000:] + make.stderr[-2000:]
        assert "OK:" in make.stdout
        rows = subprocess.run(
            ["psql", f"{url}/{scratch}", "-tAc", "SELECT what_happened FROM casework_case"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert rows.strip().startswith("fernet:"), "the restored text is still encrypted"
    finally:
        subprocess.run(
            [
                "dropdb",
                "--if-exists",
                scratch,
                "-h",
                db["HOST"] or "127.0.0.1",
                "-U",
                db["USER"] or "postgres",
            ],
            check=False,
        )
