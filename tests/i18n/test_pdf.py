"""The Welsh PDF of a standards edition: its Welsh text, `lang="cy"` in the PDF's
metadata, tagged (PDF/UA) like the English one."""

from __future__ import annotations

import io

from pypdf import PdfReader

from standards import services
from tests.standards.conftest import (  # noqa: F401
    draft_document,
    pdf_text,
    publish,
    publisher,
    publisher2,
)

WELSH = [
    ("Rhoi datblygiad plant yn gyntaf", "Rhannu'r cyfrifoldeb dros *bob* plentyn."),
    ("Cyfle cyfartal i bob dysgwr", "Gwella canlyniadau'r gymuned gyfan."),
]


def welsh_edition(publisher, publisher2):  # noqa: F811
    edition = draft_document(publisher)
    edition.title_cy = "Safonau ar gyfer gweithwyr proffesiynol datblygu a gwella addysg"
    edition.summary_cy = "Chwe safon allweddol ar gyfer gweithwyr proffesiynol gwella ysgolion."
    services.edition_update(edition=edition, by=publisher, fields=["title_cy", "summary_cy"])
    for standard, (heading, body) in zip(edition.standards.order_by("number"), WELSH, strict=False):
        standard.heading_cy = heading
        standard.body_cy = body
        standard.save(update_fields=["heading_cy", "body_cy"])
    return publish(edition, publisher, publisher2)


def test_the_welsh_pdf_is_in_welsh_tagged_and_says_so(client, publisher, publisher2):  # noqa: F811
    edition = welsh_edition(publisher, publisher2)
    response = client.get("/cy/standards/six-standards/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "cy"
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == edition.title_cy
    text = " ".join(pdf_text(content).split())
    assert "Rhoi datblygiad plant yn gyntaf" in text
    # A standard without Welsh is printed in English rather than left out.
    assert "Independence and objectivity" in text
    # The English PDF is unchanged.
    english = client.get("/standards/six-standards/pdf/").content
    assert PdfReader(io.BytesIO(english)).trailer["/Root"]["/Lang"] == "en-GB"
    assert "Rhoi datblygiad" not in " ".join(pdf_text(english).split())
