"""Markdown written by staff, rendered to HTML that is safe to put on a page or in a PDF,
and to plain text that reads well in an email.

Markdown is converted first, then everything goes through nh3 with an allow-list: scripts,
event handlers, `javascript:` and `data:` links, iframes and styles never survive. A single
line break is kept as a line break (nl2br): staff write "Diolch," and their name on two lines
and expect to see two lines.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

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
EXTENSIONS = ["tables", "sane_lists", "smarty", "nl2br"]


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


def render_text(text: str) -> str:
    """The same Markdown as plain text for reading, e.g. an email's plain-text part: links keep
    their address ("text (https://…)"), numbered lists their numbers, table rows become lines
    with the cells separated by " | ", line breaks stay."""
    renderer = _TextRenderer()
    renderer.feed(_render(text or ""))
    renderer.close()
    return renderer.result()


_BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd", "table", "thead", "tbody"}
_INDENT = "   "
_SPACES = re.compile(r"\s+")


class _TextRenderer(HTMLParser):
    """Plain text from the sanitised HTML above (only ALLOWED_TAGS can occur)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []  # (text, tight: no blank line around it)
        self.buf: list[str] = []
        self.lists: list[list] = []  # [ordered, last number]
        self.marker: str | None = None
        self.links: list[tuple[str, int]] = []
        self.row: list[str] | None = None
        self.cell_start = 0
        self.quotes = 0
        self.pre = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _BLOCKS or tag in {"ul", "ol", "li", "blockquote", "hr", "tr"}:
            self._flush()
        if tag in {"ul", "ol"}:
            start = attrs.get("start") or "1"
            self.lists.append([tag == "ol", int(start) - 1 if start.isdigit() else 0])
        elif tag == "li" and self.lists:
            current = self.lists[-1]
            current[1] += 1
            self.marker = f"{current[1]}." if current[0] else "-"
        elif tag == "blockquote":
            self.quotes += 1
        elif tag == "pre":
            self.pre = True
        elif tag == "br":
            self.buf.append("\n")
        elif tag == "hr":
            self.blocks.append(("-" * 20, False))
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.buf)))
        elif tag == "tr":
            self.row = []
        elif tag in {"td", "th"}:
            self.cell_start = len(self.buf)

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href, start = self.links.pop()
            shown = " ".join("".join(self.buf[start:]).split())
            address = href.removeprefix("mailto:")
            if href and address not in shown:
                self.buf.append(f" ({address})")
        elif tag in {"td", "th"} and self.row is not None:
            self.row.append(" ".join("".join(self.buf[self.cell_start :]).split()))
            del self.buf[self.cell_start :]
        elif tag == "tr" and self.row is not None:
            self.blocks.append((self._prefix() + " | ".join(self.row), True))
            self.row = None
        elif tag in _BLOCKS or tag in {"li", "ul", "ol", "blockquote"}:
            self._flush()
            if tag in {"ul", "ol"} and self.lists:
                self.lists.pop()
                if not self.lists:
                    self.blocks.append(("", False))  # a blank line after a whole list
            elif tag == "blockquote":
                self.quotes = max(0, self.quotes - 1)
            elif tag == "pre":
                self.pre = False
            elif tag == "table":
                self.blocks.append(("", False))

    def handle_data(self, data):
        # Source line breaks inside a paragraph are spaces; <br> is what breaks a line.
        self.buf.append(data if self.pre else _SPACES.sub(" ", data))

    def _prefix(self) -> str:
        return "> " * self.quotes

    def _flush(self):
        text, self.buf = "".join(self.buf), []
        if self.pre:
            lines = text.strip("\n").split("\n")
        else:
            lines = [" ".join(line.split()) for line in text.split("\n")]
            while lines and not lines[-1]:
                lines.pop()
            while lines and not lines[0]:
                lines.pop(0)
        if not lines:
            return
        depth = max(0, len(self.lists) - 1)
        first = rest = self._prefix() + _INDENT * depth
        if self.lists:
            marker, self.marker = self.marker, None
            if marker:
                first += marker + " "
                rest += " " * (len(marker) + 1)
            else:
                first = rest = rest + _INDENT
        out = [first + lines[0], *(rest + line for line in lines[1:])]
        self.blocks.append(("\n".join(out), bool(self.lists)))

    def result(self) -> str:
        self._flush()
        parts: list[str] = []
        previous_tight = False
        for text, tight in self.blocks:
            if not text:
                previous_tight = False
                continue
            if parts:
                parts.append("\n" if tight and previous_tight else "\n\n")
            parts.append(text)
            previous_tight = tight
        return "".join(parts).strip("\n")
