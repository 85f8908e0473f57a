#!/usr/bin/env python
"""Benchmark of member communications: one campaign to N seeded members (100,000 by
default) sent through a real Celery worker into Postfix's smtp-sink, next to a plain loop of
smtplib sends of the same messages over one reused connection into the same sink, measured
in the same run.

    .venv/bin/python bench/comms_bench.py [--members 100000] [--concurrency 2] [--batch 500]

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/portal_bench, created and migrated when missing) and
BENCH_REDIS_URL (default redis://127.0.0.1:6379/10, which it empties). smtp-sink is taken
from PATH, or from var/bench/communications/postfix, where the script unpacks Debian's
postfix package (`apt-get download postfix` + `dpkg -x`: nothing is installed) when it is
missing. Members are seeded once (bulk inserts) and reused by later runs. Results are
printed and written to var/bench/communications/result.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "communications"
SENDER = "Member portal <no-reply@portal.example>"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- smtp-sink -------------------------------------------------------------------------------


def smtp_sink_binary() -> tuple[Path, dict]:
    found = shutil.which("smtp-sink")
    if found:
        return Path(found), {}
    root = OUT / "postfix"
    binary = root / "usr" / "sbin" / "smtp-sink"
    if not binary.exists():
        log("smtp-sink not found: unpacking Debian's postfix package (nothing is installed)")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["apt-get", "download", "postfix"], cwd=tmp, check=True)  # noqa: S603, S607
            (deb,) = Path(tmp).glob("postfix_*.deb")
            root.mkdir(parents=True, exist_ok=True)
            subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)  # noqa: S603, S607
    return binary, {"LD_LIBRARY_PATH": str(root / "usr" / "lib" / "postfix")}


class Sink:
    def __init__(self):
        binary, env = smtp_sink_binary()
        self.port = free_port()
        self.out = OUT / "smtp-sink.out"
        args = [str(binary), "-c"]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        args += [f"127.0.0.1:{self.port}", "1024"]
        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
            args,
            env={**os.environ, **env},
            stdout=self.out.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise SystemExit(f"smtp-sink did not start: {self.out.read_text()[-500:]}")

    def received(self) -> int:
        """The sink's own running count of messages delivered to it."""
        counts = re.findall(r"mesg=(\d+)", self.out.read_text())
        return int(counts[-1]) if counts else 0

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)


# -- environment, database, seeding ----------------------------------------------------------


def _new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def configure(args, sink: Sink) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.comms_settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-" + "x" * 40),
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DEFAULT_FROM_EMAIL": SENDER,
        "SITE_URL": "https://portal.example",
        "COMMUNICATIONS_BATCH_SIZE": str(args.batch),
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or _new_key(),
    }
    os.environ.update(env)
    return env


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not exists.fetchone():
            log(f"creating database {db['NAME']}")
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def seed(n: int):
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from portal.accounts.choices import (
        Channel,
        CommunicationKind,
        EmployerKind,
        FeeBand,
        Hours,
        JobRole,
        MembershipStatus,
        Section,
    )
    from portal.accounts.models import ConsentState, Employer, Membership, Region, User

    employer, _ = Employer.objects.get_or_create(
        name="Benchmark Academy", town="Leeds", kind=EmployerKind.SCHOOL
    )
    have = Membership.objects.filter(employer=employer).count()
    if have >= n:
        log(f"{have} benchmark members already seeded")
        return employer
    region = Region.objects.get(slug="yorkshire-humber")
    log(f"seeding {n - have} members (bulk inserts)")
    unusable = make_password(None)
    started = time.perf_counter()
    step = 5000
    for start in range(have, n, step):
        stop = min(start + step, n)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"member{i}@bench.example",
                        first_name=f"Member{i}",
                        last_name="Bench",
                        password=unusable,  # nobody logs in as them
                    )
                    for i in range(start, stop)
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        user=u,
                        number=f"B{start + k:07d}",
                        status=MembershipStatus.ACTIVE,
                        employer=employer,
                        job_role=JobRole.TEACHER,
                        hours=Hours.FULL_TIME,
                        section=Section.TEACHERS,
                        fee_band=FeeBand.PROFESSIONAL_FULL,
                        workplace_postcode="LS1 1UR",
                        nation=region.nation,
                        region=region,
                    )
                    for k, u in enumerate(users)
                ]
            )
            ConsentState.objects.bulk_create(
                [
                    ConsentState(
                        user=u, kind=CommunicationKind.CAMPAIGN, channel=Channel.EMAIL, granted=True
                    )
                    for u in users
                ]
            )
    log(f"seeded in {time.perf_counter() - started:.1f}s")
    return employer


def analyze() -> None:
    """Fresh statistics for what was just bulk-loaded, as autovacuum would give them soon
    after: without them the planner hashes every consent row to check 25 deliveries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE accounts_user, accounts_membership, accounts_consentstate, "
            "communications_addressstatus, communications_delivery"
        )


def new_campaign(employer):
    from portal.accounts.models import User
    from portal.communications.models import Communication, Kind, Status

    author, _ = User.objects.get_or_create(
        email="bench-author@bench.example", defaults={"first_name": "Bench", "last_name": "A"}
    )
    approver, _ = User.objects.get_or_create(
        email="bench-approver@bench.example", defaults={"first_name": "Bench", "last_name": "B"}
    )
    Communication.objects.filter(created_by=author).delete()
    campaign = Communication.objects.create(
        kind=Kind.CAMPAIGN,
        subject="Pay campaign update for {first_name}",
        body=(
            "Dear {first_name},\n\nThe pay offer is **not enough**. Here is what we are doing, "
            "and how you can help.\n\n- Reply to the consultation\n- Talk to your rep\n\n"
            "Your membership number is {membership_number} ({section} section)."
        ),
        statuses=["active"],
        status=Status.APPROVED,
        created_by=author,
        approved_by=approver,
    )
    campaign.employers.set([employer])
    return campaign


# -- the two measurements --------------------------------------------------------------------


def start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    worker_log = OUT / "worker.log"
    proc = subprocess.Popen(  # noqa: S603 - our own arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            "comms-bench@%h",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=worker_log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the worker exited: {worker_log.read_text()[-2000:]}")
        if " ready." in worker_log.read_text():
            return proc
        time.sleep(0.2)
    raise SystemExit("the worker did not start")


def worker_memory(pid: int) -> dict:
    """Resident memory (VmRSS, MB) of the worker's main process and its pool after the send."""
    from bench.run import child_pids, rss_mb

    return {str(p): rss_mb(p) for p in [pid, *child_pids(pid)]}


def through_the_worker(campaign, n: int) -> dict:
    from portal.communications import services
    from portal.communications.models import Communication, Status
    from portal.communications.selectors import progress_for

    started = time.perf_counter()
    services.communication_start(communication=campaign)
    frozen = time.perf_counter() - started
    while True:
        time.sleep(0.25)
        c = Communication.objects.get(pk=campaign.pk)
        if c.status == Status.SENT:
            break
    elapsed = time.perf_counter() - started
    progress = progress_for(campaign)
    return {
        "messages": progress.sent,
        "failed": progress.failed,
        "seconds": round(elapsed, 2),
        "freeze_seconds": round(frozen, 2),
        "per_second": round(progress.sent / elapsed, 1),
    }


def plain_loop(campaign, sink: Sink, n: int) -> dict:
    """The same messages (built beforehand, not timed), sent by smtplib over one connection."""
    from portal.communications.models import Delivery
    from portal.communications.rendering import Composer, recipient_for

    composer = Composer(kind=campaign.kind, subject=campaign.subject, body=campaign.body)
    log(f"building {n} messages for the plain loop")
    messages = []
    rows = (
        Delivery.objects.filter(communication=campaign)
        .select_related("user__membership")
        .order_by("pk")[:n]
    )
    for d in rows.iterator(chunk_size=5000):
        message = composer.message_for(recipient_for(d))
        messages.append((d.email, message.message().as_bytes(linesep="\r\n")))
    log("sending them with smtplib over one connection")
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", sink.port)
    for to, data in messages:
        smtp.sendmail("no-reply@portal.example", [to], data)
    smtp.quit()
    elapsed = time.perf_counter() - started
    return {
        "messages": len(messages),
        "seconds": round(elapsed, 2),
        "per_second": round(len(messages) / elapsed, 1),
    }


def plain_loop_building(campaign, sink: Sink, n: int) -> dict:
    """The same loop, building each personalised message as it goes (no database marks, no
    Celery): what a simple one-process sender of this campaign would do."""
    from portal.communications.models import Delivery
    from portal.communications.rendering import Composer, recipient_for

    composer = Composer(kind=campaign.kind, subject=campaign.subject, body=campaign.body)
    rows = list(
        Delivery.objects.filter(communication=campaign)
        .select_related("user__membership")
        .order_by("pk")[:n]
    )
    log("sending them again with smtplib, building each message in the loop")
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", sink.port)
    for d in rows:
        data = composer.message_for(recipient_for(d)).message().as_bytes(linesep="\r\n")
        smtp.sendmail("no-reply@portal.example", [d.email], data)
    smtp.quit()
    elapsed = time.perf_counter() - started
    return {
        "messages": len(rows),
        "seconds": round(elapsed, 2),
        "per_second": round(len(rows) / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))

    sink = Sink()
    worker = None
    try:
        env = configure(args, sink)
        ensure_database(args.database_url)
        import django

        django.setup()
        import redis
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        redis.Redis.from_url(args.redis_url).flushdb()
        employer = seed(args.members)
        analyze()
        campaign = new_campaign(employer)
        worker = start_worker(env, args.concurrency)
        log(f"sending the campaign through the worker (concurrency {args.concurrency})")
        celery_result = through_the_worker(campaign, args.members)
        celery_result["worker_rss_mb"] = worker_memory(worker.pid)
        log(f"worker: {celery_result}")
        plain_result = plain_loop(campaign, sink, args.members)
        log(f"plain smtplib loop: {plain_result}")
        building_result = plain_loop_building(campaign, sink, args.members)
        log(f"plain smtplib loop, building each message: {building_result}")
        result = {
            "members": args.members,
            "concurrency": args.concurrency,
            "batch_size": args.batch,
            "cpus": os.cpu_count(),
            "through_worker": celery_result,
            "plain_smtplib_loop": plain_result,
            "plain_smtplib_loop_building_messages": building_result,
            "ratio": round(celery_result["per_second"] / plain_result["per_second"], 2),
            "ratio_to_loop_building_messages": round(
                celery_result["per_second"] / building_result["per_second"], 2
            ),
        }
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        sink.stop()
    result["smtp_sink_received"] = sink.received()
    (OUT / "result.json").write_text(json.dumps(result, indent=2))
    print()
    print(f"Campaign to {args.members} members, worker concurrency {args.concurrency}:")
    w, p = result["through_worker"], result["plain_smtplib_loop"]
    b = result["plain_smtplib_loop_building_messages"]
    rows = (
        ("Celery worker (records, marks, retries)", w),
        ("plain smtplib, messages prebuilt", p),
        ("plain smtplib, building each message", b),
    )
    for label, r in rows:
        rate = f"{r['per_second']:>8}/s"
        print(f"  {label:<40} {r['messages']:>7} in {r['seconds']:>7}s = {rate}")
    print(f"  ratio to the prebuilt loop           : {result['ratio']}")
    print(f"  ratio to the loop building messages  : {result['ratio_to_loop_building_messages']}")
    expected = w["messages"] + p["messages"] + b["messages"]
    print(f"  smtp-sink counted {result['smtp_sink_received']} messages (expected {expected})")
    if w["failed"]:
        print(f"  {w['failed']} failed")


if __name__ == "__main__":
    main()
