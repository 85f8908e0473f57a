from django import template
from django.utils import timezone

from portal.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Staff-written Markdown as sanitised HTML."""
    return render_markdown(text or "")


@register.filter
def phase(consultation):
    return consultation.phase(timezone.now())


@register.filter
def phase_label(consultation):
    return consultation.phase(timezone.now()).label


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
