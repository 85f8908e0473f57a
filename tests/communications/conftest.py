"""A real SMTP server (aiosmtpd, in a thread) and a real Celery worker (a subprocess on the
test database and the Redis broker) for the communications tests. A missing piece fails the
test with the command that provides it; nothing is skipped."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AIOSMTPD_HELP = (
    "The communications tests need aiosmtpd (a real SMTP server on localhost): "
    "install it with `.venv/bin/pip install aiosmtpd==1.4.6` (it is in pyproject's dev extras)."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float = 30, message: str = "timed out", every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{message} (waited {timeout}s)")


class MailRecorder:
    """aiosmtpd handler: keeps every message it accepts. Tests can make it refuse an
    address for a while (4xx), for good (5xx), or kill a worker while a message arrives."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.messages: list = []
            self.temporary_failures: dict[str, int] = {}
            self.permanent_failures: set[str] = set()
            self.kill_at: int | None = None
            self.kill_pgid: int | None = None
            self.killed = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if address in self.permanent_failures:
                return "550 5.1.1 No such mailbox here"
            if self.temporary_failures.get(address, 0) > 0:
                self.temporary_failures[address] -= 1
                return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.kill_at is not None and len(self.messages) + 1 >= self.kill_at:
                # The sending worker dies while this message is being handed over: it is
                # never accepted, and the worker never hears back.
                self.kill_at = None
                os.killpg(self.kill_pgid, signal.SIGKILL)
                self.killed.set()
                return "421 4.3.0 Sender went away"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 Accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def per_recipient(self) -> Counter:
        with self.lock:
            return Counter(rcpt for rcpts, _ in self.messages for rcpt in rcpts)

    def all(self) -> list:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture(scope="session")
def smtp_server():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        pytest.fail(AIOSMTPD_HELP, pytrace=False)
    recorder = MailRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    recorder.port = port
    yield recorder
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


class Worker:
    """`celery -A portal worker` as a subprocess in its own process group."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.proc = env, log, None

    def start(self, **knobs) -> Worker:
        env = {**self.env, **{k: str(v) for k, v in knobs.items()}}
        self.log.write_text("")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=prefork",
                f"--concurrency={env.get('WORKER_CONCURRENCY', '2')}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"comms-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                lambda: self.proc.poll() is not None or " ready." in self.log.read_text(),
                timeout=60,
                message="the Celery worker did not start",
            )
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            pytest.fail(f"The Celery worker exited at start:\n{self.tail()}", pytrace=False)
        return self

    @property
    def pgid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL to the whole worker: the main process and its pool, as a crash would."""
        if self.alive():
            os.killpg(self.pgid, signal.SIGKILL)
        self.wait_dead()

    def wait_dead(self):
        self.proc.wait(timeout=20)
        # The pool's children die with the group; give the kernel a moment to reap them.
        wait_for(lambda: not _group_alive(self.pgid), timeout=20, message="worker group alive")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.pgid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text().splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _purge_broker(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"The Celery broker (Redis) is not reachable at {url} ({error}). Start Redis with: "
            'redis-server --daemonize yes --port 6379 --save "" --appendonly no',
            pytrace=False,
        )
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def broker():
    """The test process enqueues to the real broker (not in-process) for this test."""
    from portal.celery import app

    url = app.conf.broker_url
    _purge_broker(url)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield url
    app.conf.task_always_eager = eager
    _purge_broker(url)


@pytest.fixture
def worker_factory(transactional_db, smtp_server, broker, tmp_path, settings):
    """Start real workers against the test database; all are stopped after the test."""
    from django.db import connection

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}"
        + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        + f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "tests.communications.worker_settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": settings.SITE_URL,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "0",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY": "3",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
        "COMMUNICATIONS_RETRY_BACKOFF": "1",
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []

    def make(**knobs) -> Worker:
        worker = Worker(base_env, tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        return worker.start(**knobs)

    yield make
    for worker in workers:
        worker.stop()
