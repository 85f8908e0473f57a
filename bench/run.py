#!/usr/bin/env python
"""`make bench`: the portal at national-union scale, each figure divided by a reference
measured in the same run on the same server.

    .venv/bin/python -m bench.run [--scale 1] [--duration 8] [--runs 3] [--skip-comms]
    .venv/bin/python -m bench.run --growth [--scales 0.1,1,4]   # make bench-growth

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379, as
`make test` does, and wrk. Seeds the database once (portal_bench at scale 1,
portal_bench_scale<S> otherwise) and reuses it. Serves the portal with the production
settings (DEBUG off) under gunicorn pinned to CPU 0; wrk is pinned to CPU 1. Each scenario
and its reference run alternately, three times; the table shows medians. The table is also
written to bench/results/bench-<timestamp>.json (and latest.json), with the resident memory
of the web and Celery workers after each scenario. --growth times the member and officer
pages at several scales (bench/README.md, "How cost grows").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VAR = ROOT / "var" / "bench"
LUA = BENCH / "lua" / "portal.lua"
# Where bench/comms_bench.py writes its result (it has used both).
COMMS_RESULTS = [VAR / "communications" / "result.json", VAR / "communications.json"]
PG = "postgres://postgres@127.0.0.1:5432"
# BENCH_REDIS_URL, BENCH_PORT and BENCH_DATABASE let two benchmarks share a machine.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8021"))
SERVER_CPU = "0"
LOADGEN_CPU = "1"
CSRF = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret and token

# The server configurations compared (--compare-servers); the first is the one used.
SERVERS = {
    "gthread": ["--worker-class", "gthread", "--workers", "2", "--threads", "4"],
    "sync": ["--worker-class", "sync", "--workers", "3"],
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _months_ago(months: int) -> str:
    """The query string of the reports from `months` months ago to this month."""
    from django.utils import timezone

    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months
    return f"from={index // 12}-{index % 12 + 1:02d}&to={today:%Y-%m}"


def median(values):
    return statistics.median(values) if values else None


# -- environment -----------------------------------------------------------------------------


def database_name(scale: float) -> str:
    if os.environ.get("BENCH_DATABASE"):
        return os.environ["BENCH_DATABASE"]
    if scale == 1:
        return "portal_bench"
    return "portal_bench_scale" + f"{scale:g}".replace(".", "_")


def check_services() -> None:
    problems = []
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 5432)) != 0:
            problems.append(
                "PostgreSQL is not running on 127.0.0.1:5432: start it (e.g. "
                "`service postgresql start`, or `.ci/run` as for `make test`)."
            )
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 6379)) != 0:
            problems.append(
                "Redis is not running on 127.0.0.1:6379: start it with "
                "`redis-server --daemonize yes --save '' --appendonly no`."
            )
    if not shutil.which("wrk"):
        problems.append("wrk is missing: `apt-get install -y wrk` (make bench installs it).")
    if problems:
        raise SystemExit("\n".join(problems))


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def seeded_marker(name: str) -> dict | None:
    import psycopg

    from bench.seed import read_marker

    with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn, conn.cursor() as cur:
        return read_marker(cur)


def configure(scale: float, key: str) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.web_settings",
        "DEBUG": "0",
        "DEMO_MODE": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on the loopback: no TLS terminator in front of the benchmark.
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"{PG}/{database_name(scale)}",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench",
        "CONN_MAX_AGE": "600",
        "FIELD_ENCRYPTION_KEYS": key,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SITE_URL": "https://portal.example",
        "LOG_LEVEL": "WARNING",
        # Web processes that render missing PDFs on demand start their render worker at
        # boot (portal/pdf.py), as a deployment serving PDFs from its web processes should.
        "PDF_PRESTART": "1",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    return env


# -- processes -------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, kind: str, port: int = PORT, name: str = ""):
        self.kind = kind
        self.port = port
        log_path = VAR / f"gunicorn-{name or kind}.log"
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
            [  # noqa: S607 - taskset and wrk from PATH
                "taskset",
                "-c",
                SERVER_CPU,
                str(Path(sys.executable).parent / "gunicorn"),
                "portal.wsgi",
                "--bind",
                f"{HOST}:{port}",
                *SERVERS[kind],
                "--backlog",
                "512",
                "--keep-alive",
                "5",
                "--access-logfile",
                "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited: {log_path.read_text()}")
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/_bench/constant/", timeout=5)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        else:
            self.stop()
            raise SystemExit("gunicorn did not start")
        self.settle()

    def settle(self, timeout: float = 40) -> None:
        """Wait until the server and what it started (the PDF render workers that each web
        process starts with PDF_PRESTART) have stopped using CPU: their start-up must not
        land in the first scenario."""
        deadline = time.time() + timeout
        last = _tree_cpu_seconds(self.proc.pid)
        while time.time() < deadline:
            time.sleep(0.5)
            now = _tree_cpu_seconds(self.proc.pid)
            if now - last < 0.03:
                return
            last = now

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def memory(self) -> dict:
        """Resident memory of the web workers (the master's children), in MB."""
        return {str(pid): rss_mb(pid) for pid in child_pids(self.proc.pid)}


class Worker:
    """The Celery worker that takes what the case submissions enqueue."""

    def __init__(self, env: dict):
        self.log_path = VAR / "worker.log"
        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
            [  # noqa: S607 - taskset and wrk from PATH
                "taskset",
                "-c",
                LOADGEN_CPU,
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                "bench@%h",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def memory(self) -> dict:
        """Resident memory of the Celery worker: the main process and its pool, in MB."""
        pids = [self.proc.pid, *child_pids(self.proc.pid)]
        return {str(pid): rss_mb(pid) for pid in pids}


def child_pids(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    return sorted(set(children))


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and all its descendants."""
    total, todo, seen = 0.0, [pid], set()
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        todo += child_pids(p)
    return total


def rss_mb(pid: int) -> float | None:
    """VmRSS from /proc/<pid>/status, in MB (None once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


# -- load ------------------------------------------------------------------------------------


@dataclass
class Load:
    """One wrk configuration: what to request and what status a success is."""

    paths: list[str]
    method: str = "GET"
    cookies: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    expect: int = 200
    connections: int = 8
    port: int = PORT


def wrk(load: Load, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, lines in (
            ("paths", load.paths),
            ("cookies", load.cookies),
            ("bodies", load.bodies),
        ):
            path = Path(tmp) / name
            path.write_text("\n".join(lines) + "\n" if lines else "")
            files[name] = str(path) if lines else ""
        env = {
            **os.environ,
            "BENCH_METHOD": load.method,
            "BENCH_PATHS": files["paths"],
            "BENCH_COOKIES": files["cookies"],
            "BENCH_BODIES": files["bodies"],
            "BENCH_EXPECT": str(load.expect),
        }
        out = subprocess.run(  # noqa: S603 - our own arguments
            [  # noqa: S607 - taskset and wrk from PATH
                "taskset",
                "-c",
                LOADGEN_CPU,
                "wrk",
                "-t1",
                f"-c{load.connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                str(LUA),
                f"http://{HOST}:{load.port}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = [x for x in out.splitlines() if x.startswith("{")][-1]
    result = json.loads(line)
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0
    return result


# -- the benchmark ---------------------------------------------------------------------------


class Bench:
    def __init__(self, args, env: dict):
        self.args = args
        self.env = env
        self.rows: list[dict] = []
        self.floor_p95: float | None = None
        self.server: Server | None = None
        self.worker: Worker | None = None
        self.memory: list[dict] = []

    # Rows of the table.
    def row(self, scenario, figure, reference, ratio, goal, passed, detail=None):
        row = {
            "scenario": scenario,
            "figure": figure,
            "reference": reference,
            "ratio": ratio,
            "goal": goal,
            "pass": passed,
            "detail": detail or {},
        }
        self.rows.append(row)
        mark = "PASS" if passed else ("FAIL" if passed is False else "-")
        log(f"  {scenario}: {figure} | {reference} | {ratio} | {goal} | {mark}")

    def pair(self, name, load, ref_load, *, warm=True, min_seconds=0):
        """The scenario and its reference, alternately, `runs` times; medians."""
        seconds = max(self.args.duration, min_seconds)
        if warm:
            wrk(load, 1)
            wrk(ref_load, 1)
        a, b = [], []
        for _ in range(self.args.runs):
            a.append(wrk(load, seconds))
            b.append(wrk(ref_load, seconds))
        for label, results in ((name, a), ("reference", b)):
            bad = sum(r["bad"] + r["socket_errors"] for r in results)
            if bad:
                log(
                    f"  warning: {label}: {bad} unexpected responses "
                    f"(last status {results[-1]['last_bad_status']})"
                )
        return _summary(a), _summary(b)

    # Sessions and request bodies.
    def sessions(self, emails: list[str], copies: int = 1) -> list[str]:
        from django.conf import settings
        from django.test import Client

        from portal.accounts.models import User

        cookies = []
        for email in emails:
            user = User.objects.get(email=email)
            for _ in range(copies):
                client = Client()
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
                key = client.cookies[settings.SESSION_COOKIE_NAME].value
                cookies.append(
                    f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={CSRF}"
                )
        return cookies

    def csrf_only(self) -> str:
        from django.conf import settings

        return f"{settings.CSRF_COOKIE_NAME}={CSRF}"

    # -- scenarios -------------------------------------------------------------------------

    def forget_sessions(self):
        """Sessions of the bench's own accounts from earlier runs (made with another
        SECRET_KEY): allauth looks at every session of a user at each login, so they would
        make later runs slower than earlier ones."""
        from allauth.usersessions.models import UserSession
        from django.contrib.sessions.models import Session

        from bench.seed import LOGIN_USERS, OFFICER_DOMAIN, member_email

        emails = [member_email(i) for i in range(LOGIN_USERS)] + [f"manager@{OFFICER_DOMAIN}"]
        old = UserSession.objects.filter(user__email__in=emails)
        Session.objects.filter(session_key__in=old.values("session_key")).delete()
        old.delete()

    def bureau(self):
        """The Bacs bureau's collection file and ARUDD import, in-process
        (bench/bureau_bench.py)."""
        from bench import bureau_bench

        bureau_bench.run(self.args.scale, self.args.runs, self.row)

    def run(self):
        from bench.seed import LOGIN_USERS, OFFICER_DOMAIN, member_email

        self.forget_sessions()

        members = [member_email(i) for i in range(min(LOGIN_USERS, 32))]
        self.member_cookies = self.sessions(members)
        self.officer_cookies = self.sessions([f"manager@{OFFICER_DOMAIN}"], copies=4)
        self.constant_member = Load(["/_bench/constant/member/"], cookies=self.member_cookies)
        self.constant_post = Load(
            ["/_bench/constant/post/"],
            method="POST",
            cookies=self.member_cookies,
            bodies=[f"csrfmiddlewaretoken={CSRF}&x=1"],
            expect=302,
        )
        self.started_at = time.time()
        scenarios = [
            ("member dashboard", self.dashboard),
            ("member dashboard, Welsh", self.dashboard_welsh),
            ("case submit", self.case_submit),
            ("admin triage queue", self.triage),
            ("admin case change page", self.case_change_page),
            ("search", self.search),
            ("reports page", self.reports_page),
            ("standards page", self.standards_page),
            ("standards PDF", self.standards_pdf),
            ("consultation response", self.consultation_response),
            ("ballot vote", self.ballot_vote),
            ("login", self.login),
            ("bureau files and reports", self.bureau),
            ("event booking", self.event_booking),
            ("events list", self.events_list),
        ]
        self.warm_up()
        only = set(self.args.only or [])
        for name, scenario in scenarios:
            if only and not any(o in name for o in only):
                continue
            log(f"scenario: {name}")
            first_row = len(self.rows)
            try:
                scenario()
            except Exception as error:  # noqa: BLE001 - one broken scenario must not stop the rest
                log(f"  ERROR in {name}: {error!r}")
                self.row(name, "error", "", "", "", False, {"error": repr(error)[:500]})
            sample = self.sample_memory(name)
            for row in self.rows[first_row:]:
                row["detail"]["memory_mb_after"] = sample
        self.memory_rows()

    # -- memory ----------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Every kind of page and form, four at a time for a second, and one PDF, before the
        first scenario: the memory sampled after it is the baseline (the code of every page
        loaded, every thread used), so that the memory row sees growth, not first imports."""
        from casework.models import Case
        from standards.models import Document

        case = Case.objects.filter(reference__startswith="CW-").order_by("pk").first()
        doc = Document.objects.filter(slug__startswith="scale-standard-").order_by("slug").first()
        officers, members = self.officer_cookies, self.member_cookies[:4]
        loads = [
            Load(["/me/"], cookies=members, connections=4),
            Load(["/cases/"], cookies=members, connections=4),
            Load(["/consultations/"], cookies=members, connections=4),
            Load([self._queue_url(1)], cookies=officers, connections=4),
            Load([self._triage_url(1)], cookies=officers, connections=4),
            Load([f"/admin/casework/case/{case.pk}/change/"], cookies=officers, connections=4),
            Load([f"/standards/{doc.slug}/"], connections=4),
            Load(["/standards/?q=safeguarding"], connections=4),
        ]
        loads += [self.constant_post, self.case_submit_load(), self.consultation_load()[0]]
        loads += list(self.login_loads())
        for load in loads:
            wrk(load, 1)
        # One PDF, of an edition the PDF scenario does not render.
        last = Document.objects.filter(slug__startswith="scale-standard-").order_by("-slug")[0]
        with urllib.request.urlopen(  # noqa: S310 - our own server
            f"http://{HOST}:{PORT}/standards/{last.slug}/pdf/", timeout=120
        ) as r:
            r.read()
        self.sample_memory("warm-up (every kind of page, 4 at a time)")

    def sample_memory(self, scenario: str) -> dict:
        sample = {
            "scenario": scenario,
            "web_workers": self.server.memory() if self.server else {},
            "celery_worker": self.worker.memory() if self.worker else {},
        }
        self.memory.append(sample)
        web = [v for v in sample["web_workers"].values() if v is not None]
        celery = [v for v in sample["celery_worker"].values() if v is not None]
        log(
            f"  memory after {scenario}: web workers {', '.join(f'{v:.0f}' for v in web)} MB; "
            f"Celery worker {', '.join(f'{v:.0f}' for v in celery)} MB"
        )
        return sample

    def memory_rows(self) -> None:
        """Summary rows: the web workers steady under 200 MB and not growing across the run
        (after the last scenario at most 10% above after the first), the Celery worker."""
        samples = [m for m in self.memory if m["web_workers"]]
        if not samples:
            return
        peaks = [max(v for v in m["web_workers"].values() if v is not None) for m in samples]
        first, last, top = peaks[0], peaks[-1], max(peaks)
        baseline = samples[0]["scenario"]
        growth = last / first - 1 if first else 0.0
        per_scenario = {m["scenario"]: m["web_workers"] for m in samples}
        restarted = len({pid for m in samples for pid in m["web_workers"]}) > len(
            samples[0]["web_workers"]
        )
        self.row(
            "web worker memory (gunicorn, RSS)",
            f"largest {top:.0f} MB; {first:.0f} MB after the warm-up, "
            f"{last:.0f} MB after the last scenario ({growth:+.0%})",
            f"{len(samples[0]['web_workers'])} workers sampled after the warm-up and each of "
            f"{len(samples) - 1} scenarios" + ("; a worker was replaced" if restarted else ""),
            round(1 + growth, 2),
            "< 200 MB; growth after the warm-up <= 10%",
            top < 200 and growth <= 0.10,
            {"per_scenario": per_scenario, "peaks_mb": peaks, "baseline": baseline},
        )
        celery = [
            sum(v for v in m["celery_worker"].values() if v is not None)
            for m in self.memory
            if m["celery_worker"]
        ]
        if celery:
            self.row(
                "Celery worker memory (main + pool, RSS)",
                f"largest {max(celery):.0f} MB; {celery[0]:.0f} MB after the warm-up, "
                f"{celery[-1]:.0f} MB after the last scenario",
                "-",
                "-",
                "reported",
                None,
                {"per_scenario": {m["scenario"]: m["celery_worker"] for m in self.memory}},
            )

    def dashboard(self):
        load = Load(["/me/"], cookies=self.member_cookies)
        page, ref = self.pair("dashboard", load, self.constant_member)
        self.floor_p95 = ref["p95_ms"]
        ratio = page["rps"] / ref["rps"]
        # Its SQL, as for the officers' pages: a member's page that reads a whole large
        # table grows with the union, whatever its ratio at this scale.
        from bench.seed import member_email

        sql = self.page_sql("/me/", officer=False, member=member_email(0))
        problems = [f"seq scan of {t}" for t in sql["seq_scans"]] + (
            [f"slowest query {sql['max_ms']:.1f} ms"] if sql["max_ms"] > 10 else []
        )
        self.row(
            "member dashboard GET, logged in",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms; SQL {sql['ms']:.1f} ms "
            f"in {sql['queries']} queries (slowest {sql['max_ms']:.1f} ms)",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (constant view)"
            + (f"; {'; '.join(problems)}" if problems else ""),
            round(ratio, 2),
            ">= 0.5x; every query indexed",
            ratio >= 0.5 and not problems,
            {"page": page, "reference": ref, "sql": sql},
        )

    def dashboard_welsh(self):
        """The dashboard at /cy/me/ for members of the same kind who chose Welsh (the other
        half of the bench's login members), against the English dashboard in the same run."""
        from bench.seed import LOGIN_USERS, member_email
        from portal.accounts.models import User

        emails = [member_email(i) for i in range(32, min(LOGIN_USERS, 64))]
        welsh = User.objects.filter(email__in=emails)
        welsh.update(language="cy")
        try:
            cookies = self.sessions(emails)
            load = Load(["/cy/me/"], cookies=cookies)
            english = Load(["/me/"], cookies=self.member_cookies)
            page, ref = self.pair("dashboard, Welsh", load, english)
        finally:
            welsh.update(language="")
        ratio = page["rps"] / ref["rps"]
        self.row(
            "member dashboard GET, logged in, Welsh (/cy/me/)",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (English dashboard)",
            round(ratio, 2),
            ">= 0.9x (within 10% of the English dashboard)",
            ratio >= 0.9,
            {"page": page, "reference": ref},
        )

    def case_submit(self):
        load = self.case_submit_load()
        page, ref = self.pair("case submit", load, self.constant_post)
        ratio = page["rps"] / ref["rps"]
        self.row(
            "case submit POST (with enqueue)",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (constant POST)",
            round(ratio, 2),
            ">= 0.35x",
            ratio >= 0.35,
            {"page": page, "reference": ref},
        )

    def case_submit_load(self) -> Load:
        from portal.accounts.models import Employer

        employer = Employer.objects.filter(name__startswith="Scale School").order_by("pk").first()
        body = _form(
            {
                "csrfmiddlewaretoken": CSRF,
                "action": "submit",
                "category": "pay",
                "employer": employer.label,
                "what_happened": "I have not been paid for the extra hours I covered this term "
                "although the business manager promised it in writing.",
                "desired_outcome": "To be paid what I am owed.",
                "problem_started_on": "2026-01-12",
            }
        )
        return Load(
            ["/cases/new/"], method="POST", cookies=self.member_cookies, bodies=[body], expect=302
        )

    def _triage_url(self, page: int) -> str:
        return (
            "/admin/casework/case/?open=open&section__exact=teachers&priority__exact=normal"
            f"&q=son&p={page}"
        )

    def _queue_url(self, page: int) -> str:
        return "/admin/casework/case/" + (f"?p={page}" if page > 1 else "")

    # A smaller set than _triage_url's: the same filters narrowed to urgent leadership cases.
    SMALL_QUEUE_URL = (
        "/admin/casework/case/?open=open&section__exact=leadership&priority__exact=urgent&q=son"
    )

    def _queue_pages(self, url: str) -> int:
        """How many pages of cases match url (counted in full: the queue's own paginator
        stops counting after a few pages), so that "page 50" stays a page that exists at
        small scales."""
        from django.test import Client

        from bench.seed import OFFICER_DOMAIN
        from portal.accounts.models import User

        client = Client()
        client.force_login(
            User.objects.get(email=f"manager@{OFFICER_DOMAIN}"),
            backend="django.contrib.auth.backends.ModelBackend",
        )
        response = client.get(url)
        try:
            cl = response.context_data["cl"]
            return max(1, -(-cl.queryset.count() // cl.list_per_page))
        except (AttributeError, KeyError, TypeError, ValueError):
            return 50

    def triage(self):
        """The officers' queue, default view and 3 filters + search, pages 1 and 50, one
        officer and four, each against the constant view with the same officer sessions
        and connections; its SQL indexed, no query over 10 ms, the query count constant."""
        views = [("default view", self._queue_url), ("3 filters + search", self._triage_url)]
        counts = {}
        for view, make_url in views:
            last = self._queue_pages(make_url(1))
            for page in (1, min(50, last)) if last > 1 else (1,):
                url = make_url(page)
                sql = self.page_sql(url, officer=True)
                counts[f"{view}, page {page}"] = sql["queries"]
                problems = (
                    [f"seq scan of {t}" for t in sql["seq_scans"]]
                    + [f"search filtered row by row on {t}" for t in sql["unindexed_search"]]
                    + ([f"slowest query {sql['max_ms']:.1f} ms"] if sql["max_ms"] > 10 else [])
                )
                for conc in (1, 4):
                    cookies = self.officer_cookies[:conc]
                    load = Load([url], cookies=cookies, connections=conc)
                    ref = Load(["/_bench/constant/member/"], cookies=cookies, connections=conc)
                    s, r = self.pair(f"queue {view} p{page} x{conc}", load, ref)
                    ratio = s["rps"] / r["rps"] if r["rps"] else 0.0
                    who = f"{conc} officer" + ("s" if conc > 1 else "")
                    self.row(
                        f"officers' queue, {view}, page {page}, {who}",
                        f"{s['rps']:.1f} req/s, p95 {s['p95_ms']:.1f} ms; SQL "
                        f"{sql['ms']:.1f} ms in {sql['queries']} queries "
                        f"(slowest {sql['max_ms']:.1f} ms)",
                        f"{r['rps']:.0f} req/s (constant view, same officers)"
                        + (f"; {'; '.join(problems)}" if problems else ""),
                        round(ratio, 2),
                        ">= 0.3x; every query indexed; slowest <= 10 ms",
                        ratio >= 0.3 and not problems,
                        {"load": s, "reference": r, "sql": sql, "url": url},
                    )
        small = self.page_sql(self.SMALL_QUEUE_URL, officer=True, explain=False)
        counts["3 filters + search, smaller set, page 1"] = small["queries"]
        self.row(
            "officers' queue, queries per page",
            "; ".join(f"{k}: {v}" for k, v in counts.items()),
            "-",
            "-",
            "the same count on every page; the smaller set no more",
            len({v for k, v in counts.items() if "smaller" not in k}) == 1
            and small["queries"] <= max(counts.values()),
            {"counts": counts, "small_url": self.SMALL_QUEUE_URL},
        )

    def case_change_page(self):
        from django.conf import settings
        from django.db import connection
        from django.db.models import Count
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from bench.seed import OFFICER_DOMAIN
        from casework.models import Case
        from portal.accounts.models import User

        manager = User.objects.get(email=f"manager@{OFFICER_DOMAIN}")
        client = Client()
        client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
        few = (
            Case.objects.annotate(n=Count("events")).filter(n=5, reference__startswith="CW-")
        ).first()
        many = (
            Case.objects.annotate(n=Count("events")).filter(n=15, reference__startswith="CW-")
        ).first()
        measured = {}
        for label, case in (("5 events", few), ("15 events", many)):
            url = f"/admin/casework/case/{case.pk}/change/"
            client.get(url)
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            # Read now: every request start empties the query log.
            queries = len(ctx.captured_queries)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            started = time.perf_counter()
            for _ in range(5):
                client.get(url)
            measured[label] = {
                "queries": queries,
                "bytes": len(response.content),
                "ms": (time.perf_counter() - started) / 5 * 1000,
            }
        a, b = measured["5 events"], measured["15 events"]
        kb = max(a["bytes"], b["bytes"]) / 1024
        # Its SQL, as for the queue: a page that scans a large table grows with the union.
        sql = self.page_sql(f"/admin/casework/case/{many.pk}/change/", officer=True)
        scans = sql["seq_scans"] + [f"row by row on {t}" for t in sql["unindexed_search"]]
        self.row(
            "admin case change page",
            f"{a['queries']} / {b['queries']} queries (5 / 15 events), {kb:.0f} KB; "
            f"SQL {sql['ms']:.1f} ms, slowest {sql['max_ms']:.1f} ms"
            + (f"; scans {', '.join(scans)}" if scans else ""),
            "-",
            "-",
            "constant queries; < 200 KB; every query indexed",
            a["queries"] == b["queries"] and kb < 200 and not scans,
            {
                "measured": measured,
                "sql": {k: v for k, v in sql.items() if k != "selects"},
                "session_cookie": settings.SESSION_COOKIE_NAME,
            },
        )

    def page_sql(
        self,
        url: str,
        *,
        officer: bool,
        explain: bool = True,
        expect: int = 200,
        member: str | None = None,
    ) -> dict:
        """The SELECTs a page runs (captured in this process with the same settings), their
        EXPLAIN ANALYZE time summed (median of three), the slowest, and any sequential scan
        of a large table."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from bench.seed import OFFICER_DOMAIN
        from portal.accounts.models import User

        client = Client()
        if officer or member:
            user = User.objects.get(email=member or f"manager@{OFFICER_DOMAIN}")
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.get(url)
        connection.queries_log.clear()
        # The SQL of a fresh render: not a page this process keeps for anonymous visitors.
        from standards.page_cache import clear_local

        clear_local()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        if response.status_code != expect:
            raise RuntimeError(f"{url} answered {response.status_code}")
        selects = [_select_of(q["sql"]) for q in ctx.captured_queries]
        selects = [sql for sql in selects if sql]
        totals, maxes, seq_scans, unindexed = [], [], set(), set()
        big = (
            "casework_case",
            "casework_caseevent",
            "accounts_user",
            "accounts_membership",
            "standards_edition",
            "consultations_answer",
            "consultations_response",
        )
        with connection.cursor() as cur:
            for _ in range(3 if explain else 0):
                total, slowest = 0.0, 0.0
                for sql in selects:
                    cur.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
                    plan = cur.fetchone()[0]
                    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                    ms = plan["Execution Time"] + plan["Planning Time"]
                    total += ms
                    slowest = max(slowest, ms)
                    seq_scans |= {t for t in _seq_scans(plan["Plan"]) if t in big}
                    unindexed |= set(_row_by_row_search(plan["Plan"]))
                totals.append(total)
                maxes.append(slowest)
        return {
            "ms": median(totals),
            "max_ms": median(maxes),
            "queries": len(ctx.captured_queries),
            "selects": selects,
            "seq_scans": sorted(seq_scans),
            "unindexed_search": sorted(unindexed),
        }

    def psql_ms(self, selects: list[str], repeat: int = 5) -> float:
        """The same SQL through psql with \\timing: the median of the summed times."""
        script = "\\timing on\n" + "".join(s.rstrip(";") + ";\n" for s in selects) * repeat
        out = subprocess.run(  # noqa: S603 - our own arguments
            ["psql", "-X", "-q", "-o", "/dev/null", os.environ["DATABASE_URL"]],  # noqa: S607
            input=script,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        times = [float(x.split()[1]) for x in out.splitlines() if x.startswith("Time:")]
        n = len(selects)
        sums = [sum(times[i * n : (i + 1) * n]) for i in range(repeat)]
        return median(sums[1:]) if len(sums) > 1 else sums[0]

    def search_surname(self) -> str:
        """The last name of a seeded member, searched for by the name searches."""
        from portal.accounts.models import User

        return User.objects.filter(email__endswith="@scale.example").order_by("pk")[7].last_name

    def search_urls(self) -> list[tuple[str, str, bool]]:
        """(label, url, as an officer) of the three searches: a case reference in the middle
        of the table, the last name of a seeded member, two words of standards text."""
        from casework.models import Case

        reference = (
            Case.objects.filter(reference__startswith="CW-")
            .order_by("pk")
            .values_list("reference", flat=True)[Case.objects.count() // 2]
        )
        name = self.search_surname()
        # A whole reference opens the case: the search answers with its address (302).
        return [
            ("cases by reference", f"/admin/casework/case/?q={reference}", True, 302),
            ("cases by member name", f"/admin/casework/case/?q={name.lower()}", True, 200),
            ("standards by text", "/standards/?q=safeguarding+reviewed", False, 200),
        ]

    def search(self):
        cases = self.search_urls()
        # The framework's own floor for one request at a time: the constant view.
        floors = {}
        for officer in (True, False):
            cookies = self.officer_cookies[:1] if officer else []
            path = "/_bench/constant/member/" if officer else "/_bench/constant/"
            load = Load([path], cookies=cookies, connections=1)
            wrk(load, 1)
            runs = [wrk(load, self.args.duration) for _ in range(self.args.runs)]
            floors[officer] = _summary(runs)["p95_ms"]
        for label, url, officer, expect in cases:
            sql = self.page_sql(url, officer=officer, expect=expect)
            psql = self.psql_ms(sql["selects"])
            cookies = self.officer_cookies[:1] if officer else []
            load = Load([url], cookies=cookies, connections=1, expect=expect)
            wrk(load, 1)
            s = _summary([wrk(load, self.args.duration) for _ in range(self.args.runs)])
            floor = floors[officer]
            problems = [f"seq scan of {t}" for t in sql["seq_scans"]] + [
                f"search filtered row by row on {t}" for t in sql["unindexed_search"]
            ]
            indexed = not problems
            ok = indexed and s["p95_ms"] <= 2 * psql + floor
            self.row(
                f"search: {label}",
                f"p95 {s['p95_ms']:.1f} ms (one request at a time)",
                f"psql {psql:.1f} ms for the page's {len(sql['selects'])} SELECTs; "
                f"constant view p95 {floor:.1f} ms"
                + (f"; {'; '.join(problems)}" if problems else ""),
                round(s["p95_ms"] / psql, 1) if psql else None,
                "indexed; <= 2x SQL + constant-view p95",
                ok,
                {"load": s, "psql_ms": psql, "sql": sql, "floor_p95_ms": floor, "url": url},
            )

    def reports_page(self):
        """The casework service reports (/admin/casework/reports/) over every case, for a
        manager: the last 12 months by default, and 36 months. Its reference is the SQL time
        of the same queries through psql; goal: the page within 3x its SQL."""
        for label, url in (
            ("last 12 months", "/admin/casework/reports/"),
            ("36 months", "/admin/casework/reports/?" + _months_ago(35)),
        ):
            sql = self.page_sql(url, officer=True)
            psql = self.psql_ms(sql["selects"])
            load = Load([url], cookies=self.officer_cookies[:1], connections=1)
            wrk(load, 1)
            s = _summary([wrk(load, self.args.duration) for _ in range(self.args.runs)])
            ratio = round(s["p95_ms"] / psql, 2) if psql else None
            self.row(
                f"reports page: {label}",
                f"p95 {s['p95_ms']:.1f} ms (one request at a time), {sql['queries']} queries",
                f"psql {psql:.1f} ms for the page's {len(sql['selects'])} SELECTs",
                ratio,
                "<= 3x its SQL",
                ratio is not None and ratio <= 3,
                {"load": s, "psql_ms": psql, "sql": sql, "url": url},
            )

    def standards_page(self):
        from standards.models import Document

        slugs = list(
            Document.objects.filter(slug__startswith="scale-standard-")
            .order_by("slug")
            .values_list("slug", flat=True)[:50]
        )
        load = Load([f"/standards/{s}/" for s in slugs])
        ref = Load(["/_bench/constant/"])
        page, reference = self.pair("standards page", load, ref)
        ratio = page["rps"] / reference["rps"]
        self.row(
            "standards page (anonymous)",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{reference['rps']:.0f} req/s (constant view, anonymous)",
            round(ratio, 2),
            ">= 0.8x",
            ratio >= 0.8,
            {"page": page, "reference": reference},
        )

    def standards_pdf(self):
        from django.test.utils import override_settings

        from portal.pdf import html_to_pdf
        from portal.pdf_worker import WARM_UP as PDF_WARM_UP
        from standards.models import Edition, EditionPDF
        from standards.pdf import edition_pdf_html

        editions = list(
            Edition.objects.filter(
                status="published", document__slug__startswith="scale-standard-"
            ).select_related("document")[: self.args.pdfs]
        )
        # Warm-up, as for every other row: one first render of another edition, so that the
        # server's processes are up (their PDF render workers started) before timing.
        warm = (
            Edition.objects.filter(status="published", document__slug__startswith="scale-standard-")
            .exclude(pk__in=[e.pk for e in editions])
            .select_related("document")
            .first()
        )
        if warm is not None:
            EditionPDF.objects.filter(edition=warm).delete()
            with urllib.request.urlopen(  # noqa: S310 - our own server
                f"http://{HOST}:{PORT}/standards/{warm.document.slug}/pdf/", timeout=120
            ) as r:
                r.read()
        portal_rates, weasy_rates, pages_seen = [], [], 0
        for _ in range(self.args.runs):
            EditionPDF.objects.filter(edition__in=editions).delete()
            started = time.perf_counter()
            for e in editions:
                with urllib.request.urlopen(  # noqa: S310 - our own server
                    f"http://{HOST}:{PORT}/standards/{e.document.slug}/pdf/", timeout=120
                ) as r:
                    r.read()
            elapsed = time.perf_counter() - started
            pages = sum(
                EditionPDF.objects.filter(edition__in=editions).values_list("pages", flat=True)
            )
            portal_rates.append(pages / elapsed)
            pages_seen = pages
            # WeasyPrint alone on the same HTML, on the server's core, the server idle.
            htmls = [edition_pdf_html(e) for e in editions]
            # In this process (not through the portal's render workers), fonts warmed
            # once as a worker warms them when it starts.
            before = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {int(SERVER_CPU)})
            try:
                with override_settings(PDF_RENDER_ISOLATED=False):
                    html_to_pdf(PDF_WARM_UP)
                    started = time.perf_counter()
                    for html in htmls:
                        html_to_pdf(html)
                    elapsed = time.perf_counter() - started
            finally:
                os.sched_setaffinity(0, before)
            weasy_rates.append(pages / elapsed)
        page, ref = median(portal_rates), median(weasy_rates)
        ratio = page / ref
        self.row(
            "standards PDF, first render",
            f"{page:.1f} pages/s ({len(editions)} editions, {pages_seen} pages)",
            f"{ref:.1f} pages/s (WeasyPrint alone, same HTML)",
            round(ratio, 2),
            ">= 0.8x",
            ratio >= 0.8,
            {"portal": portal_rates, "weasyprint": weasy_rates},
        )

    def consultation_load(self) -> tuple[Load, int]:
        from consultations.models import Consultation, Question

        consultation = Consultation.objects.filter(slug__startswith="scale-consultation-").order_by(
            "slug"
        )[0]
        fields = {"csrfmiddlewaretoken": CSRF, "action": "submit", "quote_consent": "anonymous"}
        questions = Question.objects.filter(consultation=consultation).order_by("order")
        items = list(fields.items())
        for q in questions:
            name = f"q{q.pk}"
            if q.kind in ("short_text", "long_text"):
                items.append((name, "More time for planning would help most."))
            elif q.kind == "multiple_choice":
                items += [(name, "Workload"), (name, "Wellbeing")]
            else:
                items.append((name, q.option_list[0]))
        body = _form(items)
        load = Load(
            [consultation.get_absolute_url()],
            method="POST",
            cookies=self.member_cookies,
            bodies=[body],
            expect=302,
        )
        return load, len(questions)

    def consultation_response(self):
        load, n_questions = self.consultation_load()
        page, ref = self.pair("consultation response", load, self.constant_post)
        ratio = page["rps"] / ref["rps"]
        self.row(
            f"consultation response POST ({n_questions} answers)",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (constant POST)",
            round(ratio, 2),
            ">= 0.35x",
            ratio >= 0.35,
            {"page": page, "reference": ref},
        )

    # -- ballots (issue 17) -----------------------------------------------------------------

    BALLOT_ELECTORS = 100_000

    def ballot_setup(self):
        """A bench ballot of up to 100,000 electors (the first active members after the
        login users), opened as `ballots.services` opens one: electors and tallies by
        INSERT … SELECT; marked as told, so that no notices are sent during the bench.
        Each vote needs a voter who has not voted: every run gets fresh sessions."""
        from datetime import timedelta

        from django.db import connection
        from django.utils import timezone

        from ballots import services as ballot_services
        from ballots.models import Ballot, BallotStatus, Elector
        from bench.seed import LOGIN_USERS, OFFICER_DOMAIN
        from portal.accounts.models import Membership, User

        question = "Bench: do you support the pay claim?"
        ballot = Ballot.objects.filter(question=question).first()
        if ballot is None:
            officer = User.objects.get(email=f"manager@{OFFICER_DOMAIN}")
            now = timezone.now()
            ballot = ballot_services.ballot_save(
                ballot=Ballot(
                    question=question,
                    audience="everyone",
                    opens_at=now,
                    closes_at=now + timedelta(days=3650),
                ),
                by=officer,
                options=["Yes", "No"],
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {Elector._meta.db_table} (ballot_id, user_id, workplace_id, "  # noqa: S608
                    f"notified) SELECT %s, m.user_id, m.workplace_id, true FROM "
                    f"{Membership._meta.db_table} m WHERE m.status = 'active' ORDER BY m.user_id "
                    f"OFFSET %s LIMIT %s",
                    [ballot.pk, LOGIN_USERS, self.BALLOT_ELECTORS],
                )
            ballot_services._create_tallies(ballot)
            Ballot.objects.filter(pk=ballot.pk).update(
                status=BallotStatus.OPEN,
                opened_at=now,
                electorate=Elector.objects.filter(ballot=ballot).count(),
            )
            ballot.refresh_from_db()
        return ballot

    def ballot_voters(self, ballot, count: int) -> list[str]:
        """Session cookies of `count` electors who have not voted yet."""
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        from ballots.models import Elector, Participation
        from portal.accounts.models import User

        voted = Participation.objects.filter(ballot=ballot).values("user_id")
        ids = (
            Elector.objects.filter(ballot=ballot)
            .exclude(user_id__in=voted)
            .exclude(user_id__in=self.ballot_used)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:count]
        )
        from allauth.usersessions.models import UserSession
        from django.utils import timezone

        cookies, known = [], []
        for user in User.objects.filter(pk__in=list(ids)):
            self.ballot_used.add(user.pk)
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            # As the ballot page's GET just before the vote leaves the session (the session
            # limits' clock, the throttle of allauth's session record): a member votes from
            # the page they opened, so the vote is not the session's first request.
            opened = int(time.time())
            store["portal.started"] = store["portal.seen"] = opened
            store["portal.usersession"] = [opened, "127.0.0.1", ""]
            store.create()
            self.ballot_sessions.append(store.session_key)
            # As a login records it (allauth), so that the vote is not the session's first
            # request of all: a member votes in a session they logged in with.
            known.append(
                UserSession(
                    user=user,
                    session_key=store.session_key,
                    ip="127.0.0.1",
                    user_agent="",
                    created_at=timezone.now(),
                    last_seen_at=timezone.now(),
                )
            )
            cookies.append(
                f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
                f"{settings.CSRF_COOKIE_NAME}={CSRF}"
            )
        UserSession.objects.bulk_create(known)
        return cookies

    def ballot_vote(self):
        from allauth.usersessions.models import UserSession
        from django.contrib.sessions.models import Session

        from ballots.models import Participation, Tally

        ballot = self.ballot_setup()
        option = ballot.options.order_by("position").first()
        body = _form({"csrfmiddlewaretoken": CSRF, "choice": option.pk})
        self.ballot_used: set[int] = set()
        self.ballot_sessions: list[str] = []
        seconds = self.args.duration

        def load(n):
            return Load(
                [ballot.get_absolute_url()],
                method="POST",
                cookies=self.ballot_voters(ballot, n),
                bodies=[body],
                expect=302,  # to the receipt page, like every form of the portal
            )

        first = wrk(load(3000), 1)  # warm-up, and how many voters a run needs
        need = int(first["rps"] * seconds * 1.6) + 200
        page_runs, ref_runs = [], []
        try:
            for _ in range(self.args.runs):
                page_runs.append(wrk(load(need), seconds))
                ref_runs.append(wrk(self.constant_post, seconds))
        finally:
            UserSession.objects.filter(session_key__in=self.ballot_sessions).delete()
            Session.objects.filter(session_key__in=self.ballot_sessions).delete()
        page, ref = _summary(page_runs), _summary(ref_runs)
        if page["bad"]:
            log(f"  warning: ballot vote: {page['bad']} unexpected responses")
        votes = sum(
            Tally.objects.filter(ballot=ballot, workplace=None).values_list("votes", flat=True)
        )
        voters = Participation.objects.filter(ballot=ballot).count()
        ratio = page["rps"] / ref["rps"]
        self.row(
            f"ballot vote POST (electorate {ballot.electorate:,})",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (constant POST)",
            round(ratio, 2),
            ">= 0.35x",
            ratio >= 0.35 and votes == voters and not page["bad"],
            {"page": page, "reference": ref, "votes": votes, "participations": voters},
        )

    def _bench_events(self, run: int, count: int) -> list[str]:
        """`count` fresh future events (no audience condition, room for everyone), so that
        each run's bookings are new ones: a member books each event once."""
        from datetime import timedelta

        from django.utils import timezone

        from events.models import Event

        now = timezone.now()
        prefix = f"bench-{int(time.time())}-{run}-"
        Event.objects.bulk_create(
            Event(
                slug=f"{prefix}{i}",
                title=f"Bench course {i}",
                kind="course",
                summary="A bench course.",
                venue="Bench hall",
                starts_at=now + timedelta(days=30),
                ends_at=now + timedelta(days=30, hours=6),
                booking_opens_at=now - timedelta(days=1),
                booking_closes_at=now + timedelta(days=29),
                capacity=500,
            )
            for i in range(count)
        )
        return [f"/events/{prefix}{i}/" for i in range(count)]

    def event_booking(self):
        """Booking a place through the event page (lock, place number, confirmation notice
        queued with its calendar) against the constant POST. Each run books fresh events:
        32 members x 1,001 events (coprime, so every pair comes once) per run."""
        body = _form({"csrfmiddlewaretoken": CSRF, "action": "book", "dietary": ""})

        def load(run):
            return Load(
                self._bench_events(run, 1001),
                method="POST",
                cookies=self.member_cookies,
                bodies=[body],
                expect=302,
            )

        seconds = self.args.duration
        wrk(load(0), 1)
        wrk(self.constant_post, 1)
        a, b = [], []
        for run in range(1, self.args.runs + 1):
            a.append(wrk(load(run), seconds))
            b.append(wrk(self.constant_post, seconds))
        bad = sum(r["bad"] + r["socket_errors"] for r in a)
        if bad:
            log(f"  warning: event booking: {bad} unexpected responses")
        page, ref = _summary(a), _summary(b)
        ratio = page["rps"] / ref["rps"]
        self.row(
            "event booking POST (a place, through the page)",
            f"{page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (constant POST)",
            round(ratio, 2),
            ">= 0.35x",
            ratio >= 0.35 and not bad,
            {"page": page, "reference": ref, "bad": bad},
        )

    def events_list(self):
        """The members' events list with at least 1,000 future events: queries per page
        (in-process, the same database), and its speed against the constant view."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from bench.seed import member_email
        from events.models import Event
        from portal.accounts.models import User

        if Event.objects.filter(slug__startswith="bench-").count() < 1000:
            self._bench_events(99, 1000)
        client = Client()
        client.force_login(User.objects.get(email=member_email(0)))
        client.get("/events/")
        with CaptureQueriesContext(connection) as queries:
            status = client.get("/events/").status_code
        n = len(queries)
        load = Load(
            ["/events/", "/events/?page=2", "/events/?kind=course"], cookies=self.member_cookies
        )
        page, ref = self.pair("events list", load, self.constant_member)
        self.row(
            "events list GET (1,000+ future events)",
            f"{n} queries; {page['rps']:.0f} req/s, p95 {page['p95_ms']:.1f} ms",
            f"{ref['rps']:.0f} req/s, p95 {ref['p95_ms']:.1f} ms (constant view)",
            n,
            "<= 10 queries",
            status == 200 and n <= 10,
            {"page": page, "reference": ref, "queries": n},
        )

    def login_loads(self) -> tuple[Load, Load]:
        from bench.seed import BENCH_PASSWORD, LOGIN_USERS, member_email

        bodies = [
            _form(
                {
                    "csrfmiddlewaretoken": CSRF,
                    "login": member_email(i),
                    "password": BENCH_PASSWORD,
                }
            )
            for i in range(LOGIN_USERS)
        ]
        cookie = [self.csrf_only()]
        load = Load(
            ["/accounts/login/"],
            method="POST",
            cookies=cookie,
            bodies=bodies,
            expect=302,
            connections=4,
        )
        ref = Load(
            ["/_bench/hasher/"],
            method="POST",
            cookies=cookie,
            bodies=[_form({"csrfmiddlewaretoken": CSRF, "password": BENCH_PASSWORD})],
            expect=302,
            connections=4,
        )
        return load, ref

    def login(self):
        load, ref = self.login_loads()
        # A login costs about a quarter of a second of CPU: measure long enough that one login
        # more or less in a run moves the ratio by little (about 80 per run, not 40).
        page, reference = self.pair("login", load, ref, min_seconds=20)
        ratio = page["rps"] / reference["rps"]
        self.row(
            "login",
            f"{page['rps']:.1f} logins/s, p95 {page['p95_ms']:.0f} ms",
            f"{reference['rps']:.1f} checks/s (PBKDF2 alone, same processes)",
            round(ratio, 2),
            ">= 0.85x",
            ratio >= 0.85,
            {"page": page, "reference": reference},
        )

    def growth_pages(self) -> dict:
        """The pages `make bench-growth` times at every scale: {name: {url, cookie, who}}.
        The case change page is of a case with ten timeline entries in the middle of the
        table, so that every scale shows a case of the same size."""
        from django.db.models import Count

        from bench.seed import OFFICER_DOMAIN, member_email
        from casework.models import Case, CaseEvent

        self.forget_sessions()
        member = self.sessions([member_email(0)])[0]
        officer = self.sessions([f"manager@{OFFICER_DOMAIN}"])[0]
        middle = Case.objects.filter(reference__startswith="CW-").order_by("pk")
        ids = list(middle.values_list("pk", flat=True)[middle.count() // 2 :][:300])
        case_id = (
            CaseEvent.objects.filter(case_id__in=ids)
            .values("case_id")
            .annotate(n=Count("id"))
            .filter(n=10)
            .order_by("case_id")
            .values_list("case_id", flat=True)
            .first()
        ) or ids[0]
        pages = {
            "member dashboard": ("/me/", member, "member"),
            "officers' queue, default view, page 1": (self._queue_url(1), officer, "officer"),
            "officers' queue, 3 filters + search, page 1": (
                self._triage_url(1),
                officer,
                "officer",
            ),
        }
        for label, url, as_officer, expect in self.search_urls():
            pages[f"search: {label}"] = (
                url,
                officer if as_officer else "",
                "officer" if as_officer else "anonymous",
                expect,
            )
        pages["admin case change page (10 entries)"] = (
            f"/admin/casework/case/{case_id}/change/",
            officer,
            "officer",
        )
        # Staff finding a member by name (the memberships list's search), and the member's
        # own list of cases: pages that read a whole table grow with the union.
        name = self.search_surname()
        pages["admin: memberships, search by member name"] = (
            f"/admin/accounts/membership/?q={name.lower()}",
            officer,
            "officer",
        )
        pages["member's own cases (/cases/)"] = ("/cases/", member, "member")
        return {
            k: {"url": u, "cookie": c, "who": w, "expect": e[0] if e else 200}
            for k, (u, c, w, *e) in pages.items()
        }

    def cleanup(self):
        """What the POST scenarios added: the cases the bench members submitted in this run
        and the sessions of this run, so that the seeded data stays the same size."""
        import datetime as dt

        from django.utils import timezone

        from bench.seed import LOGIN_USERS, member_email
        from casework.models import Case

        since = timezone.now() - dt.timedelta(seconds=time.time() - self.started_at + 60)
        emails = [member_email(i) for i in range(LOGIN_USERS)]
        try:
            deleted = Case.objects.filter(member__email__in=emails, created_at__gte=since).delete()
            log(f"removed what this run submitted: {deleted[1]}")
        except Exception as error:  # noqa: BLE001 - report and go on
            log(f"could not remove this run's cases: {error!r}")
        self.forget_sessions()


def _summary(results: list[dict]) -> dict:
    return {
        "rps": median([r["rps"] for r in results]),
        "p50_ms": median([r["p50_ms"] for r in results]),
        "p95_ms": median([r["p95_ms"] for r in results]),
        "p99_ms": median([r["p99_ms"] for r in results]),
        "bad": sum(r["bad"] + r["socket_errors"] for r in results),
        "runs": results,
    }


def _form(items) -> str:
    from urllib.parse import urlencode

    return urlencode(list(items.items()) if isinstance(items, dict) else items)


def _row_by_row_search(plan: dict):
    """Tables whose text-search condition (LIKE or full-text) is checked row by row, as a
    filter, rather than looked up in an index."""
    for key in ("Filter", "Join Filter"):
        condition = plan.get(key, "")
        if "~~" in condition or "to_tsvector" in condition or "@@" in condition:
            yield plan.get("Relation Name") or plan.get("Node Type")
    for child in plan.get("Plans", []):
        yield from _row_by_row_search(child)


def _seq_scans(plan: dict):
    if plan.get("Node Type") == "Seq Scan":
        yield plan.get("Relation Name")
    for child in plan.get("Plans", []):
        yield from _seq_scans(child)


# -- communications (the other developer's benchmark, called as it is) ------------------------


def comms_row(args, env: dict) -> dict:
    script = BENCH / "comms_bench.py"
    scenario = "bulk send of one campaign through the Celery worker"
    if not script.exists():
        return _missing(scenario, "bench/comms_bench.py does not exist")
    members = max(1000, round(100_000 * args.scale))
    for out in COMMS_RESULTS:
        out.unlink(missing_ok=True)
    log(f"scenario: bulk send ({members} members, bench/comms_bench.py)")
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603 - our own arguments
        [
            sys.executable,
            str(script),
            "--members",
            str(members),
            "--database-url",
            env["DATABASE_URL"],
            "--redis-url",
            REDIS_URL,
        ],
        cwd=ROOT,
        env={**os.environ, "FIELD_ENCRYPTION_KEYS": env["FIELD_ENCRYPTION_KEYS"]},
        capture_output=True,
        text=True,
        timeout=30 * 60,
    )
    (VAR / "comms_bench.log").write_text(proc.stdout + proc.stderr)
    found = [out for out in COMMS_RESULTS if out.exists()]
    if proc.returncode != 0 or not found:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        return _missing(scenario, f"comms_bench.py failed ({proc.returncode}): {' | '.join(tail)}")
    row = comms_row_from(json.loads(found[0].read_text()))
    row["detail"]["wall_seconds"] = round(time.perf_counter() - started, 1)
    return row


def comms_row_from(result: dict) -> dict:
    members = result["members"]
    worker, plain = result["through_worker"], result["plain_smtplib_loop"]
    ratio = worker["per_second"] / plain["per_second"]
    limit = 240 * members / 100_000
    rss = [v for v in (worker.get("worker_rss_mb") or {}).values() if v is not None]
    memory = f"; worker {sum(rss):.0f} MB RSS after the send" if rss else ""
    return {
        "scenario": f"bulk send of one campaign to {members} members (Celery worker)",
        "figure": f"{worker['per_second']:.0f} messages/s ({worker['seconds']:.0f} s){memory}",
        "reference": f"{plain['per_second']:.0f} messages/s (plain smtplib loop, smtp-sink)",
        "ratio": round(ratio, 2),
        "goal": f">= 0.7x; {members} in < {limit:.0f} s",
        "pass": ratio >= 0.7 and worker["seconds"] < limit,
        "detail": result,
    }


def _missing(scenario: str, why: str) -> dict:
    log(f"  {scenario}: missing ({why})")
    return {
        "scenario": scenario,
        "figure": "missing",
        "reference": "",
        "ratio": "",
        "goal": ">= 0.7x; 100,000 in < 4 min",
        "pass": None,
        "detail": {"missing": why},
    }


# -- output ----------------------------------------------------------------------------------


def print_table(rows: list[dict]) -> str:
    headers = ["scenario", "figure", "reference", "ratio", "goal", "result"]
    lines = []
    data = [
        [
            r["scenario"],
            r["figure"],
            r["reference"],
            "" if r["ratio"] in (None, "") else str(r["ratio"]),
            r["goal"],
            {True: "pass", False: "FAIL", None: "n/a"}[r["pass"]],
        ]
        for r in rows
    ]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("| " + " | ".join("---" for _ in headers) + " |")
    for d in data:
        lines.append("| " + " | ".join(d) + " |")
    table = "\n".join(lines)
    print()
    print(table)
    print()
    return table


def compare_servers(env: dict, bench: Bench) -> dict:
    """gunicorn sync workers against gthread on the member dashboard and its reference."""
    out = {}
    for kind in SERVERS:
        server = Server(env, kind)
        try:
            page, ref = bench.pair(
                f"dashboard ({kind})",
                Load(["/me/"], cookies=bench.member_cookies),
                bench.constant_member,
            )
            out[kind] = {
                "dashboard_rps": page["rps"],
                "dashboard_p95_ms": page["p95_ms"],
                "constant_rps": ref["rps"],
            }
            log(
                f"  {kind}: dashboard {page['rps']:.0f} req/s p95 {page['p95_ms']:.1f} ms; "
                f"constant {ref['rps']:.0f} req/s"
            )
        finally:
            server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "1")))
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdfs", type=int, default=None, help="editions rendered per run")
    parser.add_argument("--server", choices=sorted(SERVERS), default="gthread")
    parser.add_argument("--compare-servers", action="store_true")
    parser.add_argument("--skip-comms", action="store_true")
    parser.add_argument("--only", action="append", help="run only scenarios containing this")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    parser.add_argument(
        "--growth",
        action="store_true",
        help="time the member and officer pages at several scales (make bench-growth)",
    )
    parser.add_argument("--scales", default="0.1,1,4", help="the scales --growth compares")
    parser.add_argument("--growth-prepare", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument(
        "--merge-comms",
        action="store_true",
        help="put the last result of bench/comms_bench.py into bench/results/latest.json",
    )
    args = parser.parse_args()
    if args.merge_comms:
        merge_comms()
        return
    if args.growth:
        growth(args)
        return
    if args.duration is None:
        args.duration = 8 if args.scale >= 1 else 3
    if args.pdfs is None:
        args.pdfs = 5 if args.scale >= 1 else 3
    VAR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    check_services()
    began = time.perf_counter()

    name = database_name(args.scale)
    ensure_database(name)
    marker = seeded_marker(name)
    key = marker["field_key"] if marker else _new_key()
    env = configure(args.scale, key)

    import django

    django.setup()
    from django.core.management import call_command

    log(f"database {name}: migrating")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    if marker is None:
        from bench import seed

        if _has_partial_seed():
            raise SystemExit(
                f"{name} holds part of an interrupted seed: drop it (dropdb -h 127.0.0.1 "
                f"-U postgres {name}) and run again."
            )
        marker = seed.seed(args.scale)
    else:
        log(f"reusing the seeded database ({marker['counts']})")
    if args.seed_only:
        return
    if args.growth_prepare:
        pages = Bench(args, env).growth_pages()
        Path(args.growth_prepare).write_text(
            json.dumps(
                {
                    "scale": args.scale,
                    "database": name,
                    "seed": {k: v for k, v in marker.items() if k != "field_key"},
                    "env": env,
                    "pages": pages,
                }
            )
        )
        return

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    bench = Bench(args, env)
    worker = Worker(env)
    bench.worker = worker
    server = None
    comparison = None
    try:
        if args.compare_servers:
            from bench.seed import LOGIN_USERS, member_email

            bench.member_cookies = bench.sessions(
                [member_email(i) for i in range(min(LOGIN_USERS, 32))]
            )
            bench.constant_member = Load(["/_bench/constant/member/"], cookies=bench.member_cookies)
            log("comparing gunicorn configurations")
            comparison = compare_servers(env, bench)
        server = Server(env, args.server)
        bench.server = server
        log(f"gunicorn {args.server} ({' '.join(SERVERS[args.server])}) on CPU {SERVER_CPU}")
        bench.run()
    finally:
        if server is not None:
            server.stop()
        worker.stop()
        try:
            bench.cleanup()
        except Exception as error:  # noqa: BLE001
            log(f"cleanup: {error!r}")
    if not args.skip_comms and not args.only:
        bench.rows.append(comms_row(args, env))
    table = print_table(bench.rows)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    report = {
        "scale": args.scale,
        "database": name,
        "seed": {k: v for k, v in marker.items() if k != "field_key"},
        "server": {"kind": args.server, "args": SERVERS[args.server], "cpu": SERVER_CPU},
        "load_generator": {"tool": "wrk", "cpu": LOADGEN_CPU},
        "runs": args.runs,
        "duration_s": args.duration,
        "server_comparison": comparison,
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - began, 1),
        "rows": bench.rows,
        "table": table,
    }
    text = json.dumps(report, indent=2, default=str)
    (RESULTS / f"bench-{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    log(f"written to bench/results/bench-{stamp}.json in {report['seconds']} s")


# -- growth: the same pages at several scales ------------------------------------------------

GROWTH_LIMIT = 1.3  # p95 at the largest scale over p95 at SCALE=1


def _select_of(sql: str) -> str | None:
    """The SELECT a captured query runs: itself, or the one a server-side cursor declares
    (Django iterates form choices through `DECLARE ... CURSOR ... FOR SELECT`)."""
    sql = sql.lstrip()
    if sql.startswith("DECLARE"):
        sql = sql[sql.index(" FOR ") + len(" FOR ") :]
    return sql if sql.startswith("SELECT") else None


def growth(args) -> None:
    """`make bench-growth`: seeds any missing scale, serves each scale's database from its
    own gunicorn (same settings, CPU 0, one at a time under load), and times every page one
    request at a time for the same seconds, the scales taking turns in each run. Prints p95
    per scale and checks the largest scale against SCALE=1."""
    scales = [float(x) for x in args.scales.split(",")]
    seconds = args.duration or 5
    VAR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    check_services()
    began = time.perf_counter()
    child_env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE"}
    if "BENCH_DATABASE" in os.environ:
        log("BENCH_DATABASE is ignored by --growth: each scale uses its own database")
    prepared = {}
    for scale in scales:
        path = VAR / f"growth-{scale:g}.json"
        path.unlink(missing_ok=True)
        log(f"SCALE={scale:g}: seeding if needed, sessions and pages")
        subprocess.run(  # noqa: S603 - our own arguments
            [sys.executable, "-m", "bench.run", "--scale", str(scale), "--growth-prepare", path],
            cwd=ROOT,
            env=child_env,
            check=True,
        )
        prepared[scale] = json.loads(path.read_text())
        path.unlink()
        # Each scale its own cache keys: the servers share the benchmark's Redis database.
        prepared[scale]["env"]["CACHE_KEY_PREFIX"] = f"bench-growth-{scale:g}"
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    servers = {}
    timings: dict[str, dict[float, list[dict]]] = {}
    memory = {}
    try:
        for k, scale in enumerate(scales):
            servers[scale] = Server(
                prepared[scale]["env"], args.server, port=PORT + k, name=f"growth-{scale:g}"
            )

        def load(scale, page):
            return Load(
                [page["url"]],
                cookies=[page["cookie"]] if page["cookie"] else [],
                connections=1,
                port=servers[scale].port,
                expect=page.get("expect", 200),
            )

        for scale in scales:
            for page in prepared[scale]["pages"].values():
                wrk(load(scale, page), 1)
        for n in range(args.runs):
            order = scales[n % len(scales) :] + scales[: n % len(scales)]
            for scale in order:
                log(f"run {n + 1}/{args.runs}: SCALE={scale:g}")
                for name, page in prepared[scale]["pages"].items():
                    result = wrk(load(scale, page), seconds)
                    if result["bad"] + result["socket_errors"]:
                        log(
                            f"  warning: {name} at SCALE={scale:g}: unexpected responses "
                            f"(last status {result['last_bad_status']})"
                        )
                    timings.setdefault(name, {}).setdefault(scale, []).append(result)
        memory = {f"{scale:g}": servers[scale].memory() for scale in scales}
    finally:
        for server in servers.values():
            server.stop()
    pages = []
    top = max(scales)
    base = 1.0 if 1.0 in scales and top > 1.0 else min(scales)
    for name, by_scale in timings.items():
        summary = {f"{sc:g}": _summary(runs) for sc, runs in by_scale.items()}
        p95 = {sc: summary[f"{sc:g}"]["p95_ms"] for sc in by_scale}
        ratio = p95[top] / p95[base] if p95.get(base) else None
        pages.append(
            {
                "page": name,
                "who": prepared[base]["pages"][name]["who"],
                "p95_ms": {f"{sc:g}": round(v, 1) for sc, v in p95.items()},
                "ratio": round(ratio, 2) if ratio else None,
                "goal": f"p95 at SCALE={top:g} <= {GROWTH_LIMIT}x SCALE={base:g}",
                "pass": ratio is not None and ratio <= GROWTH_LIMIT,
                "urls": {f"{sc:g}": prepared[sc]["pages"][name]["url"] for sc in scales},
                "detail": summary,
            }
        )
    table = growth_table(pages, scales, base, top)
    print()
    print(table)
    print()
    report = {
        "scales": scales,
        "seeds": {f"{sc:g}": prepared[sc]["seed"] for sc in scales},
        "databases": {f"{sc:g}": prepared[sc]["database"] for sc in scales},
        "server": {"kind": args.server, "args": SERVERS[args.server], "cpu": SERVER_CPU},
        "connections": 1,
        "runs": args.runs,
        "duration_s": seconds,
        "limit": GROWTH_LIMIT,
        "pass": all(p["pass"] for p in pages),
        "web_worker_memory_mb": memory,
        "seconds": round(time.perf_counter() - began, 1),
        "pages": pages,
        "table": table,
    }
    text = json.dumps(report, indent=2, default=str)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"growth-{stamp}.json").write_text(text)
    (RESULTS / "growth-latest.json").write_text(text)
    (BENCH / "growth.svg").write_text(growth_svg(pages, scales, prepared))
    log(f"written to bench/results/growth-latest.json and bench/growth.svg ({report['seconds']} s)")


def growth_table(pages: list[dict], scales: list[float], base: float, top: float) -> str:
    headers = ["page", *[f"p95 SCALE={sc:g}" for sc in scales], f"{top:g} / {base:g}", "result"]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    for p in pages:
        cells = [p["page"]]
        cells += [f"{p['p95_ms'][f'{sc:g}']:.1f} ms" for sc in scales]
        cells += ["" if p["ratio"] is None else f"{p['ratio']:.2f}x"]
        cells += ["pass" if p["pass"] else "FAIL"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth_svg(pages: list[dict], scales: list[float], prepared: dict) -> str:
    """p95 per page against the scale, as plain SVG: one line per page."""
    from xml.sax.saxutils import escape

    width, height, left, right, top_pad, bottom = 980, 440, 70, 400, 40, 70
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    highest = max(v for p in pages for v in p["p95_ms"].values()) or 1.0
    step = next(
        s
        for s in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10**9)
        if highest * 1.05 / s <= 6
    )
    ticks = int(highest * 1.05 // step) + 1
    y_max = step * ticks
    colours = ["#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
    inset = 70

    def x(k):
        span = plot_w - 2 * inset
        return left + inset + (span * k / (len(scales) - 1) if len(scales) > 1 else span / 2)

    def y(v):
        return top_pad + plot_h - plot_h * v / y_max

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="15">p95 per page, one request at a time, '
        "by scale (make bench-growth)</text>",
    ]
    for i in range(ticks + 1):
        v = step * i
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#ddd"/>'
        )
        out.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f} ms</text>')
    for k, sc in enumerate(scales):
        members = prepared[sc]["seed"].get("counts", {}).get("members")
        out.append(
            f'<text x="{x(k):.1f}" y="{top_pad + plot_h + 20}" text-anchor="middle">'
            f"SCALE={sc:g}</text>"
        )
        if members:
            out.append(
                f'<text x="{x(k):.1f}" y="{top_pad + plot_h + 36}" text-anchor="middle" '
                f'fill="#555">{members:,} members</text>'
            )
    for n, p in enumerate(pages):
        colour = colours[n % len(colours)]
        points = [(x(k), y(p["p95_ms"][f"{sc:g}"])) for k, sc in enumerate(scales)]
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
            + " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
            + '"/>'
        )
        out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}"/>' for a, b in points]
        ly = top_pad + 10 + n * 20
        lx = left + plot_w + 20
        mark = "" if p["pass"] else " (over the limit)"
        out.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            'stroke-width="3"/>'
        )
        out.append(f'<text x="{lx + 24}" y="{ly + 4}">{escape(p["page"] + mark)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def merge_comms() -> None:
    latest = RESULTS / "latest.json"
    report = json.loads(latest.read_text())
    found = [out for out in COMMS_RESULTS if out.exists()]
    if not found:
        raise SystemExit("No result of bench/comms_bench.py to merge.")
    row = comms_row_from(json.loads(found[0].read_text()))
    rows = [r for r in report["rows"] if not r["scenario"].startswith("bulk send")]
    report["rows"] = [*rows, row]
    report["table"] = print_table(report["rows"])
    text = json.dumps(report, indent=2, default=str)
    latest.write_text(text)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"bench-{stamp}-merged.json").write_text(text)


def _new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _has_partial_seed() -> bool:
    from django.db import connection

    from bench.seed import EMAIL_DOMAIN

    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM accounts_user WHERE email = %s LIMIT 1", [f"m0@{EMAIL_DOMAIN}"])
        return cur.fetchone() is not None


if __name__ == "__main__":
    main()
