"""Faults, really done: PostgreSQL restarted under a running portal. Throwaway instances on
other ports, so the rest of the suite is not disturbed."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = (
    Path("/usr/lib/postgresql")
    / (os.listdir("/usr/lib/postgresql")[0] if Path("/usr/lib/postgresql").exists() else "15")
    / "bin"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*args, **kwargs):
    command = " ".join(str(a) for a in args)
    return subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", command],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


@pytest.fixture
def throwaway_postgres():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"initdb not found in {PG_BIN}: install postgresql-15")
    folder = Path(tempfile.mkdtemp(prefix="pgfault-"))
    folder.chmod(0o777)
    data, port = folder / "data", free_port()
    as_postgres(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    as_postgres(
        PG_BIN / "pg_ctl",
        "-D",
        data,
        "-o",
        f"'-p {port} -k {folder}'",
        "-l",
        folder / "log",
        "-w",
        "start",
    )
    yield {"port": port, "data": data, "folder": folder}
    subprocess.run(
        [
            "su",
            "postgres",
            "-s",
            "/bin/sh",
            "-c",
            f"{PG_BIN / 'pg_ctl'} -D {data} -m immediate stop",
        ],
        capture_output=True,
    )
    shutil.rmtree(folder, ignore_errors=True)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def test_the_portal_survives_a_postgresql_restart(throwaway_postgres):
    pg = throwaway_postgres
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "fault-test-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg['port']}/postgres",
        "CONN_MAX_AGE": "600",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/healthz/"
    try:
        for _ in range(100):
            if get(url) is not None:
                break
            time.sleep(0.2)
        assert get(url) == 200, "healthy before the restart"
        as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            pg["data"],
            "-m",
            "fast",
            "-w",
            "restart",
            "-o",
            f"'-p {pg['port']} -k {pg['folder']}'",
            "-l",
            pg["folder"] / "log",
        )
        statuses = [get(url) for _ in range(3)]
        assert statuses[0] == 200, f"the first request after the restart succeeds: {statuses}"
        assert statuses == [200, 200, 200]
    finally:
        server.terminate()
        server.wait(10)
