"""Markdown for the body of a standard: sanitised (portal.markdown), with its headings moved
one level down so that they sit below the standard's own heading."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django import template
from django.utils.safestring import SafeString, mark_safe

from portal.markdown import render_markdown

register = template.Library()

_HEADING = re.compile(r"<(/?)h([1-6])>")


def shift_headings(html: str, by: int) -> str:
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + by, 6)}>", html)


@register.filter
def standard_markdown(text: str, levels: int = 1) -> SafeString:
    """Sanitised HTML (nh3 inside render_markdown); only tag names are changed after it."""
    return mark_safe(shift_headings(str(render_markdown(text)), int(levels)))  # noqa: S308  # nosec B308 B703


_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"}


class _FirstBlock(HTMLParser):
    """Finds where the first top-level element of (well-formed, sanitised) HTML ends."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.depth = 0
        self.end: int | None = None

    def _offset_after_tag(self) -> int:
        line, column = self.getpos()
        return self.html.index(">", self.line_starts[line - 1] + column) + 1

    def handle_starttag(self, tag, attrs):
        if self.end is not None:
            return
        if tag in _VOID:
            if self.depth == 0:
                self.end = self._offset_after_tag()
            return
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.end is None and self.depth == 0:
            self.end = self._offset_after_tag()

    def handle_endtag(self, tag):
        if self.end is None and tag not in _VOID:
            self.depth -= 1
            if self.depth == 0:
                self.end = self._offset_after_tag()


@register.filter
def split_opening(html: SafeString) -> tuple[SafeString, SafeString]:
    """(first block, the rest) of a standard's rendered body: the PDF keeps its heading
    together with that first paragraph (or list). Splitting sanitised HTML between two
    top-level elements keeps both halves as safe as the whole."""
    html = str(html)
    parser = _FirstBlock(html)
    parser.feed(html)
    parser.close()
    end = parser.end if parser.end is not None else len(html)
    return mark_safe(html[:end]), mark_safe(html[end:])  # noqa: S308  # nosec B308 B703
