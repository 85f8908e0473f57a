"""Sections of `/me/subscription/` that other apps add: the payments issue registers the
payment method, the next collection and the payment history here. Until a section is
registered, the page shows nothing for it (no placeholder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_sections: list[tuple[int, str, Callable[[Any], dict | None]]] = []


def register_section(*, order: int, template: str):
    def decorator(fn):
        _sections.append((order, template, fn))
        return fn

    return decorator


def sections_for(membership) -> list[tuple[str, dict]]:
    shown = []
    for _order, template, fn in sorted(_sections, key=lambda s: s[0]):
        context = fn(membership)
        if context is not None:
            shown.append((template, context))
    return shown
