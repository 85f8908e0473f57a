"""The production image has what the portal calls at run time, and nothing it does not."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def image_packages() -> set[str]:
    """The Debian packages the Dockerfile's `apt-get install` lines name."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    packages: set[str] = set()
    for line in text.splitlines():
        match = re.search(r"apt-get install ([^&|;]*)", line)
        if match:
            packages |= {w for w in match.group(1).split() if not w.startswith("-")}
    return packages


def test_the_image_has_poppler_for_pdf_page_counts():
    # standards.services counts a PDF's pages with poppler's pdfinfo: 0 without it.
    assert "pdfinfo" in (ROOT / "standards" / "services.py").read_text()
    assert "poppler-utils" in image_packages()


def test_the_image_has_what_weasyprint_needs():
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"} <= image_packages()


def test_the_image_installs_no_libmagic_nothing_uses_it():
    assert "libmagic1" not in image_packages()
    # Files are typed from their first bytes by casework/files.py, not by libmagic.
    installed = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()}
    assert not installed & {"python-magic", "file-magic", "puremagic"}
    for folder in ("portal", "casework", "standards", "consultations"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not re.search(r"^\s*(import|from)\s+magic\b", path.read_text(), re.M), path


def test_pdfinfo_is_here_too_so_the_counts_are_tested():
    assert shutil.which("pdfinfo")
