"""The `date` filter every template uses remembers what it formatted: the output is still
exactly Django's, for each time zone and each language."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation

TEMPLATE = Template('{{ when|date:"j F Y, H:i" }}|{{ when|date }}')


def render(when) -> str:
    return TEMPLATE.render(Context({"when": when}))


def test_same_instant_in_two_time_zones_is_written_in_each_zone():
    instant = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        london = render(instant)
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        new_york = render(instant)
    assert london.startswith("29 March 2026, 00:30")
    assert new_york.startswith("28 March 2026, 20:30")
    # And again, now that both are remembered.
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert render(instant) == london


def test_month_names_follow_the_language():
    day = dt.date(2026, 1, 15)
    template = Template('{{ when|date:"j F Y" }}')

    def render(when):
        return template.render(Context({"when": when}))

    english = render(day)
    with translation.override("cy"):
        welsh = render(day)
    assert english.startswith("15 January 2026")
    assert welsh.startswith("15 Ionawr 2026")
    assert render(day) == english


def test_output_is_djangos_own_for_every_kind_of_value():
    aware = timezone.now()
    naive = dt.datetime(2026, 5, 1, 9, 0)  # noqa: DTZ001 - a naive value on purpose
    for value in (aware, aware.date(), naive, "", None, "not a date"):
        expected = django_date(timezone.localtime(aware) if value is aware else value, "j F Y")
        assert Template('{{ v|date:"j F Y" }}').render(Context({"v": value})) == str(expected)
