"""PDFs with WeasyPrint, from HTML the portal rendered itself.

WeasyPrint would read files and fetch URLs named in the HTML. Here only the portal's own
static files are allowed, named as `portal-static:css/pdf.css`; anything else (file://,
http(s)://, another host) is refused, so hostile text can never make a PDF read the disk or
reach the network.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

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


def html_to_pdf(html: str, *, variant: str | None = "pdf/ua-1", **options) -> bytes:
    """Render HTML to PDF bytes, tagged (PDF/UA-1) by default. The HTML should carry
    `<html lang=...>` and a `<title>`: they become the PDF's language and title."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=_fetcher())
    if variant:
        options["pdf_variant"] = variant
    return document.write_pdf(**options)
