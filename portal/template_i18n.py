"""`{% html_lang %}`: the `lang` of a page, email or PDF in the language being rendered
("cy" or "en-GB"). A template builtin (TEMPLATES in settings), so that templates rendered
without a request (emails, PDFs) carry the right language too."""

from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    return "cy" if translation.get_language() == "cy" else "en-GB"
