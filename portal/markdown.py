"""Markdown written by staff, rendered to HTML that is safe to put on a page or in a PDF.

Markdown is converted first, then everything goes through nh3 with an allow-list: scripts,
event handlers, `javascript:` and `data:` links, iframes and styles never survive.
"""

from __future__ import annotations

import functools

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists", "smarty"]


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    html = md.markdown(text, extensions=EXTENSIONS, output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)


def render_markdown(text: str) -> SafeString:
    """Staff-written Markdown as sanitised HTML. Headings start at h2: h1 is the page's.
    A pure function of the text, so its result is cached per process."""
    return mark_safe(_render(text or ""))  # noqa: S308  # nosec B308 B703 - sanitised by nh3 above


def render_plain(text: str) -> str:
    """The same Markdown as plain text (for plain-text email parts and search)."""
    return nh3.clean(md.markdown(text or "", extensions=EXTENSIONS), tags=set()).strip()
