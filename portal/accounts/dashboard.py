"""Panels on the member dashboard (`/me/`). Apps register a panel; the dashboard view shows
each one that has something for the member, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import User


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable[[User], dict[str, Any] | None]


_panels: dict[str, Panel] = {}


def register_panel(name: str, *, order: int, template: str):
    def decorator(fn: Callable[[User], dict[str, Any] | None]):
        _panels[name] = Panel(order, template, fn)
        return fn

    return decorator


def panels_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        context = panel.context(user)
        if context is not None:
            shown.append((panel.template, context))
    return shown
