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

ALLOWED_DESCRIPTION = "PDF, Word (.doc, .docx), images (JPEG, PNG, GIF) or plain text"

TYPE_REFUSED = (
    "“{name}” is not a PDF, Word document, image or plain text file, so it was not "
    "accepted. Nothing else you entered was lost."
)
TOO_BIG = "“{name}” is larger than {limit} MB. Make it smaller or send it in parts."
TOO_MANY = "You can attach up to {limit} files at a time."
CASE_FULL = "This case already has the most files it can hold ({limit})."
EMPTY_FILE = "“{name}” is empty."

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
    return (
        f"{ALLOWED_DESCRIPTION}. Up to {max_files_per_upload()} files at a time, "
        f"{max_file_mb()} MB each."
    )


def detect_type(head: bytes, data_for_zip: bytes | None = None) -> str | None:
    """The file's real type from its first bytes (and, for .docx, its zip contents)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith(b"PK\x03\x04") and data_for_zip is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data_for_zip)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return None
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is still text.
            if error.start < len(head) - 4:
                return None
        return "text/plain"
    return None


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
        raise ValidationError(TOO_MANY.format(limit=max_files_per_upload()))
    if already_on_case + len(files) > max_files_per_case():
        raise ValidationError(CASE_FULL.format(limit=max_files_per_case()))
    checked = []
    limit = max_file_mb() * 1024 * 1024
    for upload in files:
        shown = (upload.name or "file")[:80]
        if upload.size > limit:
            errors.append(TOO_BIG.format(name=shown, limit=max_file_mb()))
            continue
        upload.seek(0)
        data = upload.read(limit + 1)
        if not data:
            errors.append(EMPTY_FILE.format(name=shown))
            continue
        if len(data) > limit:
            errors.append(TOO_BIG.format(name=shown, limit=max_file_mb()))
            continue
        kind = detect_type(data[:2048], data)
        if kind is None:
            errors.append(TYPE_REFUSED.format(name=shown))
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
