"""`make test` runs the production smoke test (deploy/smoke.py) when its tools are here, and
fails, saying which Debian packages to install (`make smoke-deps`), when one is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys

from deploy import processes

from .conftest import ROOT

TOOLS = {"pgbouncer": "pgbouncer", "nginx": "nginx", "openssl": "openssl",
         "redis-server": "redis-server"}  # fmt: skip


def test_the_production_shape_starts_and_serves_members_and_officers():
    missing = sorted(pkg for tool, pkg in TOOLS.items() if not shutil.which(tool))
    if not (processes.pg_bin() / "pg_basebackup").exists():
        missing.append("postgresql")
    assert not missing, f"install {' '.join(missing)} (make smoke-deps) to run the smoke test"
    done = subprocess.run(
        [sys.executable, "deploy/smoke.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "smoke: ok" in done.stdout
    passed = [line for line in done.stdout.splitlines() if line.startswith("ok")]
    for step in ("member sends a case", "officers' notice", "campaign", "from the replica"):
        assert any(step in line for line in passed), step
