"""Density: members against the headcount a rep entered, by section, now and over time, and
the server-rendered SVG chart that shows it (the page's table carries the same numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import MembershipStatus, Section
from portal.accounts.models import Membership, User, Workplace

from .models import Headcount

MAX_HEADCOUNT = 10000
# Bar colours per section, each at least 3:1 against white (WCAG 1.4.11), named in the key.
COLOURS = (
    ("#1d4f91", _("blue")),
    ("#b35900", _("orange")),
    ("#2e7d32", _("green")),
    ("#6a1b9a", _("purple")),
)
FUTURE_DATE = _("The date of the count cannot be in the future.")
NOTHING_ENTERED = _("Enter the headcount of at least one section.")


@dataclass(frozen=True)
class Row:
    counted_on: date
    section: str
    section_label: str
    members: int
    headcount: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.members / self.headcount) if self.headcount else None


def members_on(workplace: Workplace, day: date) -> dict[str, int]:
    """Members per section on a day: joined by then and not lapsed or resigned before it
    (the status dates of today's memberships: a member who moved workplace since is counted
    where they are now)."""
    rows = (
        Membership.objects.filter(workplace=workplace, joined_on__lte=day)
        .filter(
            Q(status=MembershipStatus.ACTIVE)
            | Q(
                status__in=[MembershipStatus.LAPSED, MembershipStatus.RESIGNED],
                status_changed_at__date__gt=day,
            )
        )
        .values("section")
        .annotate(n=Count("pk"))
    )
    return {r["section"]: r["n"] for r in rows}


def density_rows(workplace: Workplace) -> list[Row]:
    counts = list(Headcount.objects.filter(workplace=workplace).order_by("counted_on", "section"))
    members_by_day: dict[date, dict[str, int]] = {}
    rows = []
    for count in counts:
        if count.counted_on not in members_by_day:
            members_by_day[count.counted_on] = members_on(workplace, count.counted_on)
        rows.append(
            Row(
                counted_on=count.counted_on,
                section=count.section,
                section_label=str(Section(count.section).label),
                members=members_by_day[count.counted_on].get(count.section, 0),
                headcount=count.headcount,
            )
        )
    return rows


@transaction.atomic
def headcount_save(
    *, workplace: Workplace, counted_on: date, counts: dict[str, int | None], by: User
) -> int:
    """Record the counts of one day (a second entry the same day replaces the first)."""
    if counted_on > timezone.localdate():
        raise ValueError(str(FUTURE_DATE))
    saved = 0
    for section, value in counts.items():
        if value is None or section not in Section.values:
            continue
        Headcount.objects.update_or_create(
            workplace=workplace,
            section=section,
            counted_on=counted_on,
            defaults={"headcount": value, "entered_by": by, "entered_at": timezone.now()},
        )
        saved += 1
    if not saved:
        raise ValueError(str(NOTHING_ENTERED))
    return saved


def chart(rows: list[Row]) -> dict:
    """Bars of density (%) per count and section, laid out for the SVG template."""
    width, height, left, bottom, top = 640, 260, 40, 40, 10
    plot_h = height - bottom - top
    sections = [s for s in Section.values if any(r.section == s for r in rows)]
    days = sorted({r.counted_on for r in rows})
    if not rows:
        return {"bars": [], "width": width, "height": height}
    group_w = (width - left - 10) / len(days)
    bar_w = max(4.0, (group_w - 8) / max(1, len(sections)))
    bars, labels = [], []
    for i, day in enumerate(days):
        x0 = left + i * group_w + 4
        labels.append({"x": round(x0 + (group_w - 8) / 2, 1), "text": day.strftime("%b %Y")})
        for j, section in enumerate(sections):
            row = next((r for r in rows if r.counted_on == day and r.section == section), None)
            if row is None or row.percent is None:
                continue
            pct = min(row.percent, 100)
            h = plot_h * pct / 100
            bars.append(
                {
                    "x": round(x0 + j * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar_w - 2, 1),
                    "h": round(h, 1),
                    "fill": COLOURS[j % 4][0],
                    "title": f"{row.section_label}, {day:%d %b %Y}: {row.percent}%",
                }
            )
    ticks = [{"y": round(top + plot_h - plot_h * p / 100, 1), "label": p} for p in (0, 50, 100)]
    return {
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "width": width,
        "height": height,
        "left": left,
        "base": top + plot_h,
        "label_y": height - 15,
        "sections": [
            {"label": str(Section(s).label), "colour": COLOURS[j % 4][1]}
            for j, s in enumerate(sections)
        ],
    }
