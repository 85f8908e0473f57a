"""The CPD record PDF (for a performance review or professional registration) and the
certificate of an attended course, made by WeasyPrint through `portal.pdf` (tagged,
PDF/UA-1), from the same record the page shows."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from portal.accounts.selectors import membership_for
from portal.pdf import html_to_pdf

from . import selectors


def _common(user) -> dict:
    membership = membership_for(user)
    return {
        "name": user.get_full_name() or user.email,
        "number": membership.number if membership else "",
        "union_name": getattr(settings, "PORTAL_UNION_NAME", "Education Union"),
        "language": get_language() or "en-gb",
        "today": timezone.localdate(),
    }


def record_pdf_html(user) -> str:
    context = _common(user) | {"record": selectors.record_for(user)}
    return render_to_string("cpd/record_pdf.html", context)


def record_pdf_bytes(user) -> bytes:
    return html_to_pdf(record_pdf_html(user))


def certificate_pdf_html(user, course) -> str:
    return render_to_string("cpd/certificate_pdf.html", _common(user) | {"course": course})


def certificate_pdf_bytes(user, course) -> bytes:
    return html_to_pdf(certificate_pdf_html(user, course))
