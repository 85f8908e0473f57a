"""The PDF of an edition: rendered once on publication, kept, served with caching headers;
tagged, titled, paged, every standard in it; a superseded one says so on every page."""

import re
import time

import pytest
from django.utils.http import http_date

from standards import services, tasks
from standards.models import EditionPDF
from tests.standards.conftest import SIX, draft_document, pdf_catalog_bytes, pdf_info, pdf_text

pytestmark = pytest.mark.django_db


def test_the_pdf_is_rendered_and_kept_on_publication(
    publisher, publisher2, django_capture_on_commit_callbacks
):
    edition = draft_document(publisher)
    services.edition_submit(edition=edition, by=publisher, note="Ready.")
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_approve(edition=edition, by=publisher2, note="Approved.")
    kept = EditionPDF.objects.get(edition=edition)
    assert bytes(kept.content).startswith(b"%PDF-")
    assert kept.superseded is False
    assert 2 <= kept.pages <= 8


def test_the_pdf_reads_well(client, published):
    response = client.get("/standards/six-standards/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="six-standards-edition-1.pdf"' in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF-")
    info = pdf_info(content)
    assert info["Tagged"] == "yes"
    assert info["Title"] == published.title
    assert info["Author"] == "Education Union"
    assert 3 <= int(info["Pages"]) <= 8
    text = " ".join(pdf_text(content).split())
    assert published.title in text
    assert "Contents" in text
    assert "Edition 1" in text
    assert "Education Union" in text
    for number, (heading, _) in enumerate(SIX, start=1):
        assert f"Standard {number}: {heading}" in text
    assert re.search(rb"/Lang ?\(en-GB\)", pdf_catalog_bytes(content))
    # Page numbers and the running header on the pages after the cover.
    last = int(info["Pages"])
    page = " ".join(pdf_text(content, first=last).split())
    assert f"Page {last} of {last}" in page
    assert "Edition 1" in page and "Standards for educational development" in page


def test_a_superseded_pdf_says_so_on_every_page(client, superseded):
    old, new = superseded
    content = client.get("/standards/six-standards/editions/1/pdf/").content
    pages = int(pdf_info(content)["Pages"])
    for page in range(1, pages + 1):
        assert "superseded" in pdf_text(content, first=page).lower(), page
    assert pdf_info(content)["Title"].endswith("(superseded)")
    current = client.get("/standards/six-standards/pdf/").content
    assert "superseded" not in pdf_text(current).lower()
    assert new.title in " ".join(pdf_text(current).split())


def test_the_kept_pdf_is_served_with_caching_headers(client, published):
    first = client.get("/standards/six-standards/editions/1/pdf/")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    kept = EditionPDF.objects.get(edition=published)
    assert etag == f'"{kept.sha256}"'
    assert last_modified == http_date(kept.rendered_at.timestamp())
    cache_control = first["Cache-Control"]
    assert "public" in cache_control and "max-age=3600" in cache_control
    current = client.get("/standards/six-standards/pdf/")
    assert current["ETag"] == etag
    assert "max-age=300" in current["Cache-Control"]
    # Revalidation: the same PDF is not sent again.
    again = client.get("/standards/six-standards/pdf/", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    since = client.get(
        "/standards/six-standards/pdf/", headers={"if-modified-since": last_modified}
    )
    assert since.status_code == 304
    stale = client.get("/standards/six-standards/pdf/", headers={"if-none-match": '"other"'})
    assert stale.status_code == 200


def test_it_is_rendered_once(client, published):
    client.get("/standards/six-standards/pdf/")
    rendered_at = EditionPDF.objects.get(edition=published).rendered_at
    client.get("/standards/six-standards/pdf/")
    client.get("/standards/six-standards/editions/1/pdf/")
    assert EditionPDF.objects.get(edition=published).rendered_at == rendered_at


def test_a_missing_pdf_is_rendered_on_request(client, published):
    EditionPDF.objects.filter(edition=published).delete()
    response = client.get("/standards/six-standards/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert EditionPDF.objects.filter(edition=published).exists()


def test_the_sweep_renders_what_is_missing_or_out_of_date(superseded):
    old, new = superseded
    EditionPDF.objects.all().delete()
    assert sorted(tasks.render_missing_pdfs()) == sorted([old.pk, new.pk])
    assert EditionPDF.objects.get(edition=old).superseded is True
    assert EditionPDF.objects.get(edition=new).superseded is False
    assert tasks.render_missing_pdfs() == []


def test_render_time_is_reasonable(published):
    services.edition_pdf_render(edition=published)  # warm: fonts, WeasyPrint import
    EditionPDF.objects.all().delete()
    started = time.perf_counter()
    services.edition_pdf_render(edition=published)
    assert time.perf_counter() - started < 5
