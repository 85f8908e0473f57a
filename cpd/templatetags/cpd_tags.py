"""Hours as people write them (2, 2.5, 0.75) and a count that picks the right plural."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def hours(value) -> str:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    text = format(number.quantize(Decimal("0.01")).normalize(), "f")
    return text


@register.filter
def plural_count(value) -> int:
    """An integer for `blocktranslate count`: the number itself when whole, otherwise one
    that takes every language's general plural (a fraction of an hour is never "1 hour")."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return 0
    return int(number) if number == number.to_integral_value() else 100
