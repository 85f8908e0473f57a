"""Shared fixtures. The suite runs on real PostgreSQL and Redis: if either is not reachable
the run stops at once with the command that starts it, rather than skipping anything."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and TOTP replay protection live in Redis: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
