"""Shared fixtures. The suite runs on real PostgreSQL and Redis: if either is not reachable
the run stops at once with the command that starts it, rather than skipping anything."""

from __future__ import annotations

import logging
import os
import re

import pytest

SERVICES_HELP = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": (
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
        "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
    ),
}


def _check_services() -> list[str]:
    import psycopg
    import redis
    from django.conf import settings

    problems = []
    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"] or "postgres",
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as error:  # noqa: BLE001
        problems.append(
            f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']} ({error}).\n"
            f"  Start it with: {SERVICES_HELP['PostgreSQL']}"
        )
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        problems.append(
            f"Redis is not reachable at {os.environ['REDIS_URL']} ({error}).\n"
            f"  Start it with: {SERVICES_HELP['Redis']}"
        )
    return problems


def pytest_sessionstart(session):
    problems = _check_services()
    if problems:
        pytest.exit(
            "The tests need real services:\n" + "\n".join(problems) + "\n(.ci/run starts both.)",
            returncode=3,
        )


def pytest_collection_modifyitems(config, items):
    """A test on real transactions must also restore the database as it found it
    (serialized_rollback=True). Without it, its flush re-creates the content types and
    permissions under new ids, and every later test that restores the serialized rows
    fails at setup on a duplicate content type: the run breaks far from the cause."""
    offenders = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        if marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError(
            "django_db(transaction=True) needs serialized_rollback=True as well:\n  "
            + "\n  ".join(offenders)
        )


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and TOTP replay protection live in Redis: each test starts clean."""
    from django.core.cache import cache

    from standards.page_cache import clear_local

    cache.clear()
    clear_local()
    yield
    cache.clear()
    clear_local()


@pytest.fixture
def member(db):
    from tests.factories import MembershipFactory

    return MembershipFactory().user


@pytest.fixture
def other_member(db):
    from tests.factories import MembershipFactory

    return MembershipFactory().user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


# Words that tests put into confidential places (case text, messages, notes, equality
# answers). None may ever appear in a log line, an email or a Celery task's arguments.
CONFIDENTIAL_SENTINELS = (
    "SECRET-NARRATIVE",
    "CONFIDENTIAL-REPLY",
    "INTERNAL-ONLY",
    "SECRET-OUTCOME",
    "SECRET-PERSON",
    "SECRET-FILE-CONTENT",
    "SECRET-ADDRESS",
    "sexual_orientation",
    "ethnicity",
)


class _Capture(logging.Handler):
    """Each record's message, and the record as production writes it (one JSON line, with
    the exception's stack: portal.observability.JsonFormatter), so the scan below covers
    both formats."""

    def __init__(self):
        from portal.observability import JsonFormatter

        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.json = JsonFormatter()

    def emit(self, record):
        try:
            self.lines.append(record.getMessage())
        except Exception:  # noqa: BLE001
            self.lines.append(str(record.msg))
        try:
            self.lines.append(self.json.format(record))
        except Exception as error:  # noqa: BLE001
            self.lines.append(f"JSON formatter failed: {type(error).__name__}")


@pytest.fixture(autouse=True)
def _no_confidential_data_leaks():
    """Scans what each test logged, mailed and handed to Celery for confidential words."""
    from celery.signals import before_task_publish, task_prerun
    from django.core import mail

    handler = _Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    tasks: list[str] = []

    def on_publish(sender=None, body=None, **kwargs):
        tasks.append(repr(body))

    def on_prerun(sender=None, args=None, kwargs=None, **extra):
        tasks.append(repr(args) + repr(kwargs))

    before_task_publish.connect(on_publish, weak=False)
    task_prerun.connect(on_prerun, weak=False)
    try:
        yield
    finally:
        root.removeHandler(handler)
        before_task_publish.disconnect(on_publish)
        task_prerun.disconnect(on_prerun)
    sources = {
        "log": handler.lines,
        "email": [
            m.subject + "\n" + m.body + "".join(str(a[0]) for a in getattr(m, "alternatives", []))
            for m in getattr(mail, "outbox", [])
        ],
        "Celery task arguments": tasks,
    }
    for where, texts in sources.items():
        for text in texts:
            for word in CONFIDENTIAL_SENTINELS:
                if word in text:
                    pytest.fail(f"Confidential text {word!r} leaked into a {where}: {text[:300]}")


@pytest.fixture(autouse=True)
def _forget_kept_rates():
    """The fee schedule kept in the process (membership.selectors) starts empty in each test."""
    from membership.selectors import forget_rates

    forget_rates()
    yield
    forget_rates()
