"""WeasyPrint is given only the portal's own files, within a time and memory limit."""

import time
from pathlib import Path

import pytest

from portal.pdf import PDFRenderError, html_to_pdf

SIMPLE = '<html lang="en"><head><title>T</title></head><body><p>Hello</p></body></html>'


def test_local_files_and_network_addresses_are_never_fetched(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red } /* SECRET-FILE-CONTENT */")
    pdf = html_to_pdf(
        f"""<html lang="en"><head><title>T</title>
        <link rel="stylesheet" href="file://{secret}">
        <link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>
        <body><img src="file:///etc/passwd"><img src="http://169.254.169.254/latest">
        <p>Hello</p></body></html>"""
    )
    assert pdf.startswith(b"%PDF-")
    assert b"SECRET-FILE-CONTENT" not in pdf and b"root:x:0" not in pdf


def test_huge_content_fails_cleanly_within_the_limits(settings):
    settings.PDF_TIMEOUT_SECONDS = 3
    settings.PDF_MAX_MEMORY_MB = 600
    hostile = (
        '<html lang="en"><head><title>T</title><style>p { font-size: 90000px }</style></head>'
        "<body>" + "<table>" + "<tr><td>x</td></tr>" * 200000 + "</table></body></html>"
    )
    with pytest.raises(PDFRenderError):
        html_to_pdf(hostile)


@pytest.mark.django_db
def test_a_failed_pdf_is_a_clear_503_page(client, settings, monkeypatch):
    from standards.models import Document

    document = Document.objects.first()
    if document is None:
        from django.core.management import call_command

        call_command("seed_demo", stdout=__import__("io").StringIO())
        document = Document.objects.first()
    settings.PDF_TIMEOUT_SECONDS = 0
    import standards.pdf as std_pdf

    def broken(*args, **kwargs):
        raise PDFRenderError("The PDF took too long to make.")

    monkeypatch.setattr(std_pdf, "html_to_pdf", broken)
    monkeypatch.setattr(std_pdf, "render_pdf", broken)
    from standards.models import EditionPDF

    EditionPDF.objects.all().delete()
    response = client.get(f"/standards/{document.slug}/pdf/")
    assert response.status_code == 503
    assert "could not be made" in response.content.decode()


def _worker_pids():
    from portal import pdf

    pool = pdf._the_pool()
    return {w.proc.pid for w in pool.idle}


def test_renders_reuse_one_long_lived_worker_within_its_limits(settings):
    from portal.pdf import render_pdf

    settings.PDF_MAX_MEMORY_MB = 1200
    first = render_pdf(SIMPLE)
    assert first.content.startswith(b"%PDF-") and first.pages == 1
    pids = _worker_pids()
    assert len(pids) == 1
    render_pdf(SIMPLE)
    assert _worker_pids() == pids, "no new process per render"
    limits = Path(f"/proc/{next(iter(pids))}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
    assert str(1200 * 1024 * 1024) in line


def test_a_render_over_time_is_killed_and_the_next_one_works(settings):
    from portal.pdf import render_pdf

    render_pdf(SIMPLE)  # a ready worker, so the time limit is the render's own
    before = _worker_pids()
    settings.PDF_TIMEOUT_SECONDS = 1
    slow = (
        '<html lang="en"><head><title>T</title></head><body><table>'
        + "<tr><td>x</td><td>y</td></tr>" * 60000
        + "</table></body></html>"
    )
    started = time.monotonic()
    with pytest.raises(PDFRenderError, match="too long"):
        render_pdf(slow)
    assert time.monotonic() - started < 5
    pid = next(iter(before))
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    settings.PDF_TIMEOUT_SECONDS = 60
    assert render_pdf(SIMPLE).content.startswith(b"%PDF-")
    assert _worker_pids().isdisjoint(before)


def test_a_render_asked_for_while_the_worker_starts_waits_for_it(settings):
    from portal import pdf

    settings.PDF_PRESTART = True
    pdf._the_pool().close()
    pdf.prestart()
    assert pdf.render_pdf(SIMPLE).content.startswith(b"%PDF-")
    assert len(_worker_pids()) == 1
