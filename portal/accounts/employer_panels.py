"""Panels on an employer's admin page. Apps above accounts (casework) register a panel: a
function of (request, employer) giving HTML, or None when it has nothing for that person,
so that accounts knows nothing of them."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

Panel = Callable[[object, object], SafeString | None]

_panels: dict[str, tuple[int, Panel]] = {}


def register_employer_panel(name: str, *, order: int):
    def decorator(fn: Panel) -> Panel:
        _panels[name] = (order, fn)
        return fn

    return decorator


def employer_panels(request, employer) -> list[SafeString]:
    shown = []
    for _order, fn in sorted(_panels.values(), key=lambda p: p[0]):
        html = fn(request, employer)
        if html:
            shown.append(html)
    return shown
