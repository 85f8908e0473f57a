"""PDFs render without a warning: WeasyPrint finds HarfBuzz-Subset (Debian's
libharfbuzz-subset0, which `make install` and the image install) and subsets fonts with it,
instead of warning on every render and falling back to fontTools."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from portal.accounts.roles import Role
from portal.pdf import render_document
from standards.pdf import edition_pdf_html
from tests.factories import staff_user
from tests.standards.conftest import draft_document, publish

HARFBUZZ_WORDS = ("harfbuzz", "fonttools instead")


def test_weasyprint_loads_harfbuzz_subset_without_a_warning():
    """In a fresh interpreter, as the PDF worker starts, with every warning shown."""
    probe = (
        "import weasyprint.text.ffi as ffi;"
        "print('subset library:', ffi.harfbuzz_subset is not None);"
        "print('recent enough:', bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0)))"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-W", "always", "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "subset library: True" in result.stdout
    assert "recent enough: True" in result.stdout
    assert not any(word in result.stderr.lower() for word in HARFBUZZ_WORDS), result.stderr


@pytest.mark.django_db
def test_rendering_a_standards_pdf_warns_nothing(caplog):
    writer, approver = staff_user(Role.PUBLISHER)[0], staff_user(Role.PUBLISHER)[0]
    edition = publish(draft_document(writer), writer, approver)
    caplog.set_level(logging.WARNING)

    rendered = render_document(edition_pdf_html(edition), "pdf/ua-1", {})

    assert rendered.content.startswith(b"%PDF-")
    assert rendered.pages >= 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in warnings if any(w in m.lower() for w in HARFBUZZ_WORDS)], warnings
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))]
