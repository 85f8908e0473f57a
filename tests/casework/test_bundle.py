"""The case bundle: the index names the page each document starts on, and that page is the
document's; PDFs are merged, images get a page each, other types and unreadable PDFs are
listed, never a failure."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from casework import services
from casework.bundle import case_bundle_pdf
from casework.files import CheckedFile
from casework.models import AccessAction, CaseAccess
from tests.casework.test_uploads import docx_bytes


def pdf_bytes(pages: int, width: int) -> bytes:
    """A PDF whose pages are `width` points wide: the test knows them by their width."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width, height=400)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rotated_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=240, height=400).rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=250, height=400)
    writer.encrypt(user_password="secret", owner_password="owner")  # noqa: S106
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size=(300, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", size, (90, 31, 102, 200)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 1200), "teal").save(out, "JPEG")
    return out.getvalue()


def checked(name: str, content_type: str, data: bytes) -> CheckedFile:
    return CheckedFile(
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def case(people, submit):
    case = submit(people["member"])
    services.case_assign(case=case, officer=people["cw_london"], by=people["cw_london"])
    return case


def bundle_of(client, case) -> PdfReader:
    response = client.get(reverse("admin:casework_case_bundle", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def index_text(reader: PdfReader) -> str:
    """The index's text (the pages before the timeline), its whitespace made single."""
    text = ""
    for page in reader.pages:
        page_text = page.extract_text()
        if "Case summary and timeline:" in page_text:
            break
        text += page_text + " "
    return " ".join(text.split())


def index_rows(reader: PdfReader, names: list[str]) -> dict[str, str]:
    """What the index's page column says for each document `name`."""
    text = index_text(reader)
    rows = {}
    for name in ["Case summary and timeline", *names]:
        match = re.search(
            re.escape(name)
            + r"(?: \(internal\))? \d{1,2} \w{3} \d{4} .*?"
            + r"(Page \d+(?: \(\d+ pages\))?"
            + r"|Not included \([^)]*\)|Could not be included \([^)]*\))",
            text,
        )
        if match:
            rows[name] = match.group(1)
    return rows


def first_page_of(rows: dict[str, str], name: str) -> int:
    match = re.match(r"Page (\d+)", rows[name])
    assert match, rows[name]
    return int(match.group(1))


def test_the_bundle_merges_documents_with_a_correct_index(client, people, case):
    officer = people["cw_london"]
    services.case_officer_message(
        case=case,
        by=officer,
        body="Here are the papers.",
        files=[
            checked("policy.pdf", "application/pdf", pdf_bytes(2, 201)),
            checked("photo.png", "image/png", png_bytes()),
        ],
    )
    services.case_internal_note(
        case=case,
        by=officer,
        body="Evidence.",
        files=[
            checked("minutes.pdf", "application/pdf", pdf_bytes(3, 203)),
            checked("statement.docx", DOCX, docx_bytes()),
            checked("scan.jpg", "image/jpeg", jpeg_bytes()),
            checked("notes.txt", "text/plain", b"plain notes"),
        ],
    )
    client.force_login(officer)
    reader = bundle_of(client, case)
    names = ["policy.pdf", "photo.png", "minutes.pdf", "statement.docx", "scan.jpg", "notes.txt"]
    rows = index_rows(reader, names)
    assert set(rows) == {"Case summary and timeline", *names}

    # The timeline starts after the index, and says which bundle page it is.
    timeline = first_page_of(rows, "Case summary and timeline")
    assert "Case summary and timeline:" in reader.pages[timeline - 1].extract_text()
    assert f"Bundle page {timeline}" in reader.pages[timeline - 1].extract_text()
    assert "Here are the papers." in "".join(p.extract_text() for p in reader.pages)

    policy, minutes = first_page_of(rows, "policy.pdf"), first_page_of(rows, "minutes.pdf")
    assert [round(float(reader.pages[policy - 1 + i].mediabox.width)) for i in range(2)] == [
        201,
        201,
    ]
    assert "(2 pages)" in rows["policy.pdf"] and "(3 pages)" in rows["minutes.pdf"]
    # Every page of the documents carries its bundle page number.
    for number in range(policy, len(reader.pages) + 1):
        stamp = f"Case {case.reference}, bundle page {number}"
        assert stamp in reader.pages[number - 1].extract_text(), number
    assert [round(float(reader.pages[minutes - 1 + i].mediabox.width)) for i in range(3)] == [
        203
    ] * 3
    for image in ("photo.png", "scan.jpg"):
        page = reader.pages[first_page_of(rows, image) - 1]
        assert round(float(page.mediabox.width)) == 595  # A4
        assert page["/Resources"]["/XObject"], image  # the picture itself
    assert rows["statement.docx"] == "Not included (Word document)"
    assert rows["notes.txt"] == "Not included (plain text)"
    # Every page accounted for: index, timeline, 2 + 1 + 3 + 1 document pages.
    last = max(first_page_of(rows, n) for n in ("policy.pdf", "photo.png", "minutes.pdf"))
    assert len(reader.pages) == max(last + 2, first_page_of(rows, "scan.jpg"))
    assert CaseAccess.objects.filter(case=case, action=AccessAction.BUNDLE).count() == 1


def test_encrypted_damaged_and_missing_files_are_listed_not_fatal(client, people, case):
    officer = people["cw_london"]
    services.case_internal_note(
        case=case,
        by=officer,
        body="Odd files.",
        files=[
            checked("locked.pdf", "application/pdf", encrypted_pdf()),
            checked("broken.pdf", "application/pdf", b"%PDF-1.7\nnot really a pdf\n%%EOF\n"),
            checked("bad.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
            checked("gone.pdf", "application/pdf", pdf_bytes(1, 220)),
            checked("fine.pdf", "application/pdf", pdf_bytes(1, 230)),
            checked("sideways.pdf", "application/pdf", rotated_pdf()),
        ],
    )
    gone = next(a for a in case.attachments.all() if a.name == "gone.pdf")  # names are encrypted
    gone.file.delete(save=False)
    client.force_login(officer)
    reader = bundle_of(client, case)
    rows = index_rows(
        reader, ["locked.pdf", "broken.pdf", "bad.png", "gone.pdf", "fine.pdf", "sideways.pdf"]
    )
    assert rows["locked.pdf"] == "Could not be included (the PDF is password-protected)"
    assert rows["broken.pdf"] == "Could not be included (the PDF is damaged)"
    assert rows["bad.png"] == "Could not be included (the image could not be read)"
    assert rows["gone.pdf"] == "Could not be included (the file is missing)"
    fine = first_page_of(rows, "fine.pdf")
    assert round(float(reader.pages[fine - 1].mediabox.width)) == 230
    sideways = first_page_of(rows, "sideways.pdf")
    assert sideways == fine + 1 == len(reader.pages)
    assert f"bundle page {sideways}" in reader.pages[sideways - 1].extract_text()


def test_a_long_index_numbers_every_page_right(people, case):
    officer = people["cw_london"]
    for batch in range(8):
        services.case_internal_note(
            case=case,
            by=officer,
            body=f"Batch {batch}",
            files=[
                checked(
                    f"doc-{batch}-{i}.pdf",
                    "application/pdf",
                    pdf_bytes(1 + i % 2, 300 + batch * 5 + i),
                )
                for i in range(5)
            ],
        )
    reader = PdfReader(io.BytesIO(case_bundle_pdf(case, officer)))
    names = [f"doc-{batch}-{i}.pdf" for batch in range(8) for i in range(5)]
    rows = index_rows(reader, names)
    assert set(rows) == {"Case summary and timeline", *names}
    assert first_page_of(rows, "Case summary and timeline") > 2  # the index took 2+ pages
    for batch in range(8):
        for i in range(5):
            start = first_page_of(rows, f"doc-{batch}-{i}.pdf")
            for page in range(1 + i % 2):
                width = reader.pages[start - 1 + page].mediabox.width
                assert round(float(width)) == 300 + batch * 5 + i


def test_an_officer_who_may_not_see_the_case_gets_404(client, people, case):
    client.force_login(people["cw_wales"])
    response = client.get(reverse("admin:casework_case_bundle", args=[case.pk]))
    assert response.status_code == 404
    assert not CaseAccess.objects.filter(case=case, action=AccessAction.BUNDLE).exists()
