"""Checks on files members and officers attach: the real type from the content, size and
count limits, safe names. Nothing here trusts the file name or the browser's claim."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import scanning

ALLOWED_DESCRIPTION = gettext_noop("PDF, Word (.doc, .docx), images (JPEG, PNG, GIF) or plain text")

TYPE_REFUSED = gettext_noop(
    "“{name}” is not a PDF, Word document, image or plain text file, so it was not "
    "accepted. Nothing else you entered was lost."
)
TOO_BIG = gettext_noop("“{name}” is larger than {limit} MB. Make it smaller or send it in parts.")
TOO_MANY = gettext_noop("You can attach up to {limit} files at a time.")
CASE_FULL = gettext_noop("This case already has the most files it can hold ({limit}).")
EMPTY_FILE = gettext_noop("“{name}” is empty.")
VIRUS_FOUND = gettext_noop("“{name}” looks like it contains a virus, so it was refused.")
SCANNER_DOWN = gettext_noop(
    "Files cannot be checked for viruses just now, so none were accepted. Please try again "
    "in a few minutes."
)
MAX_UNZIPPED = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MARKUP_STARTS = (
    b"<!doctype",
    b"<html",
    b"<svg",
    b"<?xml",
    b"<script",
    b"<body",
    b"<head",
    b"<iframe",
    b"<object",
    b"<embed",
)

EXTENSION = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "txt",
}


def max_file_mb() -> int:
    return getattr(settings, "CASEWORK_MAX_FILE_MB", 10)


def max_files_per_upload() -> int:
    return getattr(settings, "CASEWORK_MAX_FILES_PER_UPLOAD", 5)


def max_files_per_case() -> int:
    return getattr(settings, "CASEWORK_MAX_FILES_PER_CASE", 30)


def limits_text() -> str:
    return _("%(allowed)s. Up to %(files)s files at a time, %(mb)s MB each.") % {
        "allowed": _(ALLOWED_DESCRIPTION),
        "files": max_files_per_upload(),
        "mb": max_file_mb(),
    }


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(MARKUP_STARTS) or b"<script" in head.lower()


def _image_is_real(data: bytes, expected: str) -> bool:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = 50_000_000
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return Image.MIME.get(image.format) == expected
    except Exception:  # noqa: BLE001 - any failure to parse means "not a real image"
        return False


def _docx_is_real(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return False
            if sum(e.file_size for e in entries) > MAX_UNZIPPED:
                return False  # a zip bomb
            names = {e.filename for e in entries}
            if any(n.startswith("/") or ".." in n.split("/") for n in names):
                return False
            return "word/document.xml" in names and "[Content_Types].xml" in names
    except (zipfile.BadZipFile, ValueError):
        return False


def detect_type(head: bytes, data: bytes | None = None) -> str | None:
    """The file's real type from its content: the first bytes, then a structural check
    (images must parse, PDFs must end properly, Word files must be real Word zips)."""
    data = head if data is None else data
    if head.startswith(b"%PDF-"):
        return "application/pdf" if b"%%EOF" in data[-2048:] else None
    for magic, kind in (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
    ):
        if head.startswith(magic):
            return kind if _image_is_real(data, kind) else None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith(b"PK\x03\x04"):
        if _docx_is_real(data):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return None
    if b"\x00" in head or _looks_like_markup(head):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 4:
            return None
    return "text/plain"


def safe_name(name: str, content_type: str) -> str:
    """A display name without paths, control characters or a misleading extension."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"\s+", " ", stem)[:100] or "attachment"
    return f"{stem}.{EXTENSION[content_type]}"


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def check_files(files, *, already_on_case: int = 0) -> list[CheckedFile]:
    """Check every file before anything is saved: all pass, or a ValidationError lists what
    was wrong with each."""
    files = [f for f in files if f]
    errors = []
    if len(files) > max_files_per_upload():
        raise ValidationError(_(TOO_MANY).format(limit=max_files_per_upload()))
    if already_on_case + len(files) > max_files_per_case():
        raise ValidationError(_(CASE_FULL).format(limit=max_files_per_case()))
    checked = []
    limit = max_file_mb() * 1024 * 1024
    for upload in files:
        shown = (upload.name or "file")[:80]
        if upload.size > limit:
            errors.append(_(TOO_BIG).format(name=shown, limit=max_file_mb()))
            continue
        upload.seek(0)
        data = upload.read(limit + 1)
        if not data:
            errors.append(_(EMPTY_FILE).format(name=shown))
            continue
        if len(data) > limit:
            errors.append(_(TOO_BIG).format(name=shown, limit=max_file_mb()))
            continue
        kind = detect_type(data[:2048], data)
        if kind is None:
            errors.append(_(TYPE_REFUSED).format(name=shown))
            continue
        if scanning.is_configured():
            try:
                found = scanning.scan_bytes(data)
            except scanning.ScannerUnavailable:
                raise ValidationError(_(SCANNER_DOWN)) from None
            if found:
                errors.append(_(VIRUS_FOUND).format(name=shown))
                continue
        checked.append(
            CheckedFile(
                name=safe_name(upload.name, kind),
                content_type=kind,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )
    if errors:
        raise ValidationError(errors)
    return checked


def attachment_data(attachment) -> bytes:
    """An attachment's content, decrypted (it is stored encrypted). FileNotFoundError if
    its file is gone; cryptography's InvalidToken if it cannot be decrypted."""
    from portal import crypto

    with attachment.file.open("rb") as handle:
        return crypto.decrypt_bytes(handle.read())


def attachment_response(attachment):
    """A member's or officer's file, decrypted, as a download that is never rendered by
    the browser (the caller has already checked access to the case)."""
    from django.http import FileResponse, Http404

    from .access import NOT_FOUND

    try:
        data = attachment_data(attachment)
    except FileNotFoundError:
        raise Http404(NOT_FOUND) from None
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
