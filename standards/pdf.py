"""The PDF of an edition: cover, contents, every standard, page numbers and a running
header, made by WeasyPrint (tagged, PDF/UA-1) from a template the portal renders itself."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from portal.pdf import RenderedPDF, html_to_pdf, render_pdf

from .models import Edition


def edition_pdf_html(edition: Edition, *, preview: bool = False) -> str:
    standards = list(edition.standards.order_by("number"))
    return render_to_string(
        "standards/pdf/edition.html",
        {
            "edition": edition,
            "document": edition.document,
            "standards": standards,
            "union_name": getattr(settings, "PORTAL_UNION_NAME", "Education Union"),
            "preview": preview,
            "generated_on": timezone.localdate(),
            "current": edition.document.current_edition,
            "document_url": settings.SITE_URL.rstrip("/") + edition.document.get_absolute_url(),
        },
    )


def edition_pdf_bytes(edition: Edition, *, preview: bool = False) -> bytes:
    return html_to_pdf(edition_pdf_html(edition, preview=preview))


def edition_pdf_rendered(edition: Edition) -> RenderedPDF:
    """The kept PDF's bytes with its page count (counted by WeasyPrint as it renders)."""
    return render_pdf(edition_pdf_html(edition))
