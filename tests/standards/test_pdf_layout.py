"""The edition PDF's page layout, read back page by page with poppler: the contents do not
sit alone on a nearly empty page, and a standard's heading stays with its whole first
paragraph (no page ends with a heading, no first paragraph is split from its heading)."""

import re
import shutil
import subprocess

import pytest

from standards.pdf import edition_pdf_bytes
from tests.standards.conftest import draft_document, pdf_info

pytestmark = pytest.mark.django_db

SENTENCE = (
    "Advisers work with schools and families so that every child is known, heard and "
    "helped to make the progress they are capable of. "
)


def page_body(content: bytes, page: int) -> str:
    """The text of one page without its running header and footer (A4, 24 mm and 22 mm
    margins): what the reader sees between them."""
    out = subprocess.run(
        [shutil.which("pdftotext"), "-f", str(page), "-l", str(page)]
        + ["-x", "0", "-y", "70", "-W", "596", "-H", "705", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(out.split())


def pages_of(content: bytes) -> list[str]:
    count = int(pdf_info(content)["Pages"])
    return [page_body(content, n) for n in range(1, count + 1)]


def opening(n: int, sentences: int = 6) -> str:
    return f"Opens{n} " + SENTENCE * sentences + f"Closes{n}."


def layout_problems(edition) -> list[str]:
    content = edition_pdf_bytes(edition)
    pages = pages_of(content)
    standards = list(edition.standards.order_by("number"))
    headings = [f"{edition.item_label} {s.number}: {s.heading}" for s in standards]
    headings += [s.heading for s in standards]
    headings += ["What this looks like in practice", "About this document", "Contents"]
    problems = []
    contents_page = next(i for i, text in enumerate(pages) if text.startswith("Contents"))
    if "Opens1" not in pages[contents_page]:
        problems.append(f"page {contents_page + 1} holds only the contents")
    for i, text in enumerate(pages):
        for heading in headings:
            if text.endswith(heading) or text.endswith(f"{edition.item_label} {heading}:"):
                problems.append(f"page {i + 1} ends with the heading {heading!r}")
        if re.search(r"(Standard|Principle) \d+:$", text):
            problems.append(f"page {i + 1} ends with a heading")
    for s in standards:
        start = next(i for i, text in enumerate(pages) if f"Opens{s.number} " in text)
        end = next(i for i, text in enumerate(pages) if f"Closes{s.number}." in text)
        if start != end:
            problems.append(f"the first paragraph of {s.number} runs from page {start + 1}")
    return problems


@pytest.mark.parametrize("filler", range(16, 40, 3))
def test_headings_stay_with_their_first_paragraph_and_contents_are_not_alone(publisher, filler):
    """Standard 1's length moves standard 2's heading down the page step by step, so that
    in some of these documents it falls near the foot of a page."""
    standards = [
        ("Putting children first", opening(1, 2) + "\n\n" + SENTENCE * filler),
        ("Equality of opportunity", opening(2, 7) + "\n\n" + SENTENCE * 8),
        ("Independence and objectivity", opening(3, 5) + "\n\n" + SENTENCE * filler),
        ("Credible expertise", opening(4, 8)),
        ("Sharing good practice", opening(5, 6) + "\n\n" + SENTENCE * (filler // 2)),
        ("Accountability", opening(6, 4)),
    ]
    edition = draft_document(publisher, slug=f"layout-{filler}", standards=standards)
    assert layout_problems(edition) == []


def test_a_short_document_fits_cover_and_one_page(publisher):
    """Four short standards: the contents share a page with the standards, not a page of
    their own."""
    edition = draft_document(
        publisher,
        standards=[(f"Heading {n}", opening(n, 1)) for n in range(1, 5)],
    )
    content = edition_pdf_bytes(edition)
    assert int(pdf_info(content)["Pages"]) == 2
    assert layout_problems(edition) == []


@pytest.mark.parametrize(
    ("body", "first", "rest"),
    [
        ("One.\n\nTwo.", "<p>One.</p>", "\n<p>Two.</p>"),
        ("- a\n- b\n\nAfter.", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>", "\n<p>After.</p>"),
        ("Line<br>break\n\nNext.", "<p>Line<br>break</p>", "\n<p>Next.</p>"),
        ("---\n\nAfter.", "<hr>", "\n<p>After.</p>"),
        ("", "", ""),
        ('<script>alert(1)</script><p onclick="x">Hi</p>', None, None),
    ],
)
def test_the_first_block_of_a_body_is_split_off_whole(body, first, rest):
    from standards.templatetags.standards_tags import split_opening, standard_markdown

    html = str(standard_markdown(body))
    head, tail = split_opening(standard_markdown(body))
    assert head + tail == html  # nothing lost, nothing added
    if first is not None:
        assert (str(head).strip(), str(tail).rstrip()) == (first, rest.rstrip())
    assert "<script" not in head + tail and "onclick" not in head + tail
