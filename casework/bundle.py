"""The case bundle a solicitor can use: one PDF with an index (every document and the page
it starts on), the case and its timeline, then the attached documents themselves.

Only what the officer may see goes in: the timeline through `access.officer_visible_events`,
and the files of those events (and those the member added before submitting). PDFs are
merged with pypdf; PNG, JPEG and GIF images are placed one to an A4 page (Pillow); any other
type is listed in the index as not included. A PDF that is encrypted, damaged or otherwise
unreadable is listed as "could not be included", never a failure of the whole bundle.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.accounts.models import Membership
from portal.pdf import render_pdf

from . import access
from .files import attachment_data
from .models import Case, CaseAttachment
from .selectors import officer_timeline

logger = logging.getLogger("casework.bundle")

TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "text/plain": "plain text",
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif"}
NOT_INCLUDED = "not included ({kind})"
COULD_NOT_INCLUDE = "could not be included ({why})"

# An image page: A4 at 150 dots per inch, with a 15 mm margin.
IMAGE_DPI = 150
A4_PIXELS = (1240, 1754)
IMAGE_MARGIN = 90
MAX_IMAGE_PIXELS = 50_000_000


class NotIncluded(Exception):
    """A document that cannot go into the bundle; the message says why, for the index."""


@dataclass
class BundleDocument:
    attachment: CaseAttachment
    kind: str
    pdf: bytes | None = None
    pages: int = 0
    first_page: int | None = None
    note: str = ""

    @property
    def name(self) -> str:
        return self.attachment.name


def bundle_attachments(user, case: Case) -> list[CaseAttachment]:
    """The files the officer may see: those of the timeline entries they see, and those
    added to the request before it was submitted (no entry)."""
    events = access.officer_visible_events(user, case)
    return list(
        case.attachments.filter(Q(event__isnull=True) | Q(event__in=events))
        .select_related("event")
        .order_by("created_at", "id")
    )


def _pdf_document(data: bytes) -> tuple[bytes, int]:
    """The PDF rewritten by pypdf (so that anything unreadable fails here, not while the
    bundle is merged) and its page count."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotIncluded(COULD_NOT_INCLUDE.format(why="the PDF is password-protected"))
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        if not len(writer.pages):
            raise NotIncluded(COULD_NOT_INCLUDE.format(why="the PDF has no pages"))
        out = io.BytesIO()
        writer.write(out)
    except NotIncluded:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise NotIncluded(COULD_NOT_INCLUDE.format(why="the PDF is damaged")) from None
    except Exception:  # noqa: BLE001 - a hostile PDF may break the parser in any way
        logger.warning("bundle: a PDF could not be read", exc_info=True)
        raise NotIncluded(COULD_NOT_INCLUDE.format(why="the PDF is damaged")) from None
    return out.getvalue(), len(writer.pages)


def _image_document(data: bytes) -> bytes:
    """One A4 page with the image on it, scaled to fit (never enlarged past 2×)."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, "white")
                image.paste(rgba, mask=rgba.split()[-1])
            else:
                image = image.convert("RGB")
            width, height = A4_PIXELS
            box = (width - 2 * IMAGE_MARGIN, height - 2 * IMAGE_MARGIN)
            scale = min(box[0] / image.width, box[1] / image.height, 2.0)
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size)
            page = Image.new("RGB", A4_PIXELS, "white")
            page.paste(image, (IMAGE_MARGIN + (box[0] - size[0]) // 2, IMAGE_MARGIN))
            out = io.BytesIO()
            page.save(out, "PDF", resolution=float(IMAGE_DPI))
    except Exception:  # noqa: BLE001 - any failure to read the image is reported in the index
        raise NotIncluded(COULD_NOT_INCLUDE.format(why="the image could not be read")) from None
    return out.getvalue()


def _prepare(attachment: CaseAttachment) -> BundleDocument:
    kind = TYPE_NAMES.get(attachment.content_type, attachment.content_type or "unknown type")
    document = BundleDocument(attachment=attachment, kind=kind)
    if attachment.content_type != "application/pdf" and attachment.content_type not in IMAGE_TYPES:
        document.note = NOT_INCLUDED.format(kind=kind)
        return document
    try:
        try:
            data = attachment_data(attachment)
        except FileNotFoundError:
            raise NotIncluded(COULD_NOT_INCLUDE.format(why="the file is missing")) from None
        except Exception:  # noqa: BLE001 - a file that does not decrypt
            raise NotIncluded(COULD_NOT_INCLUDE.format(why="the file could not be read")) from None
        if attachment.content_type == "application/pdf":
            document.pdf, document.pages = _pdf_document(data)
        else:
            document.pdf, document.pages = _image_document(data), 1
    except NotIncluded as reason:
        document.note = str(reason)
    return document


STAMP_FONT_SIZE = 8


def _stamp(page, text: str) -> None:
    """`text` at the page's bottom right, in Helvetica on a white band (a page that cannot
    take it keeps its content as it was)."""
    from pypdf import PageObject
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    try:
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.cropbox
        left, bottom = float(box.left), float(box.bottom)
        width = 0.52 * STAMP_FONT_SIZE * len(text)
        x = left + float(box.width) - 18 - width
        y = bottom + 10
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
        overlay = PageObject.create_blank_page(
            width=left + float(box.width), height=bottom + float(box.height)
        )
        overlay[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/FBundle"): font})}
        )
        safe = text.replace("\\", "").replace("(", "").replace(")", "")
        content = ContentStream(None, None)
        content.set_data(
            (
                f"q 1 1 1 rg {x - 3:.2f} {y - 3:.2f} {width + 6:.2f} {STAMP_FONT_SIZE + 5} re f "
                f"0 0 0 rg BT /FBundle {STAMP_FONT_SIZE} Tf {x:.2f} {y:.2f} Td ({safe}) Tj ET Q"
            ).encode("latin-1", "replace")
        )
        overlay.replace_contents(content)
        page.merge_page(overlay)
    except Exception:  # noqa: BLE001 - a page of a hostile PDF: left unnumbered
        logger.warning("bundle: a page could not be numbered", exc_info=True)


def _context(case: Case, user) -> dict:
    membership = (
        Membership.objects.filter(user_id=case.member_id)
        .select_related("user", "employer", "region")
        .first()
    )
    return {
        "case": case,
        "membership": membership,
        "generated_by": user,
        "generated_at": timezone.now(),
    }


def _number(documents: list[BundleDocument], first: int) -> None:
    page = first
    for document in documents:
        if document.pdf is not None:
            document.first_page = page
            page += document.pages


def case_bundle_pdf(case: Case, user) -> bytes:
    """The whole bundle, as `user` may see it. The caller checks that `user` may see the
    case (access.get_case_for_officer) and records the access."""
    from pypdf import PdfReader, PdfWriter

    base = _context(case, user)
    documents = [_prepare(a) for a in bundle_attachments(user, case)]

    def index(first_timeline_page: int, timeline_pages: int):
        return render_pdf(
            render_to_string(
                "casework/bundle_index.html",
                {
                    **base,
                    "timeline_page": first_timeline_page,
                    "timeline_pages": timeline_pages,
                    "documents": documents,
                },
            )
        )

    # The index's length decides where everything after it starts: render it until the
    # numbers it prints give it the length they assumed (once or twice in practice).
    index_pages = 1
    for _attempt in range(5):
        timeline = render_pdf(
            render_to_string(
                "casework/bundle.html",
                {
                    **base,
                    "events": officer_timeline(user, case),
                    "first_page": index_pages + 1,
                },
            )
        )
        _number(documents, index_pages + timeline.pages + 1)
        rendered = index(index_pages + 1, timeline.pages)
        if rendered.pages == index_pages:
            break
        index_pages = rendered.pages
    writer = PdfWriter()
    for part in [rendered.content, timeline.content] + [d.pdf for d in documents if d.pdf]:
        writer.append(PdfReader(io.BytesIO(part)))
    # The documents' own pages get the bundle's page number too (the index and timeline
    # print theirs), so that a page cited from the bundle is found on paper.
    for number in range(index_pages + timeline.pages + 1, len(writer.pages) + 1):
        _stamp(writer.pages[number - 1], f"Case {case.reference}, bundle page {number}")
    writer.add_metadata({"/Title": f"Case bundle {case.reference}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
