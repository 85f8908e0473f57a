"""PDFs with WeasyPrint, from HTML the portal rendered itself.

WeasyPrint would read files and fetch URLs named in the HTML. Here only the portal's own
static files are allowed, named as `portal-static:css/pdf.css`; anything else (file://,
http(s)://, another host) is refused, so hostile text can never make a PDF read the disk or
reach the network.

Rendering runs in long-lived worker processes (`portal.pdf_worker`), a small pool per web or
Celery process: each imports WeasyPrint once and renders one HTML document at a time, sent
over a pipe. Each worker runs under an address-space limit (PDF_MAX_MEMORY_MB) set when it
starts, and each render under a time limit (PDF_TIMEOUT_SECONDS): a render that overruns is
killed with its worker, which is replaced, and the next render works as before. A worker
whose render failed for any reason exits; one is retired after `WORKER_MAX_JOBS` renders.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import os
import select
import struct
import subprocess  # nosec B404 - starts our own render worker, fixed arguments
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

from portal.metrics import timed_render

STATIC_SCHEME = "portal-static:"
logger = logging.getLogger(__name__)


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PortalStaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(STATIC_SCHEME):
                path = finders.find(url[len(STATIC_SCHEME) :].lstrip("/"))
                if path and Path(path).is_file():
                    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, body=Path(path).read_bytes(), headers={"Content-Type": kind}
                    )
            raise ValueError(f"PDF resource refused: {url[:80]}")

    return PortalStaticFetcher()


class PDFRenderError(RuntimeError):
    """The PDF could not be made within the time and memory allowed."""


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    pages: int


def render_document(html: str, variant: str | None, options: dict) -> RenderedPDF:
    """WeasyPrint itself, in this process, with the portal's fetcher."""
    import weasyprint

    options = dict(options)
    if variant:
        options["pdf_variant"] = variant
    document = weasyprint.HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=_fetcher())
    rendered = document.render(**options)
    return RenderedPDF(rendered.write_pdf(**options), len(rendered.pages))


# -- the worker pool ------------------------------------------------------------------------

WORKER_MAX_JOBS = 100
WORKER_START_SECONDS = 120
_HEADER = struct.Struct("!cIQ")  # status (K ok, E error), pages, payload length
_REQUEST = struct.Struct("!Q")


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks, remaining = [], size
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _worker_env() -> dict[str, str]:
    """This process's environment (settings module, secrets, database), with the project
    importable wherever the server was started from."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    return env


class _Worker:
    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.jobs = 0
        self.proc = subprocess.Popen(  # noqa: S603  # nosec B603 - this interpreter, our module
            [sys.executable, "-m", "portal.pdf_worker", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env=_worker_env(),
        )
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + WORKER_START_SECONDS
        if _read_exactly(self.proc.stdout.fileno(), 1, deadline) != b"R":
            raise EOFError
        self.ready = True

    def render(self, html: str, variant: str | None, options: dict, seconds: float):
        self.wait_ready()
        payload = json.dumps({"html": html, "variant": variant, "options": options}).encode()
        self.proc.stdin.write(_REQUEST.pack(len(payload)) + payload)
        self.proc.stdin.flush()
        self.jobs += 1
        deadline = time.monotonic() + seconds
        fd = self.proc.stdout.fileno()
        status, pages, size = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
        return status, pages, _read_exactly(fd, size, deadline)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class _Pool:
    """Up to `size` workers for this process; a render waits for a free one."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Condition()
        self.idle: list[_Worker] = []
        self.busy = 0

    def take(self, memory_mb: int, size: int) -> _Worker:
        with self.lock:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.alive() and worker.memory_mb == memory_mb:
                        self.busy += 1
                        return worker
                    worker.stop()
                if self.busy < size:
                    self.busy += 1
                    break
                self.lock.wait()
        try:
            return _Worker(memory_mb)
        except BaseException:
            self.give_back(None)
            raise

    def give_back(self, worker: _Worker | None) -> None:
        with self.lock:
            self.busy -= 1
            if worker is not None:
                self.idle.append(worker)
            self.lock.notify()

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.stop()


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _the_pool() -> _Pool:
    """This process's pool (a forked child starts its own, and leaves its parent's alone)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = _Pool()
        return _pool


def prestart() -> None:
    """Start one worker now (in the background), so the first PDF does not wait for it to
    import WeasyPrint. It joins the pool once it is ready; a render asked for meanwhile
    waits for it (or starts another, up to PDF_WORKERS)."""
    if not getattr(settings, "PDF_RENDER_ISOLATED", True):
        return
    if not getattr(settings, "PDF_PRESTART", False):
        return
    pool = _the_pool()
    try:
        worker = pool.take(
            getattr(settings, "PDF_MAX_MEMORY_MB", 1536), getattr(settings, "PDF_WORKERS", 1)
        )
    except OSError:
        logger.warning("PDF render worker not started", exc_info=True)
        return
    threading.Thread(target=_join_when_ready, args=(pool, worker), daemon=True).start()


def _join_when_ready(pool: _Pool, worker: _Worker) -> None:
    try:
        worker.wait_ready()
    except (OSError, EOFError, TimeoutError):
        logger.warning("PDF render worker did not start")
        worker.stop()
        pool.give_back(None)
        return
    pool.give_back(worker)


@timed_render
def render_pdf(html: str, *, variant: str | None = "pdf/ua-1", **options) -> RenderedPDF:
    """Render HTML to a PDF (tagged, PDF/UA-1, by default) and count its pages. The HTML
    should carry `<html lang=...>` and a `<title>`: they become the PDF's language and title.

    Rendering runs in a pool worker with a memory limit (PDF_MAX_MEMORY_MB) and a time limit
    (PDF_TIMEOUT_SECONDS), so hostile content (huge fonts, endless tables) fails with
    PDFRenderError instead of taking the server down."""
    if not getattr(settings, "PDF_RENDER_ISOLATED", True):
        return render_document(html, variant, options)
    seconds = getattr(settings, "PDF_TIMEOUT_SECONDS", 60)
    memory_mb = getattr(settings, "PDF_MAX_MEMORY_MB", 1536)
    pool = _the_pool()
    worker = pool.take(memory_mb, getattr(settings, "PDF_WORKERS", 1))
    keep = False
    try:
        status, pages, data = worker.render(html, variant, options, seconds)
        keep = status == b"K" and worker.jobs < WORKER_MAX_JOBS
    except TimeoutError:
        raise PDFRenderError("The PDF took too long to make.") from None
    except (EOFError, OSError, struct.error):
        raise PDFRenderError("The PDF could not be made.") from None
    finally:
        if not keep:
            worker.stop()
        pool.give_back(worker if keep else None)
    if status != b"K":
        raise PDFRenderError(f"The PDF could not be made ({data.decode(errors='replace')}).")
    return RenderedPDF(data, pages)


def html_to_pdf(html: str, *, variant: str | None = "pdf/ua-1", **options) -> bytes:
    """The bytes of `render_pdf`."""
    return render_pdf(html, variant=variant, **options).content
