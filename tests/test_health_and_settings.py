"""Health endpoint, production settings, the demo data command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.accounts.demo import ACCOUNTS
from portal.accounts.models import Membership, User

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_cache_and_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # check the real broker, as production does
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "antivirus": "not configured",
    }


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_down(client, settings):
    from portal.celery import app

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz/")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["cache"] == "down" and body["broker"] == "down"
    assert "127.0.0.1" not in response.content.decode(), "no connection details leak"


def run_manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        ALLOWED_HOSTS="portal.example",
        SECURE_SSL_REDIRECT="",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_shared_cache():
    result = run_manage(
        "check", DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="portal.example", REDIS_URL=""
    )
    assert result.returncode != 0
    assert "REDIS_URL must be set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="0", SECRET_KEY="", ALLOWED_HOSTS="portal.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates(settings, capsys):
    call_command("seed_demo")
    users, members = User.objects.count(), Membership.objects.count()
    call_command("seed_demo")
    assert (User.objects.count(), Membership.objects.count()) == (users, members)
    out = capsys.readouterr().out
    for account in ACCOUNTS:
        assert account.email in out
    assert "Demo password (every demo account): Union-demo-2026" in out


@pytest.mark.django_db
def test_demo_data_refuses_a_production_database(settings):
    from django.core.management.base import CommandError

    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()
