"""Bar charts as inline SVG: no script, an accessible name and description, and the same
numbers in a table beside each chart (the template's job)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 240
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 48, 48, 16


def bar_chart(*, chart_id: str, title: str, desc: str, bars: list[tuple[str, float | None]]):
    """A vertical bar chart of `bars` (label, value; None draws no bar)."""
    values = [v for _, v in bars if v is not None]
    top = max(values) if values else 0
    top = top or 1
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_w / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP + plot_h}" x2="{WIDTH - 8}" '
        f'y2="{MARGIN_TOP + plot_h}" stroke="#444"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 4}" text-anchor="end" '
        f'font-size="11" fill="#222">{_number(top)}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + plot_h}" text-anchor="end" '
        f'font-size="11" fill="#222">0</text>',
    ]
    for i, (label, value) in enumerate(bars):
        x = MARGIN_LEFT + i * step + step * 0.15
        w = step * 0.7
        if value is not None:
            h = plot_h * value / top
            y = MARGIN_TOP + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#1d5b8f"/>'
            )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{MARGIN_TOP + plot_h + 16}" text-anchor="middle" '
            f'font-size="10" fill="#222">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return SafeString("".join(parts))  # nosec B703 - every text in it is escaped above


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
