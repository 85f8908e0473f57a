"""Hostile uploads: content disguised by name or header, markup, zip bombs, odd names, and
viruses (through a real clamd with a local signature for the EICAR test file)."""

import io
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from casework import files, scanning
from casework.models import CaseAttachment

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "purple").save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes(extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def check(name, data):
    return files.check_files([SimpleUploadedFile(name, data)])


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("photo.png", png_bytes(), "image/png"),
        (
            "letter.docx",
            docx_bytes(),
            files.EXTENSION
            and "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("note.txt", "Grüße, привет, 你好\n".encode(), "text/plain"),
        ("scan.pdf", b"%PDF-1.7\n...\n%%EOF\n", "application/pdf"),
    ],
)
def test_real_files_are_accepted(name, data, kind):
    (checked,) = check(name, data)
    assert checked.content_type == kind


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("image.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.txt", b"  <!DOCTYPE html><html><body>hi</body></html>"),
        ("truncated.pdf", b"%PDF-1.4 no end of file marker"),
        ("program.doc", b"MZ\x90\x00" + b"\x00" * 200),
        ("bomb.docx", docx_bytes({"word/media/big.bin": b"\x00" * (60 * 1024 * 1024)})),
        ("escape.docx", docx_bytes({"../../evil.txt": "x"})),
        ("other.zip.docx", docx_bytes().replace(b"word/document.xml", b"word/documenX.xml")),
    ],
)
def test_disguised_and_dangerous_files_are_refused(name, data):
    with pytest.raises(ValidationError):
        check(name, data)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd.txt"),
        ("C:\\Users\\me\\letter.txt", "letter.txt"),
        ("evil\r\nContent-Type: text/html.txt", "html.txt"),
        ("evil\r\nX-Injected: yes.txt", "evilX-Injected yes.txt"),
        ("a" * 500 + ".txt", "a" * 100 + ".txt"),
        ("ŁódźŻółć письмо.txt", "ŁódźŻółć письмо.txt"),
        ("...", "attachment.txt"),
    ],
)
def test_names_are_sanitised(raw, clean):
    (checked,) = check(raw, b"words\n")
    assert checked.name == clean


@pytest.fixture
def clamd(tmp_path, settings):
    binary = shutil.which("clamd")
    if binary is None:
        pytest.fail("clamd is not installed: `make system-deps` installs clamav-daemon.")
    db = tmp_path / "db"
    db.mkdir()
    (tmp_path / "eicar.txt").write_bytes(EICAR)
    sig = subprocess.run(
        ["sigtool", "--md5", str(tmp_path / "eicar.txt")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (db / "local.hdb").write_text(sig)
    sock = tmp_path / "clamd.sock"
    conf = tmp_path / "clamd.conf"
    conf.write_text(
        f"DatabaseDirectory {db}\nLocalSocket {sock}\nForeground yes\n"
        f"LogFile {tmp_path / 'clamd.log'}\nUser root\n"
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("clamd did not start: " + (tmp_path / "clamd.log").read_text()[-500:])
    settings.CLAMD_SOCKET = str(sock)
    yield sock
    process.terminate()
    process.wait(10)


def test_the_eicar_test_file_is_refused_by_clamav(clamd):
    assert scanning.status() == "ok"
    with pytest.raises(ValidationError, match="looks like it contains a virus"):
        check("invoice.txt", EICAR)
    (checked,) = check("clean.txt", b"nothing to see\n")
    assert checked.content_type == "text/plain"


@pytest.mark.django_db
def test_uploads_are_refused_when_the_configured_scanner_is_down(client, people, settings):
    settings.CLAMD_SOCKET = str(Path("/nonexistent/clamd.sock"))
    with pytest.raises(ValidationError, match="cannot be checked for viruses"):
        check("note.txt", b"hello\n")
    response = client.get("/healthz/")
    assert response.status_code == 503 and response.json()["antivirus"] == "down"
    assert not CaseAttachment.objects.exists()


@pytest.mark.django_db
def test_the_admin_says_when_files_are_not_scanned(client, people, settings):
    """To administrators, who can act on it (tests/casework/test_case_screen.py: officers
    are not told)."""
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    settings.CLAMD_SOCKET = ""
    administrator, _ = staff_user(Role.ADMINISTRATOR)
    client.force_login(administrator)
    page = client.get("/admin/").content.decode()
    assert "not checked for viruses" in page
