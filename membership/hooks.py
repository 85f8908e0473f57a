"""Who hears of a resignation: apps above membership (subscriptions works out the final
collection and cancels the mandate) register here at start-up, so that membership never
imports them. Each listener runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

_listeners: dict[str, list[Callable[..., None]]] = {"notice": [], "applied": [], "withdrawn": []}


def register_resignation_listener(event: str, fn: Callable[..., None]) -> None:
    """`event` is "notice" (notice given), "applied" (the membership is resigned) or
    "withdrawn" (notice withdrawn before the day); `fn(resignation=..., actor=...)`."""
    if fn not in _listeners[event]:
        _listeners[event].append(fn)


def resignation_event(event: str, *, resignation, actor) -> None:
    for fn in _listeners[event]:
        fn(resignation=resignation, actor=actor)
