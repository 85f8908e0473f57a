"""Throwaway services as processes on this machine: a PostgreSQL primary with a streaming
replica (pg_basebackup), PgBouncer in transaction mode, Redis. Used by `make smoke`
(deploy/smoke.py) and by the replica tests (tests/ops/). Nothing here touches the machine's
own PostgreSQL or Redis: every service has its own folder and port, and goes when stopped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

_PG_ROOT = Path("/usr/lib/postgresql")


def pg_bin() -> Path:
    versions = sorted(os.listdir(_PG_ROOT), key=int) if _PG_ROOT.exists() else ["15"]
    return _PG_ROOT / versions[-1] / "bin"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    """`preferred` when nothing listens there, another free port otherwise."""
    if port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for port {port} exited with {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def _as_postgres_prefix() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


def run_pg(*args, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_as_postgres_prefix(), *map(str, args)],
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Cluster:
    """One throwaway PostgreSQL cluster (trust authentication, local connections only)."""

    def __init__(self, folder: Path, port: int, name: str):
        self.folder, self.port, self.name = folder, port, name
        self.data = folder / name
        self.log = folder / f"{name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 " + " ".join(
            extra
        )
        run_pg(pg_bin() / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            run_pg(pg_bin() / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = run_pg(
            pg_bin() / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d",
            database, "-At", "-c", sql,
        )  # fmt: skip
        return out.stdout.strip()


def make_primary_and_replica(folder: Path, primary_port: int, replica_port: int):
    """A primary (wal_level=replica) and a hot standby streaming from it, made with
    `pg_basebackup -R`. Returns (primary, replica), both started."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o777)
    primary = Cluster(folder, primary_port, "primary")
    replica = Cluster(folder, replica_port, "replica")
    run_pg(pg_bin() / "initdb", "-D", primary.data, "-A", "trust", "-U", "postgres")
    with open(primary.data / "postgresql.conf", "a") as conf:
        conf.write("\nwal_level = replica\nmax_wal_senders = 5\nfsync = off\n")
    primary.start()
    run_pg(
        pg_bin() / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
        "-D", replica.data, "-R", "-X", "stream", "-c", "fast",
    )  # fmt: skip
    # Every statement the standby runs is logged: the smoke test sees what read from it.
    replica.start("-c hot_standby=on -c log_statement=all")
    return primary, replica


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 30) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = primary.psql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done == "t":
            return
        time.sleep(0.2)
    raise RuntimeError("the replica did not catch up with the primary")


def start_pgbouncer(folder: Path, port: int, databases: dict[str, tuple[int, str]]):
    """PgBouncer in transaction mode in front of `databases` (name -> (port, dbname))."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o777)
    users = folder / "userlist.txt"
    users.write_text('"postgres" ""\n')
    lines = [f"{name} = host=127.0.0.1 port={p} dbname={db}" for name, (p, db) in databases.items()]
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        + "\n".join(lines)
        + f"""
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""
    )
    command = ["pgbouncer"]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        command += ["-u", "postgres"]
    proc = subprocess.Popen(
        [*command, str(ini)],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "pgbouncer.err", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    wait_for_port(port, proc=proc)
    return proc


def start_redis(folder: Path, port: int) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=open(folder / "redis.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    wait_for_port(port, proc=proc)
    return proc


def stop_process(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM to the process's group, SIGKILL after `timeout`."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
