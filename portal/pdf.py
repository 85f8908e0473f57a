"""PDFs with WeasyPrint, from HTML the portal rendered itself.

WeasyPrint would read files and fetch URLs named in the HTML. Here only the portal's own
static files are allowed, named as `portal-static:css/pdf.css`; anything else (file://,
http(s)://, another host) is refused, so hostile text can never make a PDF read the disk or
reach the network.
"""

from __future__ import annotations

import contextlib
import mimetypes
import multiprocessing
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

STATIC_SCHEME = "portal-static:"


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


def _render(html: str, variant: str | None, options: dict) -> bytes:
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=_fetcher())
    if variant:
        options["pdf_variant"] = variant
    return document.write_pdf(**options)


def _render_in_child(conn, html, variant, options, memory_mb, seconds):
    import resource
    import signal

    try:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.alarm(seconds)
        conn.send_bytes(_render(html, variant, options))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, never raised here
        with contextlib.suppress(Exception):
            conn.send_bytes(b"ERROR:" + type(error).__name__.encode())
    finally:
        os._exit(0)


def html_to_pdf(html: str, *, variant: str | None = "pdf/ua-1", **options) -> bytes:
    """Render HTML to PDF bytes, tagged (PDF/UA-1) by default. The HTML should carry
    `<html lang=...>` and a `<title>`: they become the PDF's language and title.

    Rendering runs in a forked child with a memory limit (PDF_MAX_MEMORY_MB) and a time
    limit (PDF_TIMEOUT_SECONDS), so hostile content (huge fonts, endless tables) fails with
    PDFRenderError instead of taking the server down."""
    seconds = getattr(settings, "PDF_TIMEOUT_SECONDS", 60)
    memory_mb = getattr(settings, "PDF_MAX_MEMORY_MB", 1536)
    if not getattr(settings, "PDF_RENDER_ISOLATED", True) or not hasattr(os, "fork"):
        return _render(html, variant, options)
    import weasyprint  # noqa: F401 - imported once in the parent, shared with every child

    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=_render_in_child, args=(child, html, variant, options, memory_mb, seconds)
    )
    process.start()
    child.close()
    try:
        if not parent.poll(seconds + 5):
            raise PDFRenderError("The PDF took too long to make.")
        data = parent.recv_bytes()
    except EOFError:
        raise PDFRenderError("The PDF could not be made.") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        parent.close()
    if data.startswith(b"ERROR:"):
        raise PDFRenderError(f"The PDF could not be made ({data[6:].decode()}).")
    return data
