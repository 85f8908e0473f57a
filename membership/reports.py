"""The retention report for the Leadership section's retention officer: joiners, leavers
and lapses by month, section, region and reason, and members promoted into Leadership roles
who have not moved section.

Small numbers are never shown: a count under `SUPPRESS_BELOW` is "fewer than 5", and every
other count is rounded to the nearest 5, everywhere on the page (totals included), so that
no count can be taken from another (a region's total minus its other sections) to reveal
one person.

Status changes come from accounts' `RoleChange` (written by database triggers, so nothing
escapes it); first joiners from `Membership.joined_on`; reasons from `Resignation`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from portal.accounts.choices import MembershipStatus, Section
from portal.accounts.membership import LEADERSHIP_ROLES
from portal.accounts.models import Membership, RoleChange, RoleChangeField

from .models import LifeEvent, LifeEventKind, Resignation, ResignationReason

SUPPRESS_BELOW = 5
ROUND_TO = 5
FEWER = "fewer than 5"
MEASURES = (("joiners", "Joiners"), ("leavers", "Leavers"), ("lapses", "Lapses"))


def shown(count: int) -> str:
    """A count as the report may show it."""
    if count == 0:
        return "0"
    if count < SUPPRESS_BELOW:
        return FEWER
    return str(int(ROUND_TO * round(count / ROUND_TO)))


def plotted(count: int) -> int:
    """The value a bar is drawn at: suppressed counts are not drawn."""
    return 0 if count < SUPPRESS_BELOW else int(ROUND_TO * round(count / ROUND_TO))


def month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    found = []
    for back in range(months - 1, -1, -1):
        y, m = first.year, first.month - back
        while m <= 0:
            y, m = y - 1, m + 12
        found.append(date(y, m, 1))
    return found


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Report:
    months: list[date]
    by_month: Table
    tables: list[Table]
    chart: dict
    promoted: list
    note: str


def _month(value) -> date:
    local = timezone.localtime(value) if hasattr(value, "tzinfo") else value
    return date(local.year, local.month, 1)


def _events(start: date):
    """(kind, month, membership id) for every joining, leaving and lapse since `start`."""
    found = []
    for m in Membership.objects.filter(joined_on__gte=start).values("pk", "joined_on"):
        found.append(("joiners", _month(m["joined_on"]), m["pk"]))
    status_rows = RoleChange.objects.filter(
        field=RoleChangeField.MEMBERSHIP_STATUS, at__date__gte=start
    ).values("user_id", "at", "old_value", "new_value")
    user_ids = {r["user_id"] for r in status_rows}
    membership_of = dict(
        Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "pk")
    )
    ended = {MembershipStatus.RESIGNED, MembershipStatus.LAPSED}
    for r in status_rows:
        pk = membership_of.get(r["user_id"])
        if pk is None:
            continue
        if r["new_value"] == MembershipStatus.RESIGNED:
            found.append(("leavers", _month(r["at"]), pk))
        elif r["new_value"] == MembershipStatus.LAPSED:
            found.append(("lapses", _month(r["at"]), pk))
        elif r["new_value"] == MembershipStatus.ACTIVE and r["old_value"] in ended:
            found.append(("joiners", _month(r["at"]), pk))  # rejoined
    return found


def retention_report(*, months: int = 12, today: date | None = None) -> Report:
    today = today or timezone.localdate()
    starts = month_starts(months, today)
    events = [e for e in _events(starts[0]) if e[1] in set(starts)]
    ids = {pk for _k, _m, pk in events}
    about = {
        m["pk"]: m
        for m in Membership.objects.filter(pk__in=ids).values("pk", "section", "region__name")
    }
    reasons = dict(
        Resignation.objects.filter(membership_id__in=ids, withdrawn_at=None)
        .order_by("membership_id", "recorded_at")
        .values_list("membership_id", "reason")
    )

    counts: Counter = Counter()
    by: dict[str, Counter] = defaultdict(Counter)
    for kind, month, pk in events:
        counts[(kind, month)] += 1
        info = about.get(pk, {})
        by["section"][(kind, Section(info.get("section", "teachers")).label)] += 1
        by["region"][(kind, info.get("region__name") or "–")] += 1
        if kind == "leavers":
            reason = reasons.get(pk) or ""
            label = ResignationReason(reason).label if reason else "No reason given"
            by["reason"][(kind, str(label))] += 1

    month_labels = [m.strftime("%b %Y") for m in starts]
    by_month = Table("Month by month", ["Measure", *month_labels, "Total"])
    for key, label in MEASURES:
        values = [counts[(key, m)] for m in starts]
        by_month.rows.append((label, [shown(v) for v in values] + [shown(sum(values))]))

    tables = []
    for dimension, title in (("section", "By section"), ("region", "By region")):
        groups = sorted({g for (_k, g) in by[dimension]})
        table = Table(
            f"{title}, last {months} months",
            [title.split()[-1].title()] + [label for _k, label in MEASURES],
        )
        for group in groups:
            table.rows.append((group, [shown(by[dimension][(k, group)]) for k, _l in MEASURES]))
        tables.append(table)
    reason_table = Table(f"Leavers by reason, last {months} months", ["Reason", "Leavers"])
    for label in sorted({g for (_k, g) in by["reason"]}):
        reason_table.rows.append((label, [shown(by["reason"][("leavers", label)])]))
    tables.append(reason_table)

    return Report(
        months=starts,
        by_month=by_month,
        tables=tables,
        chart=_chart(starts, counts),
        promoted=promoted_without_moving_section(),
        note=(
            f"Counts under {SUPPRESS_BELOW} are shown as \u201c{FEWER}\u201d and every other "
            f"count is rounded to the nearest {ROUND_TO}, totals included, so that no figure "
            "can be worked out from the others to identify a person. Bars are not drawn for "
            "suppressed counts."
        ),
    )


def _chart(starts: list[date], counts: Counter) -> dict:
    """A plain server-drawn bar chart: three bars a month, in the SVG's own units."""
    width, height, pad_left, pad_bottom, top = 720, 240, 40, 40, 10
    series = [(k, label, [plotted(counts[(k, m)]) for m in starts]) for k, label in MEASURES]
    peak = max([v for _k, _l, values in series for v in values] + [ROUND_TO])
    slot = (width - pad_left) / max(len(starts), 1)
    bar = slot / 4
    plot_h = height - pad_bottom - top
    bars = []
    for index, (key, label, values) in enumerate(series):
        for i, value in enumerate(values):
            h = plot_h * value / peak
            bars.append(
                {
                    "x": round(pad_left + i * slot + index * bar + bar / 2, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar, 1),
                    "h": round(h, 1),
                    "series": key,
                    "title": f"{label}, {starts[i]:%b %Y}: {shown(counts[(key, starts[i])])}",
                }
            )
    labels = [
        {
            "x": round(pad_left + i * slot + slot / 2, 1),
            "y": height - pad_bottom + 16,
            "text": m.strftime("%b"),
        }
        for i, m in enumerate(starts)
    ]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "peak": peak,
        "axis_y": top + plot_h,
        "left": pad_left,
        "series": MEASURES,
    }


def promoted_without_moving_section():
    """Members whose role is a Leadership role but whose section is not Leadership (staff
    edits or imports that skipped the rule), and members with a promotion into a Leadership
    role dated ahead that has not applied yet."""
    roles = [str(r) for r in LEADERSHIP_ROLES]
    mismatched = Membership.objects.filter(job_role__in=roles).exclude(section=Section.LEADERSHIP)
    ahead = LifeEvent.objects.filter(
        kind=LifeEventKind.MOVING, applied_at=None, sets__job_role__in=roles
    ).values_list("membership_id", flat=True)
    rows = (
        Membership.objects.filter(Q(pk__in=mismatched.values("pk")) | Q(pk__in=ahead))
        .exclude(status__in=[MembershipStatus.RESIGNED, MembershipStatus.LAPSED])
        .exclude(section=Section.LEADERSHIP)
        .select_related("user", "region")
        .order_by("user__last_name", "pk")
    )
    return list(rows[:200])
