"""The `date` filter, remembering what it has formatted (a template builtin, see TEMPLATES in
settings): the same filter and the same output, without formatting the same instant the same
way again on every page (Django's formatter costs about 50 µs a call; a dashboard lists
twenty closing dates).

A formatted date depends on the value, its time zone (two aware datetimes of the same
instant in different zones compare equal, so the zone is part of the key), the format asked
for and the active language (month and day names). Nothing else reaches it."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django import template
from django.template.defaultfilters import date as django_date
from django.utils import translation

register = template.Library()


@lru_cache(maxsize=4096)
def _formatted(value, zone: str, offset, arg, language: str) -> str:
    return django_date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    if type(value) not in (dt.datetime, dt.date):
        return django_date(value, arg)
    if isinstance(value, dt.datetime):
        zone, offset = str(value.tzinfo), value.utcoffset()
    else:
        zone, offset = "", None
    return _formatted(value, zone, offset, arg, translation.get_language() or "")
