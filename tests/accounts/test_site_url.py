"""The demo's links (emails, unsubscribe addresses, PDFs) point at the address `make run`
serves on, whatever PORT is given."""

import os
import shlex
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import django; django.setup();"
    "from django.conf import settings;"
    "from portal.communications.rendering import absolute_url;"
    "print(settings.SITE_URL); print(absolute_url('/unsubscribe/x/'))"
)


def run_environment(*make_args: str) -> dict[str, str]:
    """The environment `make run` gives the demo server (read from `make -n`)."""
    plan = subprocess.run(  # noqa: S603
        ["make", "-n", "-s", "run", *make_args],  # noqa: S607
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in plan.splitlines() if "runserver" in line)
    words = shlex.split(line)
    values = {}
    for word in words[words.index("env") + 1 :]:
        if word == "-u":
            continue
        if "=" not in word:
            if word.startswith("-") or word.isupper():
                continue
            break
        name, value = word.split("=", 1)
        values[name] = value
    return values


def site_url_under(values: dict[str, str]) -> list[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "HOST", "PORT", "DATABASE_URL", "REDIS_URL"}
    }
    environ.update(values, DJANGO_SETTINGS_MODULE="portal.settings")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_make_run_on_another_port_makes_links_to_that_port():
    values = run_environment("PORT=8123")
    assert values.get("PORT") == "8123"
    site, unsubscribe = site_url_under(values)
    assert site == "http://127.0.0.1:8123"
    assert unsubscribe == "http://127.0.0.1:8123/unsubscribe/x/"


def test_make_run_on_every_interface_links_to_localhost():
    site, _ = site_url_under(run_environment("HOST=0.0.0.0", "PORT=9001"))
    assert site == "http://localhost:9001"


def test_an_explicit_site_url_wins_and_production_ignores_host_and_port():
    values = run_environment("PORT=8123")
    assert site_url_under({**values, "SITE_URL": "https://portal.example"})[0] == (
        "https://portal.example"
    )
    production = {
        "DEBUG": "0",
        "DEMO_MODE": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "portal.example",
        "PORT": "8123",
        "REDIS_URL": "redis://127.0.0.1:6379/5",
        "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS[0],
    }
    assert site_url_under(production)[0] == "http://127.0.0.1:8000"
