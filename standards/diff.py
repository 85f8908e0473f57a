"""What changed between two editions, line by line (difflib), for publishers: the text,
the standards and their good-practice examples, all of which the approver approves."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .models import Edition

CONTEXT = 3


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "gap"
    text: str


def edition_lines(edition: Edition) -> list[str]:
    lines = [
        f"Title: {edition.title}",
        f"Summary: {edition.summary}",
        f"For: {edition.get_audience_display()}",
        f"Applies to: {edition.nations_text}",
        "",
    ]
    for standard in edition.standards.order_by("number").prefetch_related("examples"):
        lines.append(f"{edition.item_label} {standard.number}: {standard.heading}")
        lines += standard.body.strip().splitlines()
        if standard.indicators.strip():
            lines.append("What this looks like in practice:")
            lines += standard.indicators.strip().splitlines()
        for example in sorted(standard.examples.all(), key=lambda e: (e.date, e.title)):
            lines.append(
                f"Good-practice example: {example.title} "
                f"({example.get_organisation_type_display()}, {example.date:%B %Y})"
            )
            lines += example.text.strip().splitlines()
        lines.append("")
    return lines


def edition_diff(old: Edition, new: Edition) -> list[DiffLine]:
    a, b = edition_lines(old), edition_lines(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            same = a[i1:i2]
            if len(same) > 2 * CONTEXT + 1:
                head = [] if not out else same[:CONTEXT]
                tail = same[-CONTEXT:] if i2 < len(a) else []
                out += [DiffLine("same", t) for t in head]
                out.append(DiffLine("gap", f"{len(same) - len(head) - len(tail)} lines unchanged"))
                out += [DiffLine("same", t) for t in tail]
            else:
                out += [DiffLine("same", t) for t in same]
            continue
        out += [DiffLine("removed", t) for t in a[i1:i2]]
        out += [DiffLine("added", t) for t in b[j1:j2]]
    return out


def has_changes(lines: list[DiffLine]) -> bool:
    return any(line.kind in ("added", "removed") for line in lines)
