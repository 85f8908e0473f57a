"""`make run` prints the address, the demo logins, the requests and the console email:
nothing a newcomer has to learn to ignore (a broker warning and a "Task ... succeeded"
line for every in-process task, a hundred migrations, runserver's production warning)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import send_mail
from django.core.management import call_command

from portal.communications.models import Delivery, DeliveryStatus
from tests.accounts.test_site_url import run_environment

# A task run the way the demo runs them all (in-process), then a warning from the portal's
# own code to show that warnings still get through.
PROBE = """
import logging
import django
django.setup()
from celery import shared_task

@shared_task(name="probe.ping")
def ping(n):
    return n + 1

from portal.tasks import enqueue
assert enqueue("probe.ping", 1).get() == 2
logging.getLogger("portal.probe").info("an info line")
logging.getLogger("portal.probe").warning("a real warning")
"""


def run_under_make_run(code: str, *extra: str) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "LOG_LEVEL"}
    }
    environ.update(run_environment("PORT=8103", *extra), DJANGO_SETTINGS_MODULE="portal.settings")
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_an_in_process_task_prints_nothing_and_warnings_still_show():
    done = run_under_make_run(PROBE)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "WARNING portal.probe a real warning" in lines[0]


def test_more_detail_is_one_setting_away():
    done = run_under_make_run(PROBE, "LOG_LEVEL=INFO")
    assert "an info line" in done.stderr
    assert "No hostname" not in done.stderr
    assert "probe.ping" not in done.stderr


def test_make_run_migrates_quietly_and_hides_the_development_server_warning():
    plan = subprocess.run(
        ["make", "-n", "-s", "run", "PORT=8103"],  # noqa: S607
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    migrate = next(line for line in plan.splitlines() if "manage.py migrate" in line)
    assert "--verbosity 0" in migrate
    assert run_environment("PORT=8103")["DJANGO_RUNSERVER_HIDE_WARNING"] == "true"


# Committed as `make run` commits: each email goes out when its transaction commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_data_sends_its_emails_without_printing_them(settings, capsys):
    """The logins are the last thing seeding prints, not buried under the demo data's own
    hundred emails; those still go through the sending path (into memory)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = io.StringIO()

    call_command("seed_demo", "--url", "http://127.0.0.1:8103", stdout=out)

    printed = capsys.readouterr()
    assert "Subject:" not in printed.out + printed.err
    assert "Member portal: http://127.0.0.1:8103/" in out.getvalue()
    assert "member@demo.example" in out.getvalue()
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() >= 10
    assert len(mail.outbox) >= 10

    # Afterwards the console is where email goes again.
    send_mail("Verify your address", "Follow the link.", None, ["new@demo.example"])
    assert "Subject: Verify your address" in capsys.readouterr().out
