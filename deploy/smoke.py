"""`make smoke`: the production shape as processes on this machine, driven like a member
and officers would, then stopped.

Starts a throwaway PostgreSQL primary and a streaming replica (pg_basebackup), PgBouncer in
transaction mode in front of both, Redis, a local SMTP sink, gunicorn with DEBUG=0 and
production settings, a Celery worker and beat, and nginx with a self-signed certificate
(deploy/nginx.conf with this machine's paths and ports). Then: migrate, seed the demo
accounts, log in as a member through nginx over TLS, send a case, check the officers'
notice, send a campaign through the worker to the sink, read the casework report (which
reads from the replica) and read /metrics before and after. Each step prints ok or FAIL;
everything is stopped at the end, also after a failure. Exit status 0 only when every step
passed.
"""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import html
import http.cookiejar
import os
import re
import secrets
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy import processes  # noqa: E402

BIN = Path(sys.executable).parent
# Ports tried first (another free one is taken when one is busy).
PORTS = {
    "http": 8110,
    "https": 8111,
    "gunicorn": 8112,
    "pgbouncer": 8113,
    "redis": 8114,
    "smtp": 8115,
    "primary": 55433,
    "replica": 55434,
}
MEMBER = "member@demo.example"
MANAGER = "case-manager@demo.example"
CAMPAIGN_SUBJECT = "Have your say: the SEND consultation closes soon"


class StepFailed(Exception):
    pass


class Smoke:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="portal-smoke-"))
        self.folder.chmod(0o777)
        self.procs: dict[str, subprocess.Popen] = {}
        self.clusters = []
        self.results: list[tuple[str, bool]] = []
        self.sink = None
        self.ports = {name: processes.pick_port(port) for name, port in PORTS.items()}

    # -- reporting -------------------------------------------------------------------------

    def step(self, name: str, func, *args):
        started = time.monotonic()
        try:
            detail = func(*args)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then we go on
            print(f"FAIL  {name}: {error}", flush=True)
            if not isinstance(error, StepFailed):
                traceback.print_exc(limit=3)
            self.results.append((name, False))
            return None
        took = time.monotonic() - started
        print(f"ok    {name}" + (f": {detail}" if detail else "") + f" ({took:.1f} s)", flush=True)
        self.results.append((name, True))
        return detail

    # -- services --------------------------------------------------------------------------

    def check_tools(self):
        needed = {
            "pgbouncer": "pgbouncer",
            "nginx": "nginx",
            "openssl": "openssl",
            "redis-server": "redis-server",
        }
        missing = [pkg for tool, pkg in needed.items() if not shutil.which(tool)]
        if not (processes.pg_bin() / "pg_basebackup").exists():
            missing.append("postgresql")
        if missing:
            raise StepFailed("missing Debian packages: " + " ".join(missing) + " (make smoke-deps)")
        return None

    def start_databases(self):
        primary, replica = processes.make_primary_and_replica(
            self.folder / "pg", self.ports["primary"], self.ports["replica"]
        )
        self.clusters = [replica, primary]
        self.primary, self.replica = primary, replica
        primary.psql("CREATE DATABASE portal")
        processes.wait_replayed(primary, replica)
        if replica.psql("SELECT pg_is_in_recovery()") != "t":
            raise StepFailed("the replica is not a standby")
        return f"primary :{primary.port}, streaming replica :{replica.port}"

    def start_pgbouncer(self):
        self.procs["pgbouncer"] = processes.start_pgbouncer(
            self.folder / "pgbouncer",
            self.ports["pgbouncer"],
            {
                "portal": (self.primary.port, "portal"),
                "portal_replica": (self.replica.port, "portal"),
            },
        )
        return f"transaction mode on :{self.ports['pgbouncer']}"

    def start_redis(self):
        self.procs["redis"] = processes.start_redis(self.folder / "redis", self.ports["redis"])
        return f":{self.ports['redis']}"

    def start_smtp_sink(self):
        from aiosmtpd.controller import Controller

        messages: list[tuple[list[str], email.message.Message]] = []

        class Sink:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's
                messages.append(
                    (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
                )
                return "250 OK"

        self.sink = Controller(Sink(), hostname="127.0.0.1", port=self.ports["smtp"])
        self.sink.start()
        self.messages = messages
        return f":{self.ports['smtp']}"

    def environment(self) -> dict[str, str]:
        from cryptography.fernet import Fernet

        https = self.ports["https"]
        pgb = self.ports["pgbouncer"]
        redis = self.ports["redis"]
        keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
        self.metrics_token = secrets.token_urlsafe(24)
        (self.folder / "prometheus").mkdir(exist_ok=True)
        return {
            **keep,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "DEMO_MODE": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://localhost:{https}",
            "SITE_URL": f"https://localhost:{https}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pgb}/portal",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{pgb}/portal_replica",
            "DATABASE_POOLER": "pgbouncer",
            "REPLICA_CHECK_SECONDS": "2",
            "REDIS_URL": f"redis://127.0.0.1:{redis}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis}/1",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.ports["smtp"]),
            "EMAIL_USE_TLS": "0",
            "PRIVATE_MEDIA_ROOT": str(self.folder / "private"),
            "TRUSTED_PROXY_COUNT": "1",
            "TRUSTED_PROXY_IPS": "127.0.0.1/32",
            "METRICS_TOKEN": self.metrics_token,
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "prometheus"),
            "PDF_WORKERS": "1",
        }

    def manage(self, *args: str, env: dict | None = None, timeout: float = 900) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise StepFailed(f"manage.py {args[0]} failed: {done.stderr[-2000:]}")
        return done.stdout

    def migrate(self):
        # collectstatic needs no database: it runs while the migrations do.
        static = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            self.manage("migrate", "--noinput")
        finally:
            _, errors = static.communicate(timeout=900)
        if static.returncode != 0:
            raise StepFailed(f"collectstatic failed: {errors[-2000:]}")
        return "through PgBouncer"

    def seed(self):
        out = self.manage(
            "seed_demo",
            "--url",
            self.env["SITE_URL"],
            env={**self.env, "DEMO_MODE": "1"},
        )
        match = re.search(r"Demo password[^:]*:\s*(\S+)", out)
        if not match:
            raise StepFailed("seed_demo printed no password")
        self.password = match.group(1)
        self.totp = dict(re.findall(r"([\w.-]+@demo\.example)\s+TOTP secret ([A-Z2-7]{16,})", out))
        if MANAGER not in self.totp:
            raise StepFailed(f"no TOTP secret printed for {MANAGER}")
        return f"{len(self.totp)} staff accounts with TOTP, members"

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_app(self):
        web = self.spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{self.ports['gunicorn']}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
        )
        self.spawn(
            "worker",
            [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel=INFO", "--concurrency=2"],
        )
        self.spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.folder / "celerybeat-schedule"),
            ],
        )
        processes.wait_for_port(self.ports["gunicorn"], timeout=120, proc=web)
        self.wait_for_log("worker", "ready.", 120)
        for name in ("worker", "beat"):
            if self.procs[name].poll() is not None:
                raise StepFailed(f"celery {name} exited")
        return f"gunicorn :{self.ports['gunicorn']}, worker ready, beat running"

    def wait_for_log(self, name: str, text: str, timeout: float):
        deadline = time.monotonic() + timeout
        log = self.folder / f"{name}.log"
        while time.monotonic() < deadline:
            if text in log.read_text(errors="replace"):
                return
            if self.procs[name].poll() is not None:
                raise StepFailed(f"{name} exited: {tail(log)}")
            time.sleep(0.5)
        raise StepFailed(f"{name} did not log {text!r} within {timeout:.0f} s: {tail(log)}")

    def start_nginx(self):
        tls = self.folder / "tls"
        tls.mkdir()
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem"),
                "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        self.cert = tls / "fullchain.pem"
        conf = nginx_config(
            (ROOT / "deploy" / "nginx.conf").read_text(),
            folder=self.folder / "nginx",
            tls=tls,
            http_port=self.ports["http"],
            https_port=self.ports["https"],
            upstream=f"127.0.0.1:{self.ports['gunicorn']}",
        )
        main = self.folder / "nginx" / "nginx.conf"
        main.write_text(conf)
        checked = subprocess.run(
            ["nginx", "-t", "-p", str(main.parent), "-c", str(main)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if checked.returncode != 0:
            raise StepFailed(f"nginx -t: {checked.stderr.strip()}")
        proc = self.spawn(
            "nginx",
            ["nginx", "-p", str(main.parent), "-c", str(main), "-g", "daemon off;"],
        )
        processes.wait_for_port(self.ports["https"], proc=proc)
        return f"https://localhost:{self.ports['https']}/ (self-signed)"

    # -- the journeys ----------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"https://localhost:{self.ports['https']}"

    def browser(self) -> Browser:
        return Browser(self.base, ssl.create_default_context(cafile=str(self.cert)))

    def tls_and_health(self):
        status, url, _ = self.browser().get("/healthz/")
        if status != 200:
            raise StepFailed(f"/healthz/ through nginx answered {status}")
        plain = urllib.request.build_opener(NoRedirect())
        try:
            plain.open(f"http://127.0.0.1:{self.ports['http']}/cases/", timeout=10)
            raise StepFailed("plain http was not redirected")
        except urllib.error.HTTPError as error:
            if error.code != 301 or not error.headers["Location"].startswith("https://"):
                raise StepFailed(f"plain http answered {error.code}") from None
        return "healthz 200 over TLS, http redirects to https"

    def metrics(self) -> float | None:
        """The sum of the request counters /metrics shows, None when there is no /metrics."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['gunicorn']}/metrics",
            headers={
                "Authorization": f"Bearer {self.metrics_token}",
                "X-Metrics-Token": self.metrics_token,
                "Host": "localhost",
                "X-Forwarded-Proto": "https",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - ours
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise StepFailed(f"/metrics answered {error.code}") from None
        total, found = 0.0, False
        for line in text.splitlines():
            match = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([0-9.eE+-]+)$", line)
            if match and "request" in match.group(1) and match.group(1).endswith("_total"):
                if "latency" in match.group(1) or "bytes" in match.group(1):
                    continue
                total += float(match.group(3))
                found = True
        if not found:
            raise StepFailed("/metrics shows no request counter")
        return total

    def metrics_before(self):
        self.requests_before = self.metrics()
        if self.requests_before is None:
            return "metrics: not available (no /metrics on this branch)"
        return f"metrics: request counter at {self.requests_before:.0f}"

    def metrics_after(self):
        after = self.metrics()
        if after is None or self.requests_before is None:
            return "metrics: not available (no /metrics on this branch)"
        if after <= self.requests_before:
            raise StepFailed(f"metrics: request counter did not move ({after:.0f})")
        return f"metrics: request counter moved from {self.requests_before:.0f} to {after:.0f}"

    def member_logs_in(self):
        self.member = self.browser()
        status, url, body = self.member.login(MEMBER, self.password)
        if "/accounts/login/" in url or status != 200:
            raise StepFailed(f"member login ended at {url} ({status})")
        status, url, body = self.member.get("/cases/")
        if status != 200:
            raise StepFailed(f"/cases/ answered {status}")
        return f"{MEMBER} signed in over TLS"

    def member_sends_case(self):
        status, url, body = self.member.get("/cases/new/")
        if status != 200:
            raise StepFailed(f"/cases/new/ answered {status}")
        fields = form_fields(body, "what_happened")
        if fields is None:
            raise StepFailed("no case form on /cases/new/")
        category = first_option(body, "category")
        fields.update(
            {
                "category": category,
                "what_happened": "My timetable was changed without consultation (smoke test).",
                "desired_outcome": "The change reversed and a meeting with the head.",
                "action": "submit",
            }
        )
        status, url, body = self.member.post(url, fields)
        match = re.search(r"/cases/([^/]+)/sent/", url)
        if not match:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', body)
            raise StepFailed(f"case not sent (ended at {url}, {status}): {errors[:3]}")
        self.case_reference = urllib.parse.unquote(match.group(1))
        return f"case {self.case_reference} sent"

    def wait_for_mail(self, test, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [(to, m) for to, m in list(self.messages) if test(to, m)]
            if found:
                return found
            time.sleep(0.5)
        return []

    def officers_told(self):
        ref = self.case_reference

        def to_officer(to, message):
            return MEMBER not in to and ref in message_text(message)

        found = self.wait_for_mail(to_officer)
        if not found:
            subjects = [m["Subject"] for _, m in self.messages]
            raise StepFailed(f"no officer was emailed about {ref} (sink has: {subjects[:8]})")
        officers = sorted({address for to, _ in found for address in to})
        return f"notice of {ref} emailed to {', '.join(officers)}"

    def campaign_sent(self):
        script = f"""
from portal.accounts.models import User
from portal.communications import services
from portal.communications.models import Communication
approver = User.objects.get(email="comms2@demo.example")
c = Communication.objects.get(subject={CAMPAIGN_SUBJECT!r})
services.communication_approve(communication=c, by=approver)
c = services.communication_start(communication=Communication.objects.get(pk=c.pk), by=approver)
print("recipients", c.recipient_count)
"""
        out = self.manage("shell", "-c", script)
        count = int(re.search(r"recipients (\d+)", out).group(1))
        if count < 1:
            raise StepFailed("the campaign has no recipients")

        def campaign(to, message):
            return CAMPAIGN_SUBJECT in str(message["Subject"])

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = self.wait_for_mail(campaign, timeout=2)
            if len(found) >= count:
                break
        if len(found) < count:
            raise StepFailed(f"{len(found)} of {count} campaign emails reached the sink")
        if (
            not (self.folder / "worker.log")
            .read_text(errors="replace")
            .count("communication_send_batch")
        ):
            raise StepFailed("the worker's log shows no send task")
        return f"{count} campaign emails sent by the worker into the SMTP sink"

    def report_from_replica(self):
        manager = self.browser()
        status, url, body = manager.login(MANAGER, self.password, self.totp[MANAGER])
        if "/accounts/" in url:
            raise StepFailed(f"officer login ended at {url}")
        replica_log = self.replica.log
        before = replica_log.read_text(errors="replace").count('FROM "casework_case"')
        status, url, body = manager.get("/admin/casework/reports/")
        if status != 200 or "Casework service reports" not in body:
            raise StepFailed(f"the report page answered {status} at {url}")
        time.sleep(0.5)
        after = replica_log.read_text(errors="replace").count('FROM "casework_case"')
        if after <= before:
            raise StepFailed("the report's queries did not reach the replica")
        status, url, body = self.member.get("/standards/")
        if status != 200:
            raise StepFailed(f"/standards/ answered {status}")
        return f"{after - before} report queries answered by the replica"

    # -- stopping --------------------------------------------------------------------------

    def stop(self):
        for name in ("nginx", "gunicorn", "beat", "worker", "pgbouncer", "redis"):
            processes.stop_process(self.procs.get(name))
        if self.sink is not None:
            self.sink.stop()
        for cluster in self.clusters:
            cluster.stop("fast")

    def show_logs(self):
        for log in sorted(self.folder.rglob("*.log")):
            print(f"--- last lines of {log.relative_to(self.folder)}:\n{tail(log, 12)}")

    def run(self) -> int:
        print(f"Smoke test of the production shape in {self.folder}", flush=True)
        steps = [
            ("tools present", self.check_tools),
            ("PostgreSQL primary and streaming replica", self.start_databases),
            ("PgBouncer", self.start_pgbouncer),
            ("Redis", self.start_redis),
            ("SMTP sink", self.start_smtp_sink),
        ]
        try:
            for name, func in steps:
                if self.step(name, func) is None and not self.results[-1][1]:
                    return self.finish()
            self.env = self.environment()
            for name, func in [
                ("migrate and collectstatic (DEBUG=0)", self.migrate),
                ("seed the demo member and officers", self.seed),
                ("gunicorn, Celery worker and beat", self.start_app),
                ("nginx with a self-signed certificate", self.start_nginx),
            ]:
                self.step(name, func)
                if not self.results[-1][1]:
                    return self.finish()
            self.step("TLS through nginx", self.tls_and_health)
            self.step("read /metrics before", self.metrics_before)
            if self.step(
                "member logs in through nginx over TLS", self.member_logs_in
            ) and self.step("member sends a case", self.member_sends_case):
                self.step("officers' notice of the case", self.officers_told)
            self.step("campaign through the worker to the SMTP sink", self.campaign_sent)
            self.step("report page read from the replica", self.report_from_replica)
            self.step("read /metrics after", self.metrics_after)
            return self.finish()
        finally:
            self.stop()
            shutil.rmtree(self.folder, ignore_errors=True)

    def finish(self) -> int:
        failed = [name for name, good in self.results if not good]
        if failed:
            self.show_logs()
            print(f"smoke: FAIL ({len(failed)} of {len(self.results)} steps failed)")
            return 1
        print(f"smoke: ok ({len(self.results)} steps passed)")
        return 0


# -- nginx ---------------------------------------------------------------------------------


def nginx_version() -> tuple[int, ...]:
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in match.groups()) if match else (0, 0, 0)


def nginx_config(
    server_blocks: str, *, folder: Path, tls: Path, http_port: int, https_port: int, upstream: str
) -> str:
    """deploy/nginx.conf with this machine's ports and paths, inside a main configuration
    of its own (pid, logs and temporary files in `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(exist_ok=True)
        (folder / sub).chmod(0o777)
    conf = server_blocks
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("return 301 https://$host$request_uri;", f"return 301 https://$host:{https_port}$request_uri;"),
        ("/etc/nginx/tls/", f"{tls}/"),
        ("proxy_pass http://web:8000;", f"proxy_pass http://{upstream};"),
        # Not the default port: the portal must see it in Host to build its addresses.
        ("proxy_set_header Host $host;", "proxy_set_header Host $http_host;"),
    ]  # fmt: skip
    for old, new in replacements:
        if old not in conf:
            raise StepFailed(f"deploy/nginx.conf no longer has {old!r}")
        conf = conf.replace(old, new)
    if nginx_version() < (1, 25, 1):  # `http2 on;` is newer than this nginx
        conf = conf.replace("    http2 on;\n", "").replace(
            f"listen 127.0.0.1:{https_port} ssl;", f"listen 127.0.0.1:{https_port} ssl http2;"
        )
    return f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{conf}
}}
"""


# -- a browser without JavaScript ----------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF and forms over TLS, checked against the self-signed certificate."""

    def __init__(self, base: str, context: ssl.SSLContext):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=context),
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, url, error.read().decode(errors="replace")

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, fields: dict):
        return self.request(path, fields)

    def csrf(self, body: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not match:
            raise StepFailed("no CSRF token on the page")
        return match.group(1)

    def login(self, address: str, password: str, totp_secret: str | None = None):
        status, url, body = self.get("/accounts/login/")
        status, url, body = self.post(
            url, {"login": address, "password": password, "csrfmiddlewaretoken": self.csrf(body)}
        )
        if totp_secret and 'name="code"' in body:
            for _ in range(2):
                status, url, body = self.post(
                    url, {"code": totp_now(totp_secret), "csrfmiddlewaretoken": self.csrf(body)}
                )
                if 'name="code"' not in body:
                    break
                time.sleep(31 - time.time() % 30)  # a code is good once: wait for the next
        return status, url, body


def totp_now(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 15
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6
    return f"{code:06d}"


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = {}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.current[a["name"]] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self.current[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.current[self.textarea] = ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.current[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea] += data


def form_fields(body: str, containing: str) -> dict | None:
    """The values a browser would send from the form that has a field `containing`."""
    parser = _FormParser()
    parser.feed(body)
    for form in parser.forms:
        if containing in form:
            return dict(form)
    return None


def first_option(body: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.S)
    if not match:
        raise StepFailed(f"no {name} choice on the page")
    values = [v for v in re.findall(r'<option value="([^"]*)"', match.group(1)) if v]
    if not values:
        raise StepFailed(f"the {name} choice is empty")
    return html.unescape(values[0])


def message_text(message: email.message.Message) -> str:
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":
    threading.current_thread().name = "smoke"
    sys.exit(Smoke().run())
