"""Markdown for the body of a standard: sanitised (portal.markdown), with its headings moved
one level down so that they sit below the standard's own heading."""

from __future__ import annotations

import re

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
