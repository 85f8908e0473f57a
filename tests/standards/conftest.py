"""Fixtures for Standards and Principles: publishers and documents in each state."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zlib

import pytest
from django.utils import timezone

from portal.accounts.roles import Role
from standards import services
from tests.factories import staff_user

SIX = [
    ("Putting children's development first", "Share responsibility for *every* child."),
    ("Equality of opportunity for all learners", "Improve outcomes for the whole community."),
    ("Independence and objectivity", "Independence from the schools supported is crucial."),
    ("Credible professional expertise", "Qualified, experienced and up to date."),
    ("Mentoring, advising and sharing good practice", "Capture and share best practice."),
    ("Accountability", "A clear chain of accountability."),
]


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))  # noqa: DTZ001


@pytest.fixture
def publisher(db):
    return staff_user(Role.PUBLISHER)[0]


@pytest.fixture
def publisher2(db):
    return staff_user(Role.PUBLISHER)[0]


def draft_document(
    by,
    *,
    slug="six-standards",
    title="Standards for educational development and improvement professionals",
    summary="Six key standards for school improvement professionals.",
    standards=SIX,
    nations=("england", "wales"),
    audience="improvement",
    change_note="First edition.",
    now=None,
):
    document = services.document_create(
        slug=slug,
        title=title,
        summary=summary,
        audience=audience,
        nations=list(nations),
        by=by,
        now=now,
    )
    edition = document.editions.get()
    for heading, body in standards:
        services.standard_add(edition=edition, by=by, heading=heading, body=body)
    edition.change_note = change_note
    services.edition_update(edition=edition, by=by, fields=["change_note"], now=now)
    return edition


def publish(edition, writer, approver, *, now=None):
    services.edition_submit(edition=edition, by=writer, note="Ready.", now=now)
    return services.edition_approve(edition=edition, by=approver, note="Approved.", now=now)


@pytest.fixture
def published(publisher, publisher2):
    """A document with one published edition."""
    return publish(draft_document(publisher), publisher, publisher2)


@pytest.fixture
def superseded(published, publisher, publisher2):
    """The same document with edition 1 superseded by a published edition 2; returns (old,
    new)."""
    new = services.edition_start_new(document=published.document, by=publisher)
    new.change_note = "Standard 6 covers academies and trusts."
    new.title = published.title + " (revised)"
    services.edition_update(edition=new, by=publisher, fields=["change_note", "title"])
    publish(new, publisher, publisher2)
    published.refresh_from_db()
    new.refresh_from_db()
    return published, new


def pdf_text(content: bytes, *, first: int | None = None, last: int | None = None) -> str:
    args = [shutil.which("pdftotext")]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    args += ["-", "-"]
    return subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode()


def pdf_info(content: bytes) -> dict[str, str]:
    out = subprocess.run(
        [shutil.which("pdfinfo"), "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in out.splitlines())
    }


def pdf_catalog_bytes(content: bytes) -> bytes:
    """Every compressed stream of the PDF, inflated (the catalog, with /Lang, sits in an
    object stream)."""
    out = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        try:
            out.append(zlib.decompressobj().decompress(content[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(out)
